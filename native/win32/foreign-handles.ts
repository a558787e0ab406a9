// Handles of other processes: open the process, copy a handle into this one, read the copy's
// type and name, and walk many handles keeping only events, mutants, semaphores and timers.
// Every copy and process handle is closed before the walk returns.
import { NativeError } from '../errors';
import type { SampledKind } from '../types';
import { unreadableSummary } from '../unreadable';
import { NtHandle, handleSlot, takeHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, ntSuccess, statusError } from './ntstatus';
import { enableDebugPrivilege } from './privilege';
import type { HandleSource } from './process-handles';
import type { HandleEntry } from './system-info';
import {
  CURRENT_PROCESS,
  DUPLICATE_SAME_ACCESS,
  PROCESS_DUP_HANDLE,
  SYNCHRONIZE,
  clientId,
  objectAttributes,
} from './structs';
import { knownTypeName, learnTypeName, sampledKindOfType } from './type-names';

export { objectTypeName, syncObjectName } from './object-info';

function openProcessStatus(pid: number, access: number): { status: number; handle?: NtHandle } {
  const slot = handleSlot();
  const status = ntdll().NtOpenProcess(slot, access, objectAttributes(null), clientId(pid)) >>> 0;
  return ntSuccess(status) ? { status, handle: takeHandle(slot) } : { status };
}

export function openProcess(pid: number, access: number): NtHandle | undefined {
  return openProcessStatus(pid, access).handle;
}

/** Opens a process or throws: vanished when it does not exist (or exits), access-denied when refused. */
export function openProcessChecked(pid: number, access: number): NtHandle {
  const { status, handle } = openProcessStatus(pid, access);
  if (handle) return handle;
  if (status === STATUS.INVALID_CID || status === STATUS.INVALID_PARAMETER) {
    throw new NativeError('vanished', 'NtOpenProcess', `no process ${pid} (it has exited, or never ran)`, 'STATUS_INVALID_CID');
  }
  throw statusError(status, 'NtOpenProcess', `process ${pid}`);
}

const noTime = Buffer.alloc(8); // a relative timeout of 0: NtWaitForSingleObject only polls

/**
 * Whether process `pid` still runs: 'exited' once it has (an exited process's object lives on, and
 * opens by pid, while any handle to it is open: it is signaled then), 'absent' when there is no
 * process `pid` to open, undefined when it cannot be opened to wait on (refused).
 */
export function processRunState(pid: number): 'running' | 'exited' | 'absent' | undefined {
  const { status, handle } = openProcessStatus(pid, SYNCHRONIZE);
  if (!handle) return status === STATUS.INVALID_CID || status === STATUS.INVALID_PARAMETER ? 'absent' : undefined;
  try {
    return ntdll().NtWaitForSingleObject(handle.value, 0, noTime) >>> 0 === STATUS.WAIT_0 ? 'exited' : 'running';
  } finally {
    handle.close();
  }
}

function duplicateStatus(process: NtHandle, handle: bigint, access: number | 'same'): { status: number; copy?: NtHandle } {
  const slot = handleSlot();
  const same = access === 'same';
  const status = ntdll().NtDuplicateObject(
    process.value, handle, CURRENT_PROCESS, slot, same ? 0 : access, 0, same ? DUPLICATE_SAME_ACCESS : 0,
  ) >>> 0;
  return ntSuccess(status) ? { status, copy: takeHandle(slot) } : { status };
}

/** Copies another process's handle into this one with the same access; undefined when the OS refuses. */
export function duplicateFrom(process: NtHandle, handle: bigint): NtHandle | undefined {
  return duplicateStatus(process, handle, 'same').copy;
}

/**
 * Copies a handle with exactly `access` (the holder's own handle may lack it: a waiter often opens
 * with SYNCHRONIZE only), then with the holder's access. Vanished when the handle is closed.
 */
export function duplicateChecked(process: NtHandle, handle: bigint, access: number, subject: string): NtHandle {
  const exact = duplicateStatus(process, handle, access);
  if (exact.copy) return exact.copy;
  const same = duplicateStatus(process, handle, 'same');
  if (same.copy) return same.copy;
  if (same.status === STATUS.INVALID_HANDLE) {
    throw new NativeError('vanished', 'NtDuplicateObject', `${subject} is closed`, 'STATUS_INVALID_HANDLE');
  }
  if (same.status === STATUS.PROCESS_IS_TERMINATING) {
    throw new NativeError('vanished', 'NtDuplicateObject', `${subject}: the process is exiting`, 'STATUS_PROCESS_IS_TERMINATING');
  }
  throw statusError(same.status, 'NtDuplicateObject', subject);
}

/** Process handles opened on first need during one walk, closed together. */
export class OpenedProcesses implements Disposable {
  readonly #opened = new Map<number, NtHandle | undefined>();
  constructor(readonly access = PROCESS_DUP_HANDLE) {}

  /** The process's handle, or undefined when it cannot be opened (access denied, exited). */
  get(pid: number): NtHandle | undefined {
    if (!this.#opened.has(pid)) this.#opened.set(pid, openProcess(pid, this.access));
    return this.#opened.get(pid);
  }

  close(): void {
    for (const handle of this.#opened.values()) handle?.close();
    this.#opened.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * "37 processes could not be opened (run elevated)": the advice depends on whether this process
 * already has SeDebugPrivilege, with which only protected processes (and those that exited
 * meanwhile) stay closed.
 */
export function unopenedProcesses(count: number): string {
  const privilege = enableDebugPrivilege();
  return privilege.enabled
    ? unreadableSummary(count, 'could not be opened', 'protected processes, or they exited; SeDebugPrivilege is enabled')
    : unreadableSummary(count, 'could not be opened', 'run elevated');
}

export interface SyncHandleVisit {
  entry: HandleEntry;
  kind: SampledKind;
  typeName: string;
  /** A copy in this process, closed when the visit returns. */
  copy: NtHandle;
  owner: NtHandle;
}

export interface WalkResult {
  /** Processes whose handles could not be read (opening them was refused, or they exited). */
  unreadablePids: number[];
}

/**
 * Visits every handle of the entries that refers to an event, mutant, semaphore or timer, with a
 * copy in this process. Handles of a type already known to be something else are skipped without
 * a copy; the copy of an unknown type is made once per type index. This process's own handles
 * are skipped unless `includeSelf`.
 */
export function walkSyncHandles(
  entries: Iterable<HandleEntry>,
  source: HandleSource,
  ownerOf: (pid: number) => NtHandle | undefined,
  visit: (visit: SyncHandleVisit) => void,
  includeSelf = false,
): WalkResult {
  const unreadable = new Set<number>();
  for (const entry of entries) {
    if ((!includeSelf && entry.pid === process.pid) || unreadable.has(entry.pid)) continue;
    const known = knownTypeName(source, entry.typeIndex);
    if (known !== undefined && !sampledKindOfType(known)) continue;
    const owner = ownerOf(entry.pid);
    if (!owner) {
      unreadable.add(entry.pid);
      continue;
    }
    const copy = duplicateFrom(owner, entry.handle);
    if (!copy) continue; // closed since the snapshot, or a type that cannot be copied
    try {
      const typeName = known ?? learnTypeName(source, entry.typeIndex, copy.value);
      const kind = sampledKindOfType(typeName);
      if (kind) visit({ entry, kind, typeName: typeName!, copy, owner });
    } finally {
      copy.close();
    }
  }
  return { unreadablePids: [...unreadable].sort((a, b) => a - b) };
}
