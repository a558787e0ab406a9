// Actions on Linux semaphores. POSIX: post, trywait (n units, all or nothing, waiting up to
// timeoutMs), drain (every unit there is now), unlink. System V: post (semop +n), trywait
// (semop -n, atomic), setval, unlink (IPC_RMID). File locks are read-only.
//
// Units the inspector takes are gone: a counting semaphore has no owner to give them back to.
// Units there now are taken on the calling thread without blocking; a wait that would block runs
// on its own cancellable thread (waits.ts), never on the event loop's thread or libuv's pool.
import type { ActionRequest, ActionResult } from '../actions';
import { resolveAction } from '../actions';
import { NativeError, invalidArgument, unsupported } from '../errors';
import type { ObjectState } from '../types';
import { errnoError, failed } from './errno';
import type { Mapping } from './fd';
import {
  ERRNO,
  IPC_NOWAIT,
  SEMVMX,
  SEM_VALUE_MAX,
  SETVAL,
  libc,
  lastErrno,
  sembuf,
} from './libc';
import type { LinuxTarget } from './names';
import { PosixSemaphore, mapSemaphore, unlinkPosixSemaphore } from './posix-semaphores';
import { SysvSemaphoreSet, removeSysvSet } from './sysv-semaphores';
import type { PendingWaits } from '../wait-thread';
import { cancelledError, waitOnThread, type WaitOutcome } from './waits';

function checkCount(value: number | undefined, op: string, max: number, fallback = 1): number {
  const count = value ?? fallback;
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw invalidArgument(op, `count must be a whole number from 1 to ${max}, not ${value}`);
  }
  return count;
}

function checkTimeout(value: number | undefined, op: string): number {
  const ms = value ?? 0;
  if (!Number.isInteger(ms) || ms < 0 || ms > 0x7fffffff) throw invalidArgument(op, `timeout must be from 0 to ${0x7fffffff} ms, not ${value}`);
  return ms;
}

function timeoutError(op: string, count: number, path: string, timeoutMs: number): NativeError {
  return new NativeError('timeout', op, `could not take ${count} unit(s) of ${path} within ${timeoutMs} ms`, 'EAGAIN');
}

function stateOf(read: () => ObjectState): ObjectState | undefined {
  try {
    return read();
  } catch {
    return undefined; // the action succeeded; a state we cannot read is not its failure
  }
}

// ---- POSIX -------------------------------------------------------------------------------------

/** Takes one unit if there is one, without blocking. */
function tryTakeOne(sem: Mapping, path: string): boolean {
  const nc = libc();
  for (;;) {
    if (nc.sem_trywait(sem.address) === 0) return true;
    const errno = lastErrno();
    if (errno === ERRNO.EINTR) continue;
    if (errno !== ERRNO.EAGAIN) throw errnoError(errno, 'sem_trywait', path);
    return false;
  }
}

/** What a blocking action needs: the backend's pending waits and its own cancel signal. */
export interface WaitContext {
  pending: PendingWaits;
  signal?: AbortSignal;
}

async function posixAction(target: Extract<LinuxTarget, { kind: 'posix-semaphore' }>, request: ActionRequest, context: WaitContext): Promise<ActionResult> {
  const { path } = target;
  const action = resolveAction('posix-semaphore', request.action);
  const base = { path, kind: 'posix-semaphore', action };
  const readState = () => stateOf(() => {
    const object = new PosixSemaphore(target.name);
    try {
      return object.sample();
    } finally {
      object.close();
    }
  });

  if (action === 'unlink') {
    unlinkPosixSemaphore(target.name);
    return { ...base, detail: `unlinked ${path}; processes that have it open keep using it until they close it` };
  }
  if (action !== 'post' && action !== 'trywait' && action !== 'drain') {
    throw invalidArgument(request.action, `"${request.action}" does not apply to a POSIX semaphore (post, trywait, drain, unlink do)`);
  }
  const count = action === 'drain'
    ? checkCount(request.count, action, SEM_VALUE_MAX, SEM_VALUE_MAX)
    : checkCount(request.count, action, SEM_VALUE_MAX);
  const timeoutMs = checkTimeout(request.timeoutMs, action);
  const sem = mapSemaphore(path, action);
  let result: ActionResult;
  try {
    const nc = libc();
    if (action === 'post') {
      const before = readState() as { count: number } | undefined;
      // sem_post posts one unit at a time: refuse a count that would overflow before posting
      // any, rather than stop half-way with EOVERFLOW.
      if (before && count > SEM_VALUE_MAX - before.count) {
        throw invalidArgument(action, `posting ${count} unit(s) to ${path} would take its count from ${before.count} past the maximum ${SEM_VALUE_MAX}`);
      }
      let posted = 0;
      while (posted < count) {
        if (nc.sem_post(sem.address) !== 0) {
          const error = failed('sem_post', path);
          error.message += posted ? ` after ${posted} of ${count} unit(s)` : '';
          throw error;
        }
        posted++;
      }
      result = { ...base, previousCount: before?.count, detail: `posted ${count} unit(s) to ${path}` };
    } else if (action === 'drain') {
      let taken = 0;
      while (taken < count && tryTakeOne(sem, path)) taken++;
      result = { ...base, acquired: taken, detail: `drained ${taken} unit(s) from ${path}` };
    } else {
      let taken = 0;
      while (taken < count && tryTakeOne(sem, path)) taken++;
      let outcome: WaitOutcome = 'signaled';
      if (taken < count) {
        // All or nothing: hand back a partial take, then wait for all of them on a thread.
        for (let i = 0; i < taken; i++) nc.sem_post(sem.address);
        outcome = timeoutMs === 0
          ? 'timeout'
          : await waitOnThread({ mode: 'posix', address: sem.address }, path, count, timeoutMs, context.pending, context.signal);
      }
      if (outcome === 'cancelled') throw cancelledError(action, path, context.signal);
      if (outcome === 'timeout') throw timeoutError(action, count, path, timeoutMs);
      result = { ...base, acquired: count, detail: `took ${count} unit(s) of ${path}` };
    }
  } finally {
    sem.close();
  }
  result.state = readState();
  return result;
}

// ---- System V ----------------------------------------------------------------------------------

async function sysvAction(target: Extract<LinuxTarget, { kind: 'sysv-semaphore' }>, request: ActionRequest, context: WaitContext): Promise<ActionResult> {
  const { path, semid } = target;
  const action = resolveAction('sysv-semaphore', request.action);
  const base = { path, kind: 'sysv-semaphore', action };
  const set = new SysvSemaphoreSet(semid);
  const readState = () => stateOf(() => set.sample());

  if (action === 'unlink') {
    removeSysvSet(semid);
    return { ...base, detail: `removed System V semaphore set ${semid}; its waiters woke with EIDRM` };
  }
  const index = request.index ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= set.nsems) {
    throw invalidArgument(action, `index must be from 0 to ${set.nsems - 1} (the set has ${set.nsems} semaphore(s)), not ${request.index}`);
  }
  const which = `${path}[${index}]`;
  const nc = libc();
  let result: ActionResult;
  switch (action) {
    case 'post': {
      const count = checkCount(request.count, action, SEMVMX);
      const before = readState() as { values: number[] } | undefined;
      const value = before?.values[index];
      if (value !== undefined && count > SEMVMX - value) {
        throw invalidArgument(action, `posting ${count} unit(s) to ${which} would take its value from ${value} past the maximum ${SEMVMX}`);
      }
      if (nc.semop(semid, sembuf(index, count, 0), 1) !== 0) throw failed('semop', which);
      result = { ...base, previousCount: before?.values[index], detail: `posted ${count} unit(s) to ${which}` };
      break;
    }
    case 'trywait': {
      const count = checkCount(request.count, action, SEMVMX);
      const timeoutMs = checkTimeout(request.timeoutMs, action);
      // The kernel takes all units at once or none; without waiting first, then on a thread.
      let outcome: WaitOutcome = 'signaled';
      if (nc.semop(semid, sembuf(index, -count, IPC_NOWAIT), 1) !== 0) {
        const errno = lastErrno();
        if (errno === ERRNO.EIDRM || errno === ERRNO.EINVAL) {
          throw new NativeError('vanished', 'semop', `System V semaphore set ${semid} is gone`, errno === ERRNO.EIDRM ? 'EIDRM' : 'EINVAL');
        }
        if (errno !== ERRNO.EAGAIN && errno !== ERRNO.EINTR) throw errnoError(errno, 'semop', which);
        outcome = timeoutMs === 0
          ? 'timeout'
          : await waitOnThread({ mode: 'sysv', semid, index }, which, count, timeoutMs, context.pending, context.signal);
      }
      if (outcome === 'cancelled') throw cancelledError(action, which, context.signal);
      if (outcome === 'timeout') throw timeoutError(action, count, which, timeoutMs);
      result = { ...base, acquired: count, detail: `took ${count} unit(s) of ${which}` };
      break;
    }
    case 'setval': {
      const value = request.value ?? 0;
      if (!Number.isInteger(value) || value < 0 || value > SEMVMX) {
        throw invalidArgument(action, `value must be from 0 to ${SEMVMX}, not ${request.value}`);
      }
      const before = readState() as { values: number[] } | undefined;
      if (nc.semctl(semid, index, SETVAL, 'long', value) !== 0) throw failed('semctl(SETVAL)', which);
      result = { ...base, previousCount: before?.values[index], detail: `set ${which} to ${value}` };
      break;
    }
    default:
      throw invalidArgument(request.action, `"${request.action}" does not apply to a System V semaphore set (post, trywait, setval, unlink do)`);
  }
  result.state = readState();
  return result;
}

export async function performAction(target: LinuxTarget, request: ActionRequest, context: WaitContext): Promise<ActionResult> {
  switch (target.kind) {
    case 'posix-semaphore':
      return posixAction(target, request, context);
    case 'sysv-semaphore':
      return sysvAction(target, request, context);
    case 'file-lock':
      throw invalidArgument(request.action, `file locks are read-only: SyncScope never breaks another process's lock (${target.path})`);
    case 'sem-inode':
      throw unsupported(
        request.action,
        `${target.path} has no name left: the only way to it is through another process's mapping, and SyncScope does not act on another process's memory (show, watch and why read it)`,
      );
    case 'sysv-key':
      throw new Error('a System V key must be resolved to its semid first');
  }
}
