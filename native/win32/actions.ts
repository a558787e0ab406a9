// Actions on named objects and their creation. Each opens the object with only the rights the
// action needs, and closes it before returning (a mutex the inspector acquires stays open until
// it is released). A wait that could block runs on its own cancellable thread (waits.ts), never
// on the event loop's thread or libuv's pool.
import type { ActionRequest, ActionResult, CreateSpec, CreatedObject } from '../actions';
import { MAX_COUNT, resolveAction } from '../actions';
import { NativeError, invalidArgument } from '../errors';
import type { MutexState, SampledKind, SemaphoreState } from '../types';
import type { PendingWaits } from '../wait-thread';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, check, ntSuccess, statusError } from './ntstatus';
import { openAnyKind, openNamed, queryState } from './objects';
import { cancelledError, waitOnThread, type MutexLeases } from './waits';
import {
  GENERIC_ALL_SYNC,
  MODIFY_STATE,
  NotificationEvent,
  NotificationTimer,
  QUERY_STATE,
  SYNCHRONIZE,
  SynchronizationEvent,
  SynchronizationTimer,
  objectAttributes,
  relativeDueTime,
} from './structs';

function checkCount(value: number | undefined, op: string, min = 1): number {
  const count = value ?? 1;
  if (!Number.isInteger(count) || count < min || count > MAX_COUNT) {
    throw invalidArgument(op, `count must be a whole number from ${min} to ${MAX_COUNT}, not ${value}`);
  }
  return count;
}

function checkMilliseconds(value: number | undefined, op: string, what: string): number {
  const ms = value ?? 0;
  if (!Number.isFinite(ms) || ms < 0 || ms > 0x7fffffff) {
    throw invalidArgument(op, `${what} must be from 0 to ${0x7fffffff} ms, not ${value}`);
  }
  return ms;
}

/** One wait on the calling thread that does not block: 0 timeout. Returns the NTSTATUS. */
function tryWait(handle: NtHandle, path: string): number {
  const status = ntdll().NtWaitForSingleObject(handle.value, 0, relativeDueTime(0)) >>> 0;
  if (status === STATUS.WAIT_0 || status === STATUS.ABANDONED_WAIT_0 || status === STATUS.TIMEOUT) return status;
  throw statusError(status, 'NtWaitForSingleObject', path);
}

/** What a blocking action needs: the mutexes held, the pending waits, and its own cancel signal. */
export interface WaitContext {
  leases: MutexLeases;
  pending: PendingWaits;
  signal?: AbortSignal;
}

const previous = Buffer.alloc(4);

function readStateAfter(kind: SampledKind, path: string) {
  try {
    const handle = openNamed(path, kind, QUERY_STATE);
    try {
      return queryState(kind, handle, path);
    } finally {
      handle.close();
    }
  } catch {
    return undefined; // the action succeeded; a state we cannot read is not its failure
  }
}

function kindOf(path: string): SampledKind {
  const opened = openAnyKind(path, SYNCHRONIZE);
  opened.handle.close();
  return opened.kind;
}

const ACCESS_FOR = { modify: MODIFY_STATE, wait: SYNCHRONIZE, waitModify: SYNCHRONIZE | MODIFY_STATE };

export async function performAction(path: string, request: ActionRequest, context: WaitContext): Promise<ActionResult> {
  const { leases, pending, signal } = context;
  const op = request.action;
  const count = request.action === 'release' || request.action === 'acquire' || request.action === 'signal'
    ? checkCount(request.count, op)
    : 1;
  const timeoutMs = checkMilliseconds(request.timeoutMs, op, 'timeout');
  const dueMs = checkMilliseconds(request.dueMs, op, 'due time');
  const periodMs = checkMilliseconds(request.periodMs, op, 'period');
  const kind = kindOf(path);
  const action = resolveAction(kind, request.action);
  const base = { path, kind, action };
  const nt = ntdll();
  const refuse = () =>
    invalidArgument(op, `"${request.action}" does not apply to a ${kind}`);

  const withHandle = async <T>(access: number, body: (handle: NtHandle) => T | Promise<T>): Promise<T> => {
    const handle = openNamed(path, kind, access);
    try {
      return await body(handle);
    } finally {
      handle.close();
    }
  };

  let result: ActionResult;
  switch (`${kind}:${action}`) {
    case 'event:set':
    case 'event:reset':
    case 'event:pulse': {
      const call = action === 'set' ? nt.NtSetEvent : action === 'reset' ? nt.NtResetEvent : nt.NtPulseEvent;
      await withHandle(ACCESS_FOR.modify, (h) => check(call(h.value, null), `Nt${action[0].toUpperCase()}${action.slice(1)}Event`, path));
      result = { ...base, detail: `${action} ${path}` };
      break;
    }
    case 'semaphore:release': {
      // The kernel refuses a release past the maximum too (STATUS_SEMAPHORE_LIMIT_EXCEEDED, with no
      // change); asking first gives the numbers. A count raised in between still meets the kernel's check.
      const current = readStateAfter(kind, path) as SemaphoreState | undefined;
      if (current && count > current.max - current.count) {
        throw new NativeError(
          'invalid-argument',
          op,
          `releasing ${count} unit(s) of ${path} would take its count from ${current.count} past its maximum ${current.max} (STATUS_SEMAPHORE_LIMIT_EXCEEDED)`,
          'STATUS_SEMAPHORE_LIMIT_EXCEEDED',
        );
      }
      await withHandle(ACCESS_FOR.modify, (h) => check(nt.NtReleaseSemaphore(h.value, count, previous), 'NtReleaseSemaphore', path));
      result = { ...base, previousCount: previous.readInt32LE(0), detail: `released ${count} unit(s) of ${path}` };
      break;
    }
    case 'semaphore:acquire': {
      const taken = await withHandle(ACCESS_FOR.waitModify, async (h) => {
        // Units there now are taken here; only a wait that would block gets a thread.
        let got = 0;
        while (got < count && tryWait(h, path) === STATUS.WAIT_0) got++;
        if (got === count) return 'signaled';
        // All or nothing: hand back a partial take before waiting for all of them.
        if (got > 0) check(nt.NtReleaseSemaphore(h.value, got, null), 'NtReleaseSemaphore', path);
        if (timeoutMs === 0) return 'timeout';
        return waitOnThread(h, path, 'semaphore', count, timeoutMs, pending, signal);
      });
      if (taken === 'cancelled') throw cancelledError(op, path, signal);
      if (taken === 'timeout') {
        throw new NativeError('timeout', op, `could not acquire ${count} unit(s) of ${path} within ${timeoutMs} ms`, 'STATUS_TIMEOUT');
      }
      result = { ...base, acquired: count, detail: `acquired ${count} unit(s) of ${path}` };
      break;
    }
    case 'mutex:acquire': {
      const outcome = await leases.acquire(path, timeoutMs, signal);
      if (!outcome) throw new NativeError('timeout', op, `${path} stayed locked for ${timeoutMs} ms`, 'STATUS_TIMEOUT');
      // Said where the audit log keeps it: if SyncScope dies before releasing, Windows abandons it.
      const owner = `owned by SyncScope's thread ${outcome.threadId} until released (or at exit; if SyncScope is killed, Windows marks it abandoned)`;
      result = {
        ...base,
        acquired: 1,
        abandoned: outcome.abandoned,
        detail: outcome.abandoned ? `acquired ${path}; its previous owner had abandoned it; ${owner}` : `acquired ${path}; ${owner}`,
      };
      break;
    }
    case 'mutex:release':
      await leases.release(path);
      result = { ...base, detail: `released ${path}` };
      break;
    case 'event:acquire':
    case 'timer:acquire': {
      const outcome = await withHandle(ACCESS_FOR.wait, (h) => {
        if (tryWait(h, path) !== STATUS.TIMEOUT) return 'signaled';
        return timeoutMs === 0 ? 'timeout' : waitOnThread(h, path, 'wait', 1, timeoutMs, pending, signal);
      });
      if (outcome === 'cancelled') throw cancelledError(op, path, signal);
      if (outcome === 'timeout') throw new NativeError('timeout', op, `${path} was not signaled within ${timeoutMs} ms`, 'STATUS_TIMEOUT');
      result = { ...base, acquired: 1, detail: `waited on ${path}: signaled` };
      break;
    }
    case 'timer:set': {
      await withHandle(ACCESS_FOR.modify, (h) =>
        check(nt.NtSetTimer(h.value, relativeDueTime(dueMs), null, null, 0, periodMs, null), 'NtSetTimer', path),
      );
      result = { ...base, detail: `set ${path}: due in ${dueMs} ms${periodMs ? `, every ${periodMs} ms` : ''}` };
      break;
    }
    case 'timer:cancel':
    case 'timer:reset':
      await withHandle(ACCESS_FOR.modify, (h) => check(nt.NtCancelTimer(h.value, null), 'NtCancelTimer', path));
      result = { ...base, action: 'cancel', detail: `cancelled ${path}` };
      break;
    default:
      throw refuse();
  }
  result.state = readStateAfter(kind, path);
  // A mutex SyncScope holds is owned by its wait thread: that thread tells whether it owns it.
  if (kind === 'mutex') result.state = (await leases.stateOnOwner(path, result.state as MutexState | undefined)) ?? result.state;
  return result;
}

class Win32Created implements CreatedObject {
  constructor(
    readonly kind: SampledKind,
    readonly path: string,
    private readonly handle: NtHandle,
  ) {}

  close(): void {
    this.handle.close();
  }
}

/** Creates a named object; fails with already-exists rather than opening someone else's. */
export function createObject(path: string, spec: CreateSpec): CreatedObject {
  const nt = ntdll();
  const slot = handleSlot();
  const attributes = objectAttributes(path);
  let status: number;
  switch (spec.kind) {
    case 'event':
      status = nt.NtCreateEvent(slot, GENERIC_ALL_SYNC, attributes, spec.manual ? NotificationEvent : SynchronizationEvent, spec.signaled ? 1 : 0);
      break;
    case 'mutex':
      status = nt.NtCreateMutant(slot, GENERIC_ALL_SYNC, attributes, spec.owned ? 1 : 0);
      break;
    case 'semaphore': {
      const max = checkCount(spec.max ?? Math.max(1, spec.count ?? 1), 'create', 1);
      const initial = checkCount(spec.count ?? 0, 'create', 0);
      if (initial > max) throw invalidArgument('create', `initial count ${initial} exceeds the maximum ${max}`);
      status = nt.NtCreateSemaphore(slot, GENERIC_ALL_SYNC, attributes, initial, max);
      break;
    }
    case 'timer':
      status = nt.NtCreateTimer(slot, GENERIC_ALL_SYNC, attributes, spec.manual ? NotificationTimer : SynchronizationTimer);
      break;
    default:
      // A Linux kind sent to Windows (the protocol knows every OS's kinds): refuse, never fake.
      throw invalidArgument('create', `Windows has no ${(spec as { kind: string }).kind}: create an event, mutex, semaphore or timer`);
  }
  check(status, `NtCreate${spec.kind}`, path);
  const handle = takeHandle(slot);
  if (spec.kind === 'timer' && spec.dueMs !== undefined) {
    const due = checkMilliseconds(spec.dueMs, 'create', 'due time');
    const period = checkMilliseconds(spec.periodMs, 'create', 'period');
    const setStatus = nt.NtSetTimer(handle.value, relativeDueTime(due), null, null, 0, period, null);
    if (!ntSuccess(setStatus)) {
      handle.close();
      check(setStatus, 'NtSetTimer', path);
    }
  }
  return new Win32Created(spec.kind, path, handle);
}
