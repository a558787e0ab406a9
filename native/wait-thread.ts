// Worker threads that do blocking OS waits for their caller, so that no wait ever blocks the
// event loop or libuv's pool (4 threads shared with all file I/O of the process). Each OS module
// gives a self-contained body (the worker loads koffi itself) that answers one message at a time,
// and its own way to cancel a wait: an event the wait includes on Windows, a shared flag checked
// between short timed slices on Linux.
//
// Starting a thread costs tens of milliseconds of CPU (a V8 isolate, koffi loaded again), so
// threads are pooled: a thread whose wait has answered goes back to its pool, idles there
// unreferenced (it never keeps the process alive) and ends after IDLE_MS or at shutdown.
import { Worker } from 'node:worker_threads';

/** How long shutdown waits for a thread to end before terminating it. */
export const JOIN_BOUND_MS = 5_000;
/** How long an idle pooled thread lives. */
export const IDLE_MS = 10_000;
/** Idle threads a pool keeps at most. */
export const MAX_IDLE = 4;

export interface WaitThreadMessage {
  type: string;
  [field: string]: unknown;
}

let liveThreads = 0;
let busyThreads = 0;

/** Wait threads alive now (busy or idle in a pool): zero after shutdown. */
export function liveWaitThreadCount(): number {
  return liveThreads;
}

/** Wait threads doing a wait or owning a mutex now: zero once every wait has ended. */
export function busyWaitThreadCount(): number {
  return busyThreads;
}

/**
 * Runs `body` (a function that refers to nothing outside itself) in its own worker thread; the
 * body answers each message it is sent with one message. koffiPath is given as workerData, so the
 * body loads the same koffi build.
 */
export class WaitThread {
  readonly #worker: Worker;
  readonly #inbox: WaitThreadMessage[] = [];
  readonly #readers: Array<{ resolve: (message: WaitThreadMessage) => void; reject: (error: Error) => void }> = [];
  #ended?: Error;
  readonly exited: Promise<void>;

  constructor(body: () => void) {
    // Bundlers that keep function names wrap nested functions in __name(); the worker has no such helper.
    const source = `const __name = (target) => target;\n(${body.toString()})();`;
    this.#worker = new Worker(source, { eval: true, workerData: { koffiPath: require.resolve('koffi') } });
    liveThreads++;
    this.#worker.on('message', (message: WaitThreadMessage) => {
      const reader = this.#readers.shift();
      if (reader) reader.resolve(message);
      else this.#inbox.push(message);
    });
    this.#worker.on('error', (error) => this.#end(error));
    this.exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => {
        liveThreads--;
        this.#end(new Error(`the wait thread ended (exit code ${code}) before it answered`));
        resolve();
      });
    });
  }

  #end(error: Error): void {
    this.#ended ??= error;
    for (const reader of this.#readers.splice(0)) reader.reject(this.#ended);
  }

  get alive(): boolean {
    return this.#ended === undefined;
  }

  /** The thread's next message; rejects if the thread ended without sending one. */
  next(): Promise<WaitThreadMessage> {
    const queued = this.#inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /** Sends one message and returns the answer. */
  ask(message: WaitThreadMessage): Promise<WaitThreadMessage> {
    this.#worker.postMessage(message);
    return this.next();
  }

  /** Whether this thread keeps the process alive (a busy one does; an idle one or a flock wait does not). */
  keepsProcessAlive(yes: boolean): void {
    if (yes) this.#worker.ref();
    else this.#worker.unref();
  }

  /**
   * Asks the thread to end and waits for it; after boundMs it is terminated (a thread inside a
   * native call ends when that returns; not awaited, as such a call may never return). True when
   * it ended on its own.
   */
  async end(boundMs = JOIN_BOUND_MS): Promise<boolean> {
    if (this.alive) this.#worker.postMessage({ type: 'exit' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), boundMs);
    });
    const ended = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    if (!ended) void this.#worker.terminate().catch(() => undefined);
    return ended;
  }
}

/** Threads running one body, handed out one per wait and taken back when the wait answers. */
export class WaitThreadPool {
  readonly #idle = new Map<WaitThread, NodeJS.Timeout>();
  readonly #ending = new Set<Promise<boolean>>();

  constructor(private readonly body: () => void) {}

  /** A thread for one wait (or one mutex's ownership): idle or new, and busy until given back. */
  take(): WaitThread {
    let thread: WaitThread | undefined;
    for (const [idle, timer] of this.#idle) {
      this.#idle.delete(idle);
      clearTimeout(timer);
      if (idle.alive) {
        thread = idle;
        break;
      }
    }
    thread ??= new WaitThread(this.body);
    thread.keepsProcessAlive(true);
    busyThreads++;
    return thread;
  }

  /** Takes a thread back after its wait answered; a dead one, or one past MAX_IDLE, ends. */
  give(thread: WaitThread): void {
    busyThreads--;
    if (!thread.alive || this.#idle.size >= MAX_IDLE) {
      this.#endLater(thread);
      return;
    }
    thread.keepsProcessAlive(false);
    const timer = setTimeout(() => {
      this.#idle.delete(thread);
      this.#endLater(thread);
    }, IDLE_MS);
    timer.unref();
    this.#idle.set(thread, timer);
  }

  /** A thread that will not be given back (it died, or its wait can never end): no longer busy. */
  abandon(thread: WaitThread): void {
    busyThreads--;
    this.#endLater(thread);
  }

  #endLater(thread: WaitThread): void {
    const ending = thread.end();
    this.#ending.add(ending);
    void ending.then(() => this.#ending.delete(ending));
  }

  /** Ends every idle thread and waits (bounded) for every thread being ended. */
  async drain(): Promise<void> {
    for (const [thread, timer] of this.#idle) {
      clearTimeout(timer);
      this.#endLater(thread);
    }
    this.#idle.clear();
    await Promise.allSettled([...this.#ending]);
  }
}

/** The pending waits of one backend, so that shutdown can cancel them all. */
export class PendingWaits {
  readonly #pending = new Set<{ cancel: () => void; settled: Promise<unknown> }>();

  /** Runs one wait; `cancel` stops it (idempotent); the entry leaves when `settled` settles. */
  add<T>(cancel: () => void, settled: Promise<T>): Promise<T> {
    const entry = { cancel, settled };
    this.#pending.add(entry);
    const done = () => this.#pending.delete(entry);
    settled.then(done, done);
    return settled;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Cancels every pending wait and waits until all have settled (each answers within its cancel latency). */
  async cancelAll(): Promise<void> {
    const entries = [...this.#pending];
    for (const entry of entries) entry.cancel();
    await Promise.allSettled(entries.map((entry) => entry.settled));
  }

  /** Signals every pending wait to stop, without waiting (an abrupt exit). */
  cancelNow(): void {
    for (const entry of this.#pending) entry.cancel();
  }
}

/**
 * Runs one wait on a pooled thread: sends `message`, returns the answer, and gives the thread
 * back (unless `keep`: a Win32 mutex stays owned by the thread that acquired it). `cancel` is
 * what shutdown calls to end the wait early.
 */
export async function waitOnPooledThread(
  pool: WaitThreadPool,
  pending: PendingWaits,
  message: WaitThreadMessage,
  cancel: () => void,
  keep: (answer: WaitThreadMessage) => boolean = () => false,
): Promise<{ thread: WaitThread; answer: WaitThreadMessage }> {
  const thread = pool.take();
  let answer: WaitThreadMessage;
  try {
    answer = await pending.add(cancel, thread.ask(message));
  } catch (error) {
    pool.abandon(thread);
    throw error;
  }
  if (!keep(answer)) pool.give(thread);
  return { thread, answer };
}
