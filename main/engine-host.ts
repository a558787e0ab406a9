// Main's side of the engine process: starts it as a utility process, hands each window a
// MessagePort to it, starts the demo workers it asks for, and restarts it after a crash (a few
// times a minute at most) while the windows stay open and say what happened.
import { MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { engineToMainSchema, type EngineStatus, type MainToEngine } from '../protocol';
import { messageOf } from '../native/errors';

export interface EngineHostOptions {
  /** The engine's bundle (.vite/build/engine.cjs). */
  enginePath: string;
  /** The demo worker's bundle: the only script the engine may have main start. */
  workerPath: string;
  /** Crashes within `crashWindowMs` after which main stops restarting (default 3 in 60 s). */
  maxRestarts?: number;
  crashWindowMs?: number;
  /** How often main asks the engine whether it is there, and how long it may take to answer. */
  heartbeatMs?: number;
  unresponsiveMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

const RESTART_DELAY_MS = 500;

interface Worker {
  process: UtilityProcess;
  /** The engine that asked for it: only that engine hears of it, and only its end ends it. */
  engine: UtilityProcess;
}

export class EngineHost {
  private engine?: UtilityProcess;
  private current: EngineStatus = { state: 'starting', restarts: 0, generation: 0 };
  private generation = 0;
  private readonly crashes: number[] = [];
  private fatalReason?: string;
  private disposing?: { resolve(): void; error?: string };
  private restartTimer?: NodeJS.Timeout;
  private nextWindow = 1;
  /** By `<engine generation>:<the engine's worker id>`: a new engine counts from 1 again. */
  private readonly workers = new Map<string, Worker>();
  private heartbeat?: NodeJS.Timeout;
  private lastAnswer = 0;
  private pings = 0;
  private hungReason?: string;
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private readonly maxRestarts: number;
  private readonly heartbeatMs: number;
  private readonly unresponsiveMs: number;
  private readonly crashWindowMs: number;
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EngineHostOptions) {
    this.maxRestarts = options.maxRestarts ?? 3;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.unresponsiveMs = options.unresponsiveMs ?? 30_000;
    this.crashWindowMs = options.crashWindowMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get status(): EngineStatus {
    return this.current;
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Starts the engine process (again, after it stopped for good and the user asks). */
  start(): void {
    if (this.engine || this.disposing) return;
    clearTimeout(this.restartTimer);
    this.fatalReason = undefined;
    this.hungReason = undefined;
    const engine = utilityProcess.fork(this.options.enginePath, [], { serviceName: 'SyncScope engine', stdio: 'inherit' });
    this.engine = engine;
    this.generation++;
    const generation = this.generation;
    engine.on('message', (data: unknown) => this.onEngineMessage(engine, generation, data));
    engine.once('exit', (code: number) => this.onEngineExit(engine, code));
    // A fatal V8 error in the engine ('exit' follows); unheard, the event would throw in main.
    engine.on('error', (type: string, location: string) => this.log(`syncscope: the engine process failed: ${type} ${location}`.trim()));
    if (this.current.state !== 'restarting') this.setStatus({ state: 'starting', restarts: this.current.restarts, generation: this.generation });
  }

  /**
   * A new port to the engine for one window, or undefined while there is no engine (it stopped
   * for good). The engine queues a port that arrives while it is still starting.
   */
  connect(): MessagePortMain | undefined {
    if (!this.engine || this.disposing) return undefined;
    const { port1, port2 } = new MessageChannelMain();
    this.post({ type: 'connect', window: this.nextWindow++ }, [port1]);
    return port2;
  }

  /**
   * Asks the engine to stop its demos and release the OS objects it holds, then ends it. Resolves
   * within `timeoutMs` whatever the engine does; rejects (after ending it) if its clean-up failed.
   */
  async dispose(timeoutMs = 5000): Promise<void> {
    clearTimeout(this.restartTimer);
    const engine = this.engine;
    if (!engine || this.disposing) return this.killWorkers();
    const disposing: { resolve(): void; error?: string } = { resolve: () => undefined };
    const done = new Promise<void>((resolve) => (disposing.resolve = resolve));
    this.disposing = disposing;
    this.post({ type: 'dispose' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    engine.kill();
    this.engine = undefined;
    this.killWorkers();
    this.setStatus({ state: 'stopped', reason: 'the app is closing', restarts: this.current.restarts, generation: this.generation });
    if (outcome === 'timeout') throw new Error(`the engine did not finish its clean-up within ${timeoutMs} ms; it was ended`);
    if (disposing.error) throw new Error(`the engine's clean-up failed: ${disposing.error}`);
  }

  /** The user's restart after automatic restarts gave up: the crash count starts again. */
  restartByUser(): void {
    this.crashes.length = 0;
    this.start();
  }

  private post(message: MainToEngine, ports: MessagePortMain[] = []): void {
    this.engine?.postMessage(message, ports);
  }

  private setStatus(status: EngineStatus): void {
    this.current = status;
    for (const listener of this.statusListeners) listener(status);
  }

  private onEngineMessage(engine: UtilityProcess, generation: number, data: unknown): void {
    if (engine !== this.engine) return;
    this.lastAnswer = this.now();
    const parsed = engineToMainSchema.safeParse(data);
    if (!parsed.success) return this.log(`syncscope: ignored a malformed message from the engine: ${parsed.error.issues[0]?.message}`);
    const message = parsed.data;
    switch (message.type) {
      case 'ready':
        this.setStatus({ state: 'running', restarts: this.current.restarts, generation: this.generation });
        this.watch(engine);
        return;
      case 'pong':
        return;
      case 'fatal':
        this.fatalReason = message.reason;
        return;
      case 'disposed':
        if (this.disposing) {
          this.disposing.error = message.error;
          this.disposing.resolve();
        }
        return;
      case 'start-worker':
        return this.startWorker(engine, `${generation}:${message.worker}`, message.worker, message.args);
      case 'kill-worker':
        this.workers.get(`${generation}:${message.worker}`)?.process.kill();
        return;
    }
  }

  /** Pings the engine; one that has not answered anything for `unresponsiveMs` is ended (and restarted). */
  private watch(engine: UtilityProcess): void {
    clearInterval(this.heartbeat);
    this.lastAnswer = this.now();
    this.heartbeat = setInterval(() => {
      if (engine !== this.engine) return clearInterval(this.heartbeat);
      const silentMs = this.now() - this.lastAnswer;
      if (silentMs > this.unresponsiveMs) {
        clearInterval(this.heartbeat);
        // Its exit says why, as a crash does, and the restart rules apply.
        this.hungReason = `the engine process stopped answering for ${Math.round(silentMs / 1000)} s and was ended`;
        engine.kill();
        return;
      }
      this.post({ type: 'ping', n: ++this.pings });
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private onEngineExit(engine: UtilityProcess, code: number): void {
    if (engine !== this.engine) return;
    this.engine = undefined;
    clearInterval(this.heartbeat);
    // Demo workers belong to the engine's demo: they go with it (their objects go with them).
    this.killWorkers(engine);
    if (this.disposing) return this.disposing.resolve();
    const restarts = this.current.restarts;
    const generation = this.generation;
    if (this.fatalReason) return this.setStatus({ state: 'stopped', reason: this.fatalReason, restarts, generation });
    const now = this.now();
    this.crashes.push(now);
    while (this.crashes.length && this.crashes[0] < now - this.crashWindowMs) this.crashes.shift();
    const why = this.hungReason ?? `the engine process exited unexpectedly (code ${code})`;
    this.log(`syncscope: ${why}`);
    if (this.crashes.length > this.maxRestarts) {
      return this.setStatus({
        state: 'stopped',
        reason: `${why}; it stopped ${this.crashes.length} times within ${Math.round(this.crashWindowMs / 1000)} s, so it is not restarted automatically`,
        restarts,
        generation,
      });
    }
    this.setStatus({ state: 'restarting', reason: why, restarts: restarts + 1, generation });
    this.restartTimer = setTimeout(() => this.start(), RESTART_DELAY_MS * this.crashes.length);
  }

  private startWorker(engine: UtilityProcess, key: string, id: number, args: string): void {
    const tell = (message: MainToEngine, ports: MessagePortMain[] = []) => {
      if (engine === this.engine) engine.postMessage(message, ports);
    };
    let worker: UtilityProcess;
    try {
      worker = utilityProcess.fork(this.options.workerPath, [args], { serviceName: 'SyncScope demo worker', stdio: ['ignore', 'ignore', 'inherit'] });
    } catch (error) {
      return tell({ type: 'worker-failed', worker: id, reason: messageOf(error) });
    }
    this.workers.set(key, { process: worker, engine });
    worker.on('error', (type: string, location: string) => this.log(`syncscope: demo worker ${key} failed: ${type} ${location}`.trim()));
    worker.once('spawn', () => {
      if (worker.pid === undefined) return;
      // The worker's line to its runner in the engine: one port each, main is not in between.
      const { port1, port2 } = new MessageChannelMain();
      worker.postMessage({ type: 'runner' }, [port1]);
      tell({ type: 'worker-started', worker: id, pid: worker.pid }, [port2]);
    });
    worker.once('exit', (code: number) => {
      if (this.workers.get(key)?.process === worker) this.workers.delete(key);
      tell({ type: 'worker-exited', worker: id, code });
    });
  }

  /** Ends the demo workers of one engine, or of every engine. */
  private killWorkers(engine?: UtilityProcess): void {
    for (const worker of this.workers.values()) if (!engine || worker.engine === engine) worker.process.kill();
  }
}
