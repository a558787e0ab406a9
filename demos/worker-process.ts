// How the demo runner starts a worker and talks to it, whatever starts it: a forked Node process
// with an IPC channel (CLI, serve mode), or an Electron utility process that main starts on the
// engine's behalf (engine/worker-spawner.ts). Messages are the worker's events one way and 'stop'
// the other.
import { fork } from 'node:child_process';

export interface WorkerProcess {
  readonly pid: number;
  /** Asks the worker to stop; it exits at once (demos/demo-worker.ts). */
  stop(): void;
  /** Kills the worker outright. */
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the worker has exited (at once if it already has). */
  onExit(listener: (code: number | null) => void): void;
}

/** Starts a worker with one JSON argument; resolves once it runs (its pid is known). */
export type SpawnWorker = (script: string, argument: string) => Promise<WorkerProcess>;

/** A worker forked from this process, with an IPC channel: it exits when its parent goes. */
export const forkWorker: SpawnWorker = (script, argument) =>
  new Promise((resolve, reject) => {
    const child = fork(script, [argument], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let exited = false;
    let spawned = false;
    child.once('exit', () => (exited = true));
    // Before 'spawn': process creation failed (EAGAIN under load, a missing node binary). After
    // it: a 'stop' sent as the worker died, which the worker's exit already covers.
    child.on('error', (error) => (spawned ? undefined : reject(error)));
    child.once('spawn', () => {
      spawned = true;
      resolve({
        pid: child.pid!,
        stop: () => {
          if (child.connected) child.send('stop');
        },
        kill: () => child.kill('SIGKILL'),
        onMessage: (listener) => child.on('message', listener),
        onExit: (listener) => (exited ? listener(child.exitCode) : child.once('exit', (code) => listener(code))),
      });
    });
  });
