// The events, mutants, semaphores and timers one process holds, named or not, each with its
// state; and an unnamed object opened again through the handle it is known by.
import { NativeError, isNativeError, type NativeErrorData, messageOf } from '../errors';
import type { ObjectState, SampledKind } from '../types';
import {
  duplicateChecked, objectTypeName, syncObjectName, openProcess, openProcessChecked, walkSyncHandles, type SyncHandleVisit,
} from './foreign-handles';
import type { NtHandle } from './handle';
import { hex, parseUnnamedPath, unnamedLabel, unnamedPath, type HandleRef } from './identity';
import { OpenObject, queryState } from './objects';
import { listProcessHandles, type HandleSource, type ProcessHandleList } from './process-handles';
import { checkStillRunning, listProcesses, type ProcessInfo } from './system-info';
import { PROCESS_DUP_HANDLE, PROCESS_QUERY_INFORMATION, QUERY_STATE } from './structs';
import { sampledKindOfType } from './type-names';

/** Names an unnamed object met through `ref` (its copy in this process is `copy`): see unnamed-objects.ts. */
export type Identify = (ref: HandleRef, kind: SampledKind, copy: NtHandle) => string;

export interface SyncHandle {
  /** The handle's value in the holding process. */
  handle: bigint;
  kind: SampledKind;
  grantedAccess: number;
  /** The object's NT path; absent for an unnamed object. */
  path?: string;
  /** An unnamed object's identity, when the caller asked for identities. */
  identity?: string;
  state?: ObjectState;
  /** Why the state could not be read. */
  error?: NativeErrorData;
}

export interface ProcessSyncHandles {
  pid: number;
  processName: string;
  /** Where the handle list came from, and why not from the per-process snapshot. */
  source: HandleSource;
  snapshotUnavailable?: string;
  handles: SyncHandle[];
}

/** A handle's value in another process, as a user reads it: "handle 0x1a4 of process 4242". */
export function describeHandle(ref: HandleRef): string {
  return `handle ${hex(ref.handle)} of process ${ref.pid}`;
}

/** The state through `copy`, or through a copy with QUERY_STATE when the holder's handle lacks it. */
export function stateOf(kind: SampledKind, copy: NtHandle, owner: NtHandle, ref: HandleRef, grantedAccess: number): ObjectState {
  if (grantedAccess & QUERY_STATE) return queryState(kind, copy, describeHandle(ref));
  const queryable = duplicateChecked(owner, ref.handle, QUERY_STATE, describeHandle(ref));
  try {
    return queryState(kind, queryable, describeHandle(ref));
  } finally {
    queryable.close();
  }
}

function errorData(error: unknown): NativeErrorData {
  if (isNativeError(error)) return error.toJSON();
  return { kind: 'os-error', code: '', op: 'query', message: messageOf(error) };
}

/**
 * Visits every event, mutant, semaphore and timer handle of process `pid` (this process's own
 * included) with a copy in this process. The process is opened for the walk and closed after it.
 * Returns where the handle list came from.
 */
export function walkProcessSyncHandles(pid: number, visit: (visit: SyncHandleVisit) => void): Omit<ProcessHandleList, 'pid' | 'entries'> {
  // The snapshot needs PROCESS_QUERY_INFORMATION; copying needs PROCESS_DUP_HANDLE.
  const owner = openProcess(pid, PROCESS_DUP_HANDLE | PROCESS_QUERY_INFORMATION) ?? openProcessChecked(pid, PROCESS_DUP_HANDLE);
  try {
    const list = listProcessHandles(pid, owner);
    walkSyncHandles(list.entries, list.source, () => owner, visit, true);
    return { source: list.source, ...(list.snapshotUnavailable ? { snapshotUnavailable: list.snapshotUnavailable } : {}) };
  } finally {
    owner.close();
  }
}

/**
 * Every event, mutant, semaphore and timer handle of a listed process, named or not, with its
 * state. Not-found when the process has exited since the list was read.
 */
export function listSyncHandles(listed: ProcessInfo, identify?: Identify): ProcessSyncHandles {
  const { pid } = listed;
  checkStillRunning(listed);
  const handles: SyncHandle[] = [];
  const list = walkProcessSyncHandles(pid, ({ entry, kind, copy, owner }) => {
    const ref = { pid, handle: entry.handle };
    const handle: SyncHandle = { handle: entry.handle, kind, grantedAccess: entry.grantedAccess };
    const name = syncObjectName(copy.value, kind);
    if (name) handle.path = name;
    else if (identify) handle.identity = identify(ref, kind, copy);
    try {
      handle.state = stateOf(kind, copy, owner, ref, entry.grantedAccess);
    } catch (error) {
      handle.error = errorData(error);
    }
    handles.push(handle);
  });
  return { pid, processName: listed.name, ...list, handles };
}

/** An unnamed object opened through its handle; its name is its label, read from the process list when asked. */
export class UnnamedObject extends OpenObject {
  #label: string | undefined;

  override get name(): string {
    if (this.#label === undefined) {
      const ref = parseUnnamedPath(this.path)!;
      this.#label = unnamedLabel(this.kind, ref, listProcesses().find((p) => p.pid === ref.pid)?.name ?? '');
    }
    return this.#label;
  }
}

/**
 * Opens an unnamed object again through the handle it is known by. Vanished when the process has
 * exited, the handle is closed, or the handle now refers to another object (a named one, or
 * another kind); a closed handle's value reused for an unnamed object of the same kind cannot be
 * told apart.
 */
export function openUnnamed(ref: HandleRef, expectedKind?: SampledKind): UnnamedObject {
  const path = unnamedPath(ref);
  const subject = describeHandle(ref);
  let owner: NtHandle;
  try {
    owner = openProcessChecked(ref.pid, PROCESS_DUP_HANDLE);
  } catch (error) {
    if (isNativeError(error) && error.kind === 'vanished') {
      throw new NativeError('vanished', 'open', `${path} vanished: process ${ref.pid} has exited`, error.code);
    }
    throw error;
  }
  let copy: NtHandle | undefined;
  try {
    copy = duplicateChecked(owner, ref.handle, QUERY_STATE, subject);
    const typeName = objectTypeName(copy.value);
    const kind = sampledKindOfType(typeName);
    const name = syncObjectName(copy.value, kind);
    if (!kind || (expectedKind && kind !== expectedKind) || name) {
      const now = name ? `the ${kind} ${name}` : kind ? `an unnamed ${kind}` : `a ${typeName ?? 'handle of unknown type'}`;
      const was = expectedKind ? `, not the unnamed ${expectedKind} it was known as` : ', not an unnamed event, mutex, semaphore or timer';
      throw new NativeError('vanished', 'open', `${path} vanished: ${subject} now refers to ${now}${was}`, 'HANDLE_REUSED');
    }
    const object = new UnnamedObject(kind, path, copy);
    copy = undefined;
    return object;
  } catch (error) {
    if (isNativeError(error) && error.kind === 'vanished' && error.op === 'NtDuplicateObject') {
      throw new NativeError('vanished', 'open', `${path} vanished: ${error.message}`, error.code);
    }
    throw error;
  } finally {
    copy?.close();
    owner.close();
  }
}
