// Demo workers for the engine process. Only Electron's main process may start utility processes,
// and with the RunAsNode fuse off a utility process cannot fork Node: so the engine asks main,
// which starts its own worker script and hands the engine a MessagePort to it.
import type { EngineToMain, MainToEngine } from '../protocol';
import type { SpawnWorker, WorkerProcess } from '../demos/worker-process';
import type { EnginePort } from './ports';

interface Pending {
  resolve(worker: WorkerProcess): void;
  reject(error: Error): void;
}

/** How long main may take to start a worker before the demo reports it as not started. */
const START_TIMEOUT_MS = 20_000;

export class WorkerSpawner {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Running workers by id: what to do when main says one exited. */
  private readonly running = new Map<number, (code: number | null) => void>();

  constructor(private readonly toMain: (message: EngineToMain) => void) {}

  readonly spawn: SpawnWorker = (_script, argument) =>
    new Promise((resolve, reject) => {
      const worker = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(worker);
        this.toMain({ type: 'kill-worker', worker });
        reject(new Error(`main did not start the worker within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      this.pending.set(worker, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.toMain({ type: 'start-worker', worker, args: argument });
    });

  /** Main's answer about a worker (started, failed, exited). */
  handle(message: Extract<MainToEngine, { type: 'worker-started' | 'worker-failed' | 'worker-exited' }>, ports: EnginePort[]): void {
    if (message.type === 'worker-failed') {
      this.pending.get(message.worker)?.reject(new Error(message.reason));
      this.pending.delete(message.worker);
      return;
    }
    if (message.type === 'worker-exited') {
      this.pending.get(message.worker)?.reject(new Error(`the worker exited as it started (code ${message.code})`));
      this.pending.delete(message.worker);
      this.running.get(message.worker)?.(message.code);
      this.running.delete(message.worker);
      return;
    }
    const waiting = this.pending.get(message.worker);
    const port = ports[0];
    this.pending.delete(message.worker);
    if (!waiting || !port) {
      this.toMain({ type: 'kill-worker', worker: message.worker });
      return;
    }
    waiting.resolve(this.track(message.worker, message.pid, port));
  }

  private track(id: number, pid: number, port: EnginePort): WorkerProcess {
    const exitListeners: Array<(code: number | null) => void> = [];
    let exited = false;
    let exitCode: number | null = null;
    const worker: WorkerProcess = {
      pid,
      stop: () => port.postMessage('stop'),
      kill: () => this.toMain({ type: 'kill-worker', worker: id }),
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
      onExit: (listener) => (exited ? listener(exitCode) : exitListeners.push(listener)),
    };
    this.running.set(id, (code) => {
      exited = true;
      exitCode = code;
      port.close();
      for (const listener of exitListeners.splice(0)) listener(code);
    });
    port.start();
    return worker;
  }
}
