// Blocking waits, each on its own cancellable thread (../wait-thread.ts), and the mutexes
// SyncScope acquired, each owned by the thread that acquired it until the user releases it (a
// Win32 mutex can be released only by its owning thread).
import type { ReleasedAtExit } from '../actions';
import { NativeError } from '../errors';
import type { MutexState } from '../types';
import { PendingWaits, WaitThread, tracked, type WaitThreadMessage } from '../wait-thread';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { ntdll } from './ntdll';
import { check, statusError } from './ntstatus';
import { openNamed, queryMutex } from './objects';
import { GENERIC_ALL_SYNC, NotificationEvent, QUERY_STATE, SYNCHRONIZE } from './structs';
import { win32WaitThreadMain, type Win32WaitData } from './wait-thread-body';

export type WaitOutcome = 'signaled' | 'abandoned' | 'timeout' | 'cancelled';

/** The reason an AbortSignal carries, in words. */
export function abortReason(signal: AbortSignal | undefined): string {
  const reason = signal?.reason;
  return typeof reason === 'string' ? reason : 'cancelled';
}

export function cancelledError(op: string, path: string, signal: AbortSignal | undefined): NativeError {
  return new NativeError('cancelled', op, `the wait on ${path} was cancelled: ${abortReason(signal)}`, 'CANCELLED');
}

/** An unnamed manual-reset event the engine sets to end one wait. */
function createCancelEvent(): NtHandle {
  const slot = handleSlot();
  check(ntdll().NtCreateEvent(slot, GENERIC_ALL_SYNC, null, NotificationEvent, 0), 'NtCreateEvent', 'a wait\'s cancel event');
  return takeHandle(slot);
}

interface StartedWait {
  thread: WaitThread;
  cancelEvent: NtHandle;
  /** Sets the cancel event: the wait thread sees it at once. */
  cancel: () => void;
}

/** Starts a wait thread on `object`; the signal sets its cancel event. */
function startWait(object: NtHandle, mode: Win32WaitData['mode'], count: number, timeoutMs: number, signal: AbortSignal | undefined): StartedWait {
  const cancelEvent = createCancelEvent();
  let thread: WaitThread;
  try {
    thread = tracked(new WaitThread(win32WaitThreadMain, { object: object.value, cancel: cancelEvent.value, mode, count, timeoutMs }));
  } catch (error) {
    cancelEvent.close();
    throw error;
  }
  const cancel = () => {
    if (!cancelEvent.closed) ntdll().NtSetEvent(cancelEvent.value, null);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  void thread.exited.then(() => signal?.removeEventListener('abort', cancel));
  if (signal?.aborted) cancel();
  return { thread, cancelEvent, cancel };
}

function outcomeOf(message: WaitThreadMessage, path: string): WaitOutcome {
  if (message.outcome === 'failed') throw statusError(message.status as number, 'NtWaitForMultipleObjects', path);
  return message.outcome as WaitOutcome;
}

/**
 * Waits on an event or timer (mode 'wait') or takes `count` units of a semaphore, all or none,
 * on a thread of its own; the caller keeps `object` open until this settles (after its answer the
 * thread touches it no more).
 */
export function waitOnThread(
  object: NtHandle,
  path: string,
  mode: 'wait' | 'semaphore',
  count: number,
  timeoutMs: number,
  pending: PendingWaits,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  if (signal?.aborted) return Promise.resolve('cancelled');
  const started = startWait(object, mode, count, timeoutMs, signal);
  const settled = (async () => {
    try {
      return outcomeOf(await started.thread.next(), path);
    } finally {
      // The cancel event stays open until the thread has ended: its wait may still name it.
      pending.joinLater(started.thread, () => started.cancelEvent.close());
    }
  })();
  return pending.add(started.cancel, settled);
}

/** A mutex SyncScope holds: the thread that acquired it owns it until released. */
interface MutexOwner {
  path: string;
  object: NtHandle;
  cancelEvent: NtHandle;
  thread: WaitThread;
  /** The owning thread's OS thread id. */
  threadId: number;
  depth: number;
  /** One conversation with the owning thread at a time, so that each reply meets its request. */
  talking: Promise<unknown>;
}

/** Sends one message to a mutex's owning thread and returns its reply, after earlier ones. */
function ask(owner: MutexOwner, message: WaitThreadMessage): Promise<WaitThreadMessage> {
  const reply = owner.talking.catch(() => undefined).then(() => {
    owner.thread.send(message);
    return owner.thread.next();
  });
  owner.talking = reply;
  return reply;
}

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
      const reply = await ask(owner, { type: 'again' });
      const status = (reply.status as number) >>> 0;
      if (status !== 0 && status !== 0x80) throw statusError(status, 'NtWaitForSingleObject', path);
      owner.depth = reply.depth as number;
      return { abandoned: status === 0x80, threadId: owner.threadId };
    }
    const object = openNamed(path, 'mutex', SYNCHRONIZE | QUERY_STATE);
    let started: StartedWait;
    try {
      started = startWait(object, 'mutex', 1, timeoutMs, signal);
    } catch (error) {
      object.close();
      throw error;
    }
    const settled = (async () => {
      let outcome: WaitOutcome;
      let first: WaitThreadMessage;
      try {
        first = await started.thread.next();
        outcome = outcomeOf(first, path);
      } catch (error) {
        await this.#end(started.thread, started.cancelEvent, object);
        throw error;
      }
      if (outcome === 'timeout' || outcome === 'cancelled') {
        await this.#end(started.thread, started.cancelEvent, object);
        if (outcome === 'cancelled') throw cancelledError('acquire', path, signal);
        return null;
      }
      const threadId = first.threadId as number;
      this.#held.set(key, { path, object, cancelEvent: started.cancelEvent, thread: started.thread, threadId, depth: 1, talking: Promise.resolve() });
      return { abandoned: outcome === 'abandoned', threadId };
    })();
    return this.pending.add(started.cancel, settled);
  }

  async #end(thread: WaitThread, cancelEvent: NtHandle, object: NtHandle): Promise<void> {
    await thread.join();
    cancelEvent.close();
    object.close();
  }

  /** Releases once, on the owning thread; the thread ends when the last acquire is released. */
  async release(path: string): Promise<void> {
    const key = path.toLowerCase();
    const owner = this.#held.get(key);
    if (!owner) throw notOwnerError(path);
    const reply = await ask(owner, { type: 'release' });
    check(reply.status as number, 'NtReleaseMutant', path);
    owner.depth = reply.depth as number;
    if (owner.depth === 0) {
      this.#held.delete(key);
      await this.#end(owner.thread, owner.cancelEvent, owner.object);
    }
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
    const reply = await ask(owner, { type: 'query' });
    if ((reply.status as number) !== 0) return read;
    return {
      ...read,
      locked: (reply.currentCount as number) <= 0,
      abandoned: reply.abandoned as boolean,
      ownedByCaller: reply.ownedByCaller as boolean,
    };
  }

  /** The owning thread of a held mutex (tests compare it with the OS's answer). */
  ownerThreadId(path: string): number | undefined {
    return this.#held.get(path.toLowerCase())?.threadId;
  }

  /** Shutdown: each owning thread releases its mutex as many times as it was acquired, then ends. */
  async releaseAll(): Promise<ReleasedAtExit[]> {
    const owners = [...this.#held.values()];
    this.#held.clear();
    return Promise.all(owners.map(async (owner): Promise<ReleasedAtExit> => {
      let reply: WaitThreadMessage | undefined;
      try {
        reply = await Promise.race([ask(owner, { type: 'release-all' }), owner.thread.join().then(() => undefined)]);
      } catch {
        reply = undefined;
      }
      await this.#end(owner.thread, owner.cancelEvent, owner.object);
      const released = (reply?.released as number | undefined) ?? 0;
      if (reply && reply.status === 0) {
        return { path: owner.path, kind: 'mutex', ok: true, detail: `released at exit: its owner thread ${owner.threadId} released it ${released} time(s)` };
      }
      return {
        path: owner.path,
        kind: 'mutex',
        ok: false,
        detail: `not released at exit (${reply ? statusError(reply.status as number, 'NtReleaseMutant').code : 'its thread did not answer'}): its owner thread ${owner.threadId} ended, so Windows marks it abandoned`,
      };
    }));
  }

  /** An abrupt exit: owning threads are told to release, nobody waits for them (what is left is abandoned). */
  releaseAllNow(): void {
    for (const owner of this.#held.values()) {
      owner.thread.send({ type: 'release-all' });
      void owner.thread.exited.then(() => {
        owner.cancelEvent.close();
        owner.object.close();
      });
    }
    this.#held.clear();
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
