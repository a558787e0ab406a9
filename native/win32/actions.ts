// Actions on named objects and their creation. Each opens the object with only the rights the
// action needs, and closes it before returning (a mutex the inspector acquires stays open until
// it is released).
import type { ActionRequest, ActionResult, CreateSpec, CreatedObject } from '../actions';
import { MAX_COUNT, resolveAction } from '../actions';
import { NativeError, invalidArgument } from '../errors';
import type { SampledKind, SemaphoreState } from '../types';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, check, ntSuccess, statusError } from './ntstatus';
import { openAnyKind, openNamed, queryMutex, queryState } from './objects';
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

/** Longest single blocking wait, so an acquire with a long timeout keeps the event loop alive. */
const WAIT_SLICE_MS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** One wait; returns the NTSTATUS (WAIT_0, ABANDONED_WAIT_0 or TIMEOUT). */
function waitOnce(handle: NtHandle, timeoutMs: number, path: string): number {
  const timeout = relativeDueTime(timeoutMs);
  const status = ntdll().NtWaitForSingleObject(handle.value, 0, timeout) >>> 0;
  if (status === STATUS.WAIT_0 || status === STATUS.ABANDONED_WAIT_0 || status === STATUS.TIMEOUT) return status;
  throw statusError(status, 'NtWaitForSingleObject', path);
}

/** Waits up to timeoutMs in short slices; resolves to the final wait status. */
async function waitSliced(handle: NtHandle, timeoutMs: number, path: string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const remaining = Math.max(0, deadline - Date.now());
    const status = waitOnce(handle, Math.min(remaining, WAIT_SLICE_MS), path);
    if (status !== STATUS.TIMEOUT || remaining <= WAIT_SLICE_MS) return status;
    await sleep(1);
  }
}

/**
 * One full wait on a libuv worker thread: the event loop stays free and, unlike sliced waits,
 * no PulseEvent can slip between two slices. Not for mutexes: the worker thread would own it.
 */
function waitOffThread(handle: NtHandle, timeoutMs: number, path: string): Promise<number> {
  const timeout = relativeDueTime(timeoutMs);
  return new Promise((resolve, reject) => {
    ntdll().NtWaitForSingleObject.async(handle.value, 0, timeout, (error, status) => {
      if (error) return reject(error);
      const value = status! >>> 0;
      if (value === STATUS.WAIT_0 || value === STATUS.ABANDONED_WAIT_0 || value === STATUS.TIMEOUT) resolve(value);
      else reject(statusError(value, 'NtWaitForSingleObject', path));
    });
  });
}

/** Mutexes the inspector acquired, by path; only these can it release. */
export class MutexLeases {
  readonly #held = new Map<string, { handle: NtHandle; depth: number }>();

  async acquire(path: string, timeoutMs: number): Promise<{ abandoned: boolean } | null> {
    const existing = this.#held.get(path.toLowerCase());
    const handle = existing?.handle ?? openNamed(path, 'mutex', SYNCHRONIZE | QUERY_STATE);
    let status: number;
    try {
      status = await waitSliced(handle, timeoutMs, path);
    } catch (error) {
      if (!existing) handle.close();
      throw error;
    }
    if (status === STATUS.TIMEOUT) {
      if (!existing) handle.close();
      return null;
    }
    if (existing) existing.depth++;
    else this.#held.set(path.toLowerCase(), { handle, depth: 1 });
    return { abandoned: status === STATUS.ABANDONED_WAIT_0 };
  }

  release(path: string): void {
    const lease = this.#held.get(path.toLowerCase());
    if (!lease) throw notOwnerError(path);
    check(ntdll().NtReleaseMutant(lease.handle.value, null), 'NtReleaseMutant', path);
    if (--lease.depth === 0) {
      lease.handle.close();
      this.#held.delete(path.toLowerCase());
    }
  }

  holds(path: string): boolean {
    return this.#held.has(path.toLowerCase());
  }

  releaseAll(): void {
    for (const [path, lease] of this.#held) {
      while (lease.depth-- > 0) ntdll().NtReleaseMutant(lease.handle.value, null);
      lease.handle.close();
      this.#held.delete(path);
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

export async function performAction(path: string, request: ActionRequest, leases: MutexLeases): Promise<ActionResult> {
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
      const acquired = await withHandle(ACCESS_FOR.waitModify, async (h) => {
        const deadline = Date.now() + timeoutMs;
        let got = 0;
        while (got < count) {
          const status = await waitOffThread(h, Math.max(0, deadline - Date.now()), path);
          if (status === STATUS.TIMEOUT) break;
          got++;
        }
        // All or nothing: hand back a partial acquisition.
        if (got > 0 && got < count) check(nt.NtReleaseSemaphore(h.value, got, null), 'NtReleaseSemaphore', path);
        return got === count ? got : 0;
      });
      if (acquired === 0) {
        throw new NativeError('timeout', op, `could not acquire ${count} unit(s) of ${path} within ${timeoutMs} ms`, 'STATUS_TIMEOUT');
      }
      result = { ...base, acquired, detail: `acquired ${acquired} unit(s) of ${path}` };
      break;
    }
    case 'mutex:acquire': {
      const outcome = await leases.acquire(path, timeoutMs);
      if (!outcome) throw new NativeError('timeout', op, `${path} stayed locked for ${timeoutMs} ms`, 'STATUS_TIMEOUT');
      result = {
        ...base,
        acquired: 1,
        abandoned: outcome.abandoned,
        detail: outcome.abandoned ? `acquired ${path}; its previous owner had abandoned it` : `acquired ${path}`,
      };
      break;
    }
    case 'mutex:release':
      leases.release(path);
      result = { ...base, detail: `released ${path}` };
      break;
    case 'event:acquire':
    case 'timer:acquire': {
      const status = await withHandle(ACCESS_FOR.wait, (h) => waitOffThread(h, timeoutMs, path));
      if (status === STATUS.TIMEOUT) throw new NativeError('timeout', op, `${path} was not signaled within ${timeoutMs} ms`, 'STATUS_TIMEOUT');
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
