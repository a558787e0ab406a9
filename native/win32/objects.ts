// Opening named objects and reading their state with no side effect.
import { NativeError } from '../errors';
import type { EventState, MutexState, ObjectState, SampledKind, SemaphoreState, TimerState } from '../types';
import { findEntry } from './directory';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { splitPath } from './names';
import { ntdll, type Ntdll } from './ntdll';
import { STATUS, check, ntSuccess, statusError } from './ntstatus';
import {
  EventBasicInformation,
  MutantBasicInformation,
  MutantOwnerInformation,
  NotificationEvent,
  QUERY_STATE,
  SemaphoreBasicInformation,
  TimerBasicInformation,
  objectAttributes,
} from './structs';

export const SAMPLED_KINDS: readonly SampledKind[] = ['event', 'mutex', 'semaphore', 'timer'];

const openCall: Record<SampledKind, keyof Ntdll> = {
  event: 'NtOpenEvent',
  mutex: 'NtOpenMutant',
  semaphore: 'NtOpenSemaphore',
  timer: 'NtOpenTimer',
};

/** Opens a named object of a known kind with exactly the access asked for. */
export function openNamed(path: string, kind: SampledKind, access: number): NtHandle {
  const slot = handleSlot();
  const open = ntdll()[openCall[kind]] as Ntdll['NtOpenEvent'];
  check(open(slot, access, objectAttributes(path)), openCall[kind], path);
  return takeHandle(slot);
}

/**
 * Opens a named object whose kind the caller does not know by trying each sampled type; the
 * kernel checks the type before the access, so the first answer that is not a type mismatch
 * decides. Objects of other types are reported as wrong-type with their type name.
 */
export function openAnyKind(path: string, access: number): { kind: SampledKind; handle: NtHandle } {
  let notFound: NativeError | undefined;
  for (const kind of SAMPLED_KINDS) {
    const slot = handleSlot();
    const open = ntdll()[openCall[kind]] as Ntdll['NtOpenEvent'];
    const status = open(slot, access, objectAttributes(path)) >>> 0;
    if (ntSuccess(status)) return { kind, handle: takeHandle(slot) };
    if (status === STATUS.OBJECT_TYPE_MISMATCH) continue;
    const error = statusError(status, openCall[kind], path);
    if (error.kind !== 'not-found') throw error;
    notFound = error;
    break;
  }
  if (notFound) throw new NativeError('not-found', 'open', `no object named ${path}`, notFound.code);
  const entry = safeFindEntry(path);
  const typeName = entry?.typeName ?? 'unknown';
  throw new NativeError(
    'wrong-type',
    'open',
    `${path} is a ${typeName}, not an event, mutex, semaphore or timer`,
    'STATUS_OBJECT_TYPE_MISMATCH',
  );
}

function safeFindEntry(path: string) {
  try {
    return findEntry(path);
  } catch {
    return undefined;
  }
}

// One reusable output buffer per query: sampling allocates nothing per call.
const info = Buffer.alloc(16);

let mutexOwnerSupported: boolean | undefined;

export function queryEvent(handle: NtHandle, path = ''): EventState {
  check(ntdll().NtQueryEvent(handle.value, EventBasicInformation, info, 8, null), 'NtQueryEvent', path);
  return {
    eventType: info.readInt32LE(0) === NotificationEvent ? 'manual' : 'auto',
    signaled: info.readInt32LE(4) !== 0,
  };
}

export function queryMutex(handle: NtHandle, path = ''): MutexState {
  const nt = ntdll();
  check(nt.NtQueryMutant(handle.value, MutantBasicInformation, info, 8, null), 'NtQueryMutant', path);
  const currentCount = info.readInt32LE(0);
  const state: MutexState = {
    locked: currentCount <= 0,
    abandoned: info.readUInt8(5) !== 0,
    ownedByCaller: info.readUInt8(4) !== 0,
  };
  if (state.locked && mutexOwnerSupported !== false) {
    const status = nt.NtQueryMutant(handle.value, MutantOwnerInformation, info, 16, null) >>> 0;
    if (ntSuccess(status)) {
      mutexOwnerSupported = true;
      state.ownerProcessId = Number(info.readBigUInt64LE(0));
      state.ownerThreadId = Number(info.readBigUInt64LE(8));
    } else if (status === STATUS.INVALID_INFO_CLASS || status === STATUS.NOT_IMPLEMENTED) {
      mutexOwnerSupported = false;
    }
  }
  return state;
}

export function querySemaphore(handle: NtHandle, path = ''): SemaphoreState {
  check(ntdll().NtQuerySemaphore(handle.value, SemaphoreBasicInformation, info, 8, null), 'NtQuerySemaphore', path);
  return { count: info.readInt32LE(0), max: info.readInt32LE(4) };
}

export function queryTimer(handle: NtHandle, path = ''): TimerState {
  check(ntdll().NtQueryTimer(handle.value, TimerBasicInformation, info, 16, null), 'NtQueryTimer', path);
  const remaining100ns = info.readBigInt64LE(0);
  return {
    signaled: info.readUInt8(8) !== 0,
    remainingMs: remaining100ns > 0n ? Math.ceil(Number(remaining100ns) / 10_000) : null,
  };
}

export function queryState(kind: SampledKind, handle: NtHandle, path = ''): ObjectState {
  switch (kind) {
    case 'event':
      return queryEvent(handle, path);
    case 'mutex':
      return queryMutex(handle, path);
    case 'semaphore':
      return querySemaphore(handle, path);
    case 'timer':
      return queryTimer(handle, path);
  }
}

/** An object held open for repeated sampling. */
export class OpenObject {
  constructor(
    readonly kind: SampledKind,
    readonly path: string,
    readonly handle: NtHandle,
  ) {}

  /** The leaf name of a named object's path. */
  get name(): string {
    return splitPath(this.path).name;
  }

  sample(): ObjectState {
    return queryState(this.kind, this.handle, this.path);
  }

  close(): void {
    this.handle.close();
  }
}

/** Opens for sampling with only the query right. */
export function openForQuery(path: string, kind?: SampledKind): OpenObject {
  if (kind) return new OpenObject(kind, path, openNamed(path, kind, QUERY_STATE));
  const opened = openAnyKind(path, QUERY_STATE);
  return new OpenObject(opened.kind, path, opened.handle);
}
