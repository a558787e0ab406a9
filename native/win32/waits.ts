// Blocking waits, each on a pooled thread of its own (../wait-thread.ts), and the mutexes
// SyncScope acquired, each owned by the thread that acquired it until the user releases it (a
// Win32 mutex can be released only by its owning thread, so that thread is kept for it).
import type { ReleasedAtExit } from '../actions';
import { NativeError } from '../errors';
import type { MutexState } from '../types';
import { PendingWaits, WaitThreadPool, waitOnPooledThread, type WaitThread, type WaitThreadMessage } from '../wait-thread';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, check, statusError } from './ntstatus';
import { openNamed, queryMutex } from './objects';
import { GENERIC_ALL_SYNC, NotificationEvent, QUERY_STATE, SYNCHRONIZE } from './structs';
import { win32WaitThreadMain, type Win32WaitMessage } from './wait-thread-body';

export type WaitOutcome = 'signaled' | 'abandoned' | 'timeout' | 'cancelled';

/** This process's Windows wait threads. */
export const win32WaitThreads = new WaitThreadPool(win32WaitThreadMain);

export function cancelledError(op: string, path: string, signal: AbortSignal | undefined): NativeError {
  const reason = typeof signal?.reason === 'string' ? signal.reason : 'cancelled';
  return new NativeError('cancelled', op, `the wait on ${path} was cancelled: ${reason}`, 'CANCELLED');
}

/** An unnamed manual-reset event that ends one wait when set. */
function createCancelEvent(): NtHandle {
  const slot = handleSlot();
  check(ntdll().NtCreateEvent(slot, GENERIC_ALL_SYNC, null, NotificationEvent, 0), 'NtCreateEvent', "a wait's cancel event");
  return takeHandle(slot);
}

/**
 * One wait on a pooled thread, with its own cancel event that `signal` (or shutdown) sets. The
 * caller keeps `object` open until this settles; after its answer the thread touches neither.
 */
async function waitWithCancelEvent(
  object: NtHandle,
  path: string,
  mode: Win32WaitMessage['mode'],
  count: number,
  timeoutMs: number,
  pending: PendingWaits,
  signal: AbortSignal | undefined,
  keep: (answer: WaitThreadMessage) => boolean = () => false,
): Promise<{ outcome: WaitOutcome; thread: WaitThread; threadId: number }> {
  const cancelEvent = createCancelEvent();
  const cancel = () => {
    if (!cancelEvent.closed) ntdll().NtSetEvent(cancelEvent.value, null);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  if (signal?.aborted) cancel();
  try {
    const message: Win32WaitMessage = { type: 'wait', object: object.value, cancel: cancelEvent.value, mode, count, timeoutMs };
    const { thread, answer } = await waitOnPooledThread(win32WaitThreads, pending, { ...message }, cancel, keep);
    if (answer.outcome === 'failed') throw statusError(answer.status as number, 'NtWaitForMultipleObjects', path);
    return { outcome: answer.outcome as WaitOutcome, thread, threadId: answer.threadId as number };
  } finally {
    signal?.removeEventListener('abort', cancel);
    cancelEvent.close();
  }
}

/** Waits on an event or timer (mode 'wait') or takes `count` units of a semaphore, all or none. */
export async function waitOnThread(
  object: NtHandle,
  path: string,
  mode: 'wait' | 'semaphore',
  count: number,
  timeoutMs: number,
  pending: PendingWaits,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  if (signal?.aborted) return 'cancelled';
  return (await waitWithCancelEvent(object, path, mode, count, timeoutMs, pending, signal)).outcome;
}

/** A mutex SyncScope holds: the thread that acquired it owns it until released. */
interface MutexOwner {
  path: string;
  object: NtHandle;
  thread: WaitThread;
  /** The owning thread's OS thread id. */
  threadId: number;
  depth: number;
  /** One conversation with the owning thread at a time, so that each answer meets its question. */
  talking: Promise<unknown>;
}

/** Asks a mutex's owning thread one thing, after what was asked before. */
function ask(owner: MutexOwner, message: WaitThreadMessage): Promise<WaitThreadMessage> {
  const answer = owner.talking.catch(() => undefined).then(() => owner.thread.ask(message));
  owner.talking = answer;
  return answer;
}

const acquired = (answer: WaitThreadMessage) => answer.outcome === 'signaled' || answer.outcome === 'abandoned';

/** Mutexes the inspector acquired, by path; only these can it release. */
export class MutexLeases {
  readonly #held = new Map<string, MutexOwner>();
  /** One acquire at a time per mutex, so that a second one of the same mutex is recursive. */
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly pending: PendingWaits) {}

  /** Null when the wait timed out; throws cancelled when cancelled. */
  async acquire(path: string, timeoutMs: number, signal?: AbortSignal): Promise<{ abandoned: boolean; threadId: number } | null> {
    const key = path.toLowerCase();
    const previous = this.#inFlight.get(key);
    const attempt = (async () => {
      if (previous) await previous.catch(() => undefined);
      if (signal?.aborted) throw cancelledError('acquire', path, signal);
      return this.#acquireNow(key, path, timeoutMs, signal);
    })();
    this.#inFlight.set(key, attempt);
    try {
      return await attempt;
    } finally {
      if (this.#inFlight.get(key) === attempt) this.#inFlight.delete(key);
    }
  }

  async #acquireNow(key: string, path: string, timeoutMs: number, signal?: AbortSignal) {
    const owner = this.#held.get(key);
    if (owner) {
      // Recursive: the owning thread acquires it again (a mutex never blocks its owner).
      const answer = await ask(owner, { type: 'again', object: owner.object.value });
      const status = (answer.status as number) >>> 0;
      if (status !== STATUS.WAIT_0 && status !== STATUS.ABANDONED_WAIT_0) throw statusError(status, 'NtWaitForSingleObject', path);
      owner.depth++;
      return { abandoned: status === STATUS.ABANDONED_WAIT_0, threadId: owner.threadId };
    }
    const object = openNamed(path, 'mutex', SYNCHRONIZE | QUERY_STATE);
    let wait;
    try {
      wait = await waitWithCancelEvent(object, path, 'wait', 1, timeoutMs, this.pending, signal, acquired);
    } catch (error) {
      object.close();
      throw error;
    }
    if (wait.outcome === 'timeout' || wait.outcome === 'cancelled') {
      object.close();
      if (wait.outcome === 'cancelled') throw cancelledError('acquire', path, signal);
      return null;
    }
    this.#held.set(key, { path, object, thread: wait.thread, threadId: wait.threadId, depth: 1, talking: Promise.resolve() });
    return { abandoned: wait.outcome === 'abandoned', threadId: wait.threadId };
  }

  /** Gives up a mutex that is no longer held: its thread goes back to the pool, its handle closes. */
  #letGo(key: string, owner: MutexOwner): void {
    this.#held.delete(key);
    if (owner.thread.alive) win32WaitThreads.give(owner.thread);
    else win32WaitThreads.abandon(owner.thread);
    owner.object.close();
  }

  /** Releases once, on the owning thread; the thread is let go when the last acquire is released. */
  async release(path: string): Promise<void> {
    const key = path.toLowerCase();
    const owner = this.#held.get(key);
    if (!owner) throw notOwnerError(path);
    const answer = await ask(owner, { type: 'release', object: owner.object.value, times: 1 });
    check(answer.status as number, 'NtReleaseMutant', path);
    if (--owner.depth === 0) this.#letGo(key, owner);
  }

  holds(path: string): boolean {
    return this.#held.has(path.toLowerCase());
  }

  /**
   * A held mutex's state as its owning thread reads it (OwnedByCaller is that thread's answer);
   * owner ids come from `read`, the caller's own query. Undefined when SyncScope does not hold it.
   */
  async stateOnOwner(path: string, read: MutexState | undefined): Promise<MutexState | undefined> {
    const owner = this.#held.get(path.toLowerCase());
    if (!owner) return undefined;
    const answer = await ask(owner, { type: 'query', object: owner.object.value });
    if ((answer.status as number) !== 0) return read;
    return {
      ...read,
      locked: (answer.currentCount as number) <= 0,
      abandoned: answer.abandoned as boolean,
      ownedByCaller: answer.ownedByCaller as boolean,
    };
  }

  /** Shutdown: each owning thread releases its mutex as many times as it was acquired. */
  async releaseAll(): Promise<ReleasedAtExit[]> {
    const owners = [...this.#held.entries()];
    return Promise.all(owners.map(async ([key, owner]): Promise<ReleasedAtExit> => {
      let answer: WaitThreadMessage | undefined;
      try {
        answer = await ask(owner, { type: 'release', object: owner.object.value, times: owner.depth });
      } catch {
        answer = undefined;
      }
      const depth = owner.depth;
      this.#letGo(key, owner);
      if (answer && answer.status === 0) {
        return { path: owner.path, kind: 'mutex', ok: true, detail: `released at exit by its owner thread ${owner.threadId} (acquired ${depth} time(s))` };
      }
      const why = answer ? statusError(answer.status as number, 'NtReleaseMutant').code : 'its thread did not answer';
      return {
        path: owner.path,
        kind: 'mutex',
        ok: false,
        detail: `not released at exit (${why}): when its owner thread ${owner.threadId} ends, Windows marks it abandoned`,
      };
    }));
  }

  /** An abrupt exit: owning threads are told to release, nobody waits for them (what is left is abandoned). */
  releaseAllNow(): void {
    for (const [key, owner] of [...this.#held.entries()]) {
      void ask(owner, { type: 'release', object: owner.object.value, times: owner.depth })
        .catch(() => undefined)
        .then(() => this.#held.get(key) === owner && this.#letGo(key, owner));
    }
  }
}

/** Why the inspector cannot release a mutex it did not acquire (open errors propagate as they are). */
function notOwnerError(path: string): NativeError {
  const probe = openNamed(path, 'mutex', QUERY_STATE);
  let state;
  try {
    state = queryMutex(probe, path);
  } finally {
    probe.close();
  }
  if (!state.locked) return new NativeError('not-owner', 'release', `${path} is not locked`, 'STATUS_MUTANT_NOT_OWNED');
  const owner = state.ownerThreadId !== undefined
    ? ` (owner: thread ${state.ownerThreadId} of process ${state.ownerProcessId})`
    : '';
  return new NativeError(
    'not-owner',
    'release',
    `${path} is held by another thread${owner}: only its owner can release a mutex, and the inspector releases only mutexes it acquired`,
    'STATUS_MUTANT_NOT_OWNED',
  );
}
