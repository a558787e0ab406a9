// One front-end connection (an Electron window, a browser's WebSocket): parses each request with
// the protocol's schema, answers it from the service, and owns the connection's update stream.
import { ProtocolError, isRequestName, parseRequest, printable, type RequestName, type RequestOf, type SessionInfo, type UpdateMessage } from '../protocol';
import type { Service } from './service';
import type { Subscription } from './update-stream';

export class Connection {
  private subscription?: Subscription;
  /** The waits of this connection's pending actions: they end when it closes. */
  private readonly pendingActs = new AbortController();

  constructor(
    private readonly service: Service,
    private readonly transport: SessionInfo['transport'],
    /** Delivers a stream update to the other side; the next comes after its `ack`. */
    private readonly push: (update: UpdateMessage) => void,
  ) {}

  async handle(name: RequestName, payload: unknown): Promise<unknown> {
    // Transports check the channel too; a name from outside the table (`__proto__`, `toString`)
    // must never index the schema or handler tables.
    if (!isRequestName(name)) throw new ProtocolError(`unknown channel ${printable(JSON.stringify(String(name)), 80)}`);
    const request = parseRequest(name, payload ?? {});
    switch (name) {
      case 'session':
        return {
          platform: this.service.backend.platform,
          readOnly: this.service.readOnly,
          transport: this.transport,
          rates: this.service.sampler.currentRates,
          cpuBudgetPercent: this.service.sampler.budgetStatus().budgetPercent,
        } satisfies SessionInfo;
      case 'setVisible':
        return { visible: this.service.setVisible(this, (request as RequestOf<'setVisible'>).paths) };
      case 'subscribe':
        this.subscription?.close();
        this.subscription = this.service.sampler.stream.subscribe((update) => this.push(update));
        return { ok: true };
      case 'ack':
        this.subscription?.ack();
        return { ok: true };
      case 'act':
        return this.service.act(request as RequestOf<'act'>, this.pendingActs.signal);
      default: {
        const handler = this.service.handlers[name] as (request: unknown) => unknown;
        return handler(request);
      }
    }
  }

  close(): void {
    this.pendingActs.abort(`the ${this.transport === 'electron' ? 'window' : 'browser'} that asked for it went away`);
    this.service.setVisible(this, []);
    this.subscription?.close();
    this.subscription = undefined;
  }
}
