// A worker thread that does one blocking OS wait for its caller, so that no wait ever blocks the
// event loop or libuv's pool (4 threads shared with all file I/O of the process). Each OS module
// gives it a self-contained body (the worker loads koffi itself) and its own way to cancel: an
// event the wait includes on Windows, a shared flag checked between short timed slices on Linux.
import { Worker } from 'node:worker_threads';

/** How long shutdown waits for a cancelled or released thread to end before terminating it. */
export const JOIN_BOUND_MS = 5_000;

export interface WaitThreadMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * Runs `body` (a function that refers to nothing outside itself) in its own worker thread with
 * `data` as workerData; koffiPath is added so the body loads the same koffi build.
 */
export class WaitThread {
  readonly #worker: Worker;
  readonly #inbox: WaitThreadMessage[] = [];
  readonly #readers: Array<{ resolve: (message: WaitThreadMessage) => void; reject: (error: Error) => void }> = [];
  #ended?: Error;
  readonly exited: Promise<void>;

  constructor(body: () => void, data: Record<string, unknown>) {
    // Bundlers that keep function names wrap nested functions in __name(); the worker has no such helper.
    const source = `const __name = (target) => target;\n(${body.toString()})();`;
    this.#worker = new Worker(source, { eval: true, workerData: { ...data, koffiPath: require.resolve('koffi') } });
    this.#worker.on('message', (message: WaitThreadMessage) => {
      const reader = this.#readers.shift();
      if (reader) reader.resolve(message);
      else this.#inbox.push(message);
    });
    this.#worker.on('error', (error) => this.#end(error));
    this.exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        this.#end(new Error(`the wait thread ended (exit code ${code}) before it answered`));
        resolve();
      });
    });
  }

  #end(error: Error): void {
    this.#ended ??= error;
    for (const reader of this.#readers.splice(0)) reader.reject(this.#ended);
  }

  /** The thread's next message; rejects if the thread ended without sending one. */
  next(): Promise<WaitThreadMessage> {
    const queued = this.#inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  send(message: WaitThreadMessage): void {
    this.#worker.postMessage(message);
  }

  /** The worker's thread id (for logs and tests). */
  get threadId(): number {
    return this.#worker.threadId;
  }

  /**
   * Waits for the thread to end (the caller has cancelled its wait or released what it held);
   * after boundMs it is terminated (a thread still inside a native call ends when that returns).
   * True when it ended on its own.
   */
  async join(boundMs = JOIN_BOUND_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    });
    const ended = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!ended) await this.#worker.terminate();
    return ended;
  }
}

let liveThreads = 0;

/** Wait threads running now: tests check each ends with its wait. */
export function liveWaitThreadCount(): number {
  return liveThreads;
}

/** Counts a thread as live from its start until it has exited. */
export function tracked(thread: WaitThread): WaitThread {
  liveThreads++;
  void thread.exited.then(() => liveThreads--);
  return thread;
}

/** The pending waits of one backend, so that shutdown can cancel them all and join their threads. */
export class PendingWaits {
  readonly #pending = new Set<{ cancel: () => void; settled: Promise<unknown> }>();
  readonly #joins = new Set<Promise<unknown>>();

  /** Runs one wait; `cancel` stops it (idempotent); the entry leaves when `settled` settles. */
  add<T>(cancel: () => void, settled: Promise<T>): Promise<T> {
    const entry = { cancel, settled };
    this.#pending.add(entry);
    const done = () => this.#pending.delete(entry);
    settled.then(done, done);
    return settled;
  }

  /**
   * Joins a thread whose wait has answered, in the background: its caller goes on at once (the
   * thread touches nothing after its answer), and shutdown still waits for it to end.
   */
  joinLater(thread: WaitThread, then: () => void = () => undefined): void {
    const joined = thread.join().then(then, then);
    this.#joins.add(joined);
    void joined.then(() => this.#joins.delete(joined));
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Cancels every pending wait and waits (bounded by each wait's own join) until all have ended. */
  async cancelAll(): Promise<void> {
    const entries = [...this.#pending];
    for (const entry of entries) entry.cancel();
    await Promise.allSettled(entries.map((entry) => entry.settled));
    await Promise.allSettled([...this.#joins]);
  }

  /** Signals every pending wait to stop, without waiting (an abrupt exit). */
  cancelNow(): void {
    for (const entry of this.#pending) entry.cancel();
  }
}
