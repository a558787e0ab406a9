// What every front end asks of the engine, one function per protocol request. Electron main and
// the serve mode both call these after parsing the request with the protocol's schema; the
// transport-specific requests (subscribe, ack) are theirs.
import { messageOf, NativeError, type Backend, type CreatedObject } from '../native';
import type { RequestName, RequestOf, ResponseOf } from '../protocol';
import { detectDeadlocks } from './deadlocks';
import { DemoRunner } from '../demos/runner';
import type { SpawnWorker } from '../demos/worker-process';
import { AuditLog } from './audit';
import { liveContention, liveMetrics } from './contention';
import { Recorder, recordingToCsv, recordingToJson } from './recording';
import { Sampler, type SamplerOptions } from './sampler';
import { showReport } from './inspect';
import { whyDocument } from './why';

type ServiceRequest = Exclude<RequestName, 'subscribe' | 'ack' | 'session' | 'setVisible'>;
export type Handlers = { [N in ServiceRequest]: (request: RequestOf<N>) => ResponseOf<N> | Promise<ResponseOf<N>> };

export interface ServiceOptions extends Omit<SamplerOptions, 'backend'> {
  /** Read-only services refuse act and create (serve mode without --allow-actions). */
  allowActions?: boolean;
  /** Where actions are recorded; the default file, marked as from the app. */
  audit?: AuditLog;
  /** Changes the exported recording keeps, the latest ones (default 100,000: at most about 40 MB). */
  recordingChanges?: number;
  /** How demo workers start (default: forked; the app's engine process asks Electron's main). */
  spawnWorker?: SpawnWorker;
}

/** NaN means unknown inside the engine; on the wire it is null (JSON has no NaN). */
const known = (value: number): number | null => (Number.isNaN(value) ? null : value);

export class Service {
  readonly sampler: Sampler;
  readonly recorder: Recorder;
  readonly handlers: Handlers;
  private readonly created = new Map<string, CreatedObject>();
  /** Actions whose wait is pending, by the client's actionId: cancelAction aborts them. */
  private readonly pendingActions = new Map<string, AbortController>();
  private demo?: DemoRunner;
  /** Demo starts and stops, one at a time: a second start must not orphan the first demo. */
  private demoQueue: Promise<unknown> = Promise.resolve();
  private readonly stopRecording: () => void;
  readonly audit: AuditLog;
  /** What each front end's list shows now: the sampler gets their union. */
  private readonly visibleBy = new Map<object, readonly string[]>();

  constructor(
    readonly backend: Backend,
    private readonly options: ServiceOptions = {},
  ) {
    this.sampler = new Sampler({ ...options, backend });
    this.audit = options.audit ?? new AuditLog(undefined, 'app');
    // What the app exports is what just happened: the latest changes only, so that a session
    // left open for days under churn keeps its memory bounded (a change is 100-400 bytes).
    this.recorder = new Recorder(backend.platform, options.now, { maxChanges: options.recordingChanges ?? 100_000, keep: 'latest' });
    let ready = false;
    const subscription = this.sampler.stream.subscribe((update) => {
      this.recorder.onUpdate(update);
      if (ready) queueMicrotask(() => subscription.ack());
    });
    ready = true;
    subscription.ack();
    this.stopRecording = () => subscription.close();
    this.handlers = this.makeHandlers();
  }

  start(): void {
    this.sampler.start();
  }

  /** Stops sampling and any demo (its workers, its objects), then releases the backend. */
  async dispose(): Promise<void> {
    // The rest is released even when the demo could not be stopped cleanly; that failure is thrown last.
    let demoFailure: unknown;
    try {
      await this.inDemoQueue(() => this.stopDemo('the session ended'));
    } catch (error) {
      demoFailure = error;
    }
    this.sampler.stop();
    this.stopRecording();
    // Pending waits end (each act is audited as cancelled) and held mutexes are released on the
    // threads that own them, each with its own audit entry, before the backend lets go.
    for (const pending of this.pendingActions.values()) pending.abort('the session ended');
    for (const released of (await this.backend.endWaits?.()) ?? []) {
      this.audit.write('release at exit', released.path, released.ok, released.detail);
    }
    // Closing what it created is an action too (a Windows object goes with its last handle).
    for (const object of this.created.values()) {
      object.close();
      this.audit.write('close', object.path, true, `the session ended: closed the ${object.kind} it created`);
    }
    this.created.clear();
    this.backend.dispose();
    if (demoFailure !== undefined) throw demoFailure;
  }

  private inDemoQueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.demoQueue.then(work, work);
    this.demoQueue = next.catch(() => undefined);
    return next;
  }

  /** Stops the running demo, if any; an audited failure throws after everything was tried. */
  private async stopDemo(why: string): Promise<boolean> {
    const demo = this.demo;
    this.demo = undefined;
    if (!demo) return false;
    try {
      await demo.stop();
    } catch (error) {
      const message = messageOf(error);
      this.audit.write('stop demo', demo.plan.name, false, `${why}: ${message}`);
      throw new NativeError('os-error', 'stop demo', message, 'DEMO_STOP');
    }
    this.audit.write('stop demo', demo.plan.name, true, `${why}: workers stopped, objects closed`);
    return true;
  }

  /**
   * The rows one front end (a window, a browser) shows now, replacing what it said before; an
   * empty list (or its connection closing) withdraws them. The sampler gets every front end's rows.
   */
  setVisible(viewer: object, paths: readonly string[]): number {
    if (paths.length) this.visibleBy.set(viewer, paths);
    else this.visibleBy.delete(viewer);
    const union = new Set<string>();
    for (const shown of this.visibleBy.values()) for (const path of shown) union.add(path);
    this.sampler.setVisible([...union]);
    return paths.length;
  }

  get readOnly(): boolean {
    return this.options.allowActions === false;
  }

  private requireActions(what: string): void {
    if (this.readOnly) throw new NativeError('access-denied', what, `${what} is disabled: this session is read-only`, 'READ_ONLY');
  }

  /**
   * Performs an action. Its wait (if it has one) ends on `cancelAction` with its actionId, when
   * `signal` aborts (the connection that asked for it closed), or at dispose.
   */
  async act({ actionId, ...request }: RequestOf<'act'>, signal?: AbortSignal): Promise<ResponseOf<'act'>> {
    this.requireActions('acting on objects');
    if (actionId !== undefined && this.pendingActions.has(actionId)) {
      throw new NativeError('invalid-argument', 'act', `an action named ${actionId} is already pending`, 'DUPLICATE_ACTION_ID');
    }
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', forward, { once: true });
    if (signal?.aborted) forward();
    if (actionId !== undefined) this.pendingActions.set(actionId, controller);
    try {
      const result = await this.audit.record(request.action, request.name, () => this.backend.act(request as never, controller.signal));
      // Show the effect at once instead of at the next tick. The action is done: a failed
      // refresh must not turn its reply into an error (the user might do it again).
      this.sampler.refresh('state');
      return result as ResponseOf<'act'>;
    } finally {
      signal?.removeEventListener('abort', forward);
      if (actionId !== undefined) this.pendingActions.delete(actionId);
    }
  }

  private makeHandlers(): Handlers {
    const sampler = this.sampler;
    return {
      show: ({ name }) => showReport(this.backend, name),
      act: (request) => this.act(request),
      cancelAction: ({ actionId }) => {
        const pending = this.pendingActions.get(actionId);
        pending?.abort('cancelled by the user');
        return { cancelled: pending !== undefined };
      },
      create: async (spec) => {
        this.requireActions('creating objects');
        const object = await this.audit.record(
          `create ${spec.kind}`,
          spec.name,
          () => this.backend.create(spec as never),
          (created) => `created ${created.kind} ${created.path}`,
        );
        this.created.get(object.path)?.close();
        this.created.set(object.path, object);
        sampler.refresh('scan');
        return { kind: object.kind, path: object.path };
      },
      capabilities: () => this.backend.capabilities(),
      setRates: (rates) => sampler.setRates(rates),
      // The inspector's own cost, not an action on objects: a read-only session may change it too.
      setCpuBudget: ({ percent }) => sampler.setCpuBudget(percent),
      budget: () => sampler.budgetStatus(),
      watch: ({ paths }) => ({ watched: sampler.watch(paths) }),
      history: ({ path, fromMs, toMs, maxPoints }) =>
        (sampler.history.get(path)?.query(fromMs, toMs, maxPoints) ?? []).map((p) => ({
          t: p.t,
          value: known(p.value),
          min: known(p.min),
          max: known(p.max),
          waiters: known(p.waiters),
          changes: p.changes,
        })),
      metrics: ({ path, windowMs }) => liveMetrics(sampler, path, windowMs),
      contention: ({ windowMs, limit }) => liveContention(sampler, windowMs, limit),
      deadlocks: () => detectDeadlocks(this.backend),
      unreadableProcesses: () => sampler.unreadablePids(),
      focusProcess: ({ pid }) => ({ scopes: sampler.focusProcess(pid ?? undefined) }),
      why: (query) => whyDocument(this.backend, query, { waitSince: (pid, tid, object) => sampler.waitClock.since(pid, tid, object) }),
      startDemo: ({ scenario, workers }) => {
        this.requireActions('starting a demo');
        return this.inDemoQueue(async () => {
          // The demo it replaces goes first; if it cannot be stopped cleanly, say so, start nothing.
          await this.stopDemo(`replaced by ${scenario}`);
          const demo = new DemoRunner({ backend: this.backend, scenario, workers, spawnWorker: this.options.spawnWorker });
          await demo.start();
          this.demo = demo;
          const removed = demo.removedLeftovers.length ? `; removed what killed demos left: ${demo.removedLeftovers.join(', ')}` : '';
          this.audit.write('start demo', scenario, true, `objects ${Object.values(demo.objects).join(', ')}; workers ${demo.pids.join(', ')}${removed}`);
          sampler.refresh('scan');
          return { scenario, description: demo.plan.description, objects: demo.objects, pids: demo.pids };
        });
      },
      stopDemo: async () => ({ stopped: await this.inDemoQueue(() => this.stopDemo('stopped by the user')) }),
      auditLog: ({ limit }) => ({ file: this.audit.file, entries: this.audit.read(limit) }),
      exportRecording: ({ format }) => {
        const recording = this.recorder.toRecording();
        return format === 'csv' ? recordingToCsv(recording) : recordingToJson(recording);
      },
    };
  }
}
