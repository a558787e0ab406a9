// One process's handles: NtQueryInformationProcess(ProcessHandleInformation) where the OS has it
// (Windows 8+), else that process's rows of the system handle table. Wine 8 answers the class
// with STATUS_INVALID_INFO_CLASS, so there the system table is the source.
import type { NtHandle } from './handle';
import { ntdll } from './ntdll';
import { STATUS, ntSuccess, statusName } from './ntstatus';
import { listHandles, type HandleEntry } from './system-info';
import { CURRENT_PROCESS, ProcessHandleInformation } from './structs';

/** Where a handle list came from: type indexes are compared only within one source. */
export type HandleSource = 'process-snapshot' | 'system-table';

export interface ProcessHandleList {
  pid: number;
  entries: HandleEntry[];
  source: HandleSource;
  /** Why the per-process snapshot was not used, when it was not. */
  snapshotUnavailable?: string;
}

// PROCESS_HANDLE_SNAPSHOT_INFORMATION (phnt ntpsapi.h, x64): NumberOfHandles ULONG_PTR @0,
// Reserved ULONG_PTR @8, Handles[] @16. PROCESS_HANDLE_TABLE_ENTRY_INFO: HandleValue @0,
// HandleCount @8, PointerCount @16, GrantedAccess @24, ObjectTypeIndex @28, HandleAttributes @32,
// Reserved @36; 40 bytes.
export const SNAPSHOT_HEADER_SIZE = 16;
export const SNAPSHOT_ENTRY_SIZE = 40;

/** Decodes a PROCESS_HANDLE_SNAPSHOT_INFORMATION of `length` valid bytes; throws if the count overruns it. */
export function decodeProcessHandleSnapshot(buffer: Buffer, pid: number, length = buffer.length): HandleEntry[] {
  if (length < SNAPSHOT_HEADER_SIZE) throw new RangeError(`a handle snapshot needs ${SNAPSHOT_HEADER_SIZE} bytes, got ${length}`);
  const count = buffer.readBigUInt64LE(0);
  const fits = BigInt(Math.floor((length - SNAPSHOT_HEADER_SIZE) / SNAPSHOT_ENTRY_SIZE));
  if (count > fits) throw new RangeError(`a handle snapshot claims ${count} entries but ${length} bytes hold ${fits}`);
  const entries: HandleEntry[] = new Array(Number(count));
  for (let i = 0; i < entries.length; i++) {
    const e = SNAPSHOT_HEADER_SIZE + i * SNAPSHOT_ENTRY_SIZE;
    entries[i] = {
      pid,
      handle: buffer.readBigUInt64LE(e),
      grantedAccess: buffer.readUInt32LE(e + 24),
      typeIndex: buffer.readUInt32LE(e + 28),
    };
  }
  return entries;
}

const MAX_SNAPSHOT = 64 << 20;
let snapshotBuffer = Buffer.alloc(64 * 1024);
const returned = Buffer.alloc(4);
/** Set once the OS has said it lacks the class: later lists go straight to the system table. */
let snapshotUnsupported: string | undefined;

/** Null when this OS has a per-process handle snapshot (probed on this process); otherwise why not. */
export function processSnapshotUnsupportedReason(): string | null {
  const result = querySnapshot(CURRENT_PROCESS, process.pid);
  return typeof result === 'string' ? result : null;
}

/** The snapshot, or why not (the caller falls back to the system table). */
function querySnapshot(processHandle: bigint, pid: number): HandleEntry[] | string {
  if (snapshotUnsupported) return snapshotUnsupported;
  for (;;) {
    const status = ntdll().NtQueryInformationProcess(
      processHandle, ProcessHandleInformation, snapshotBuffer, snapshotBuffer.length, returned,
    ) >>> 0;
    if (status === STATUS.INFO_LENGTH_MISMATCH || status === STATUS.BUFFER_TOO_SMALL || status === STATUS.BUFFER_OVERFLOW) {
      const needed = Math.max(returned.readUInt32LE(0) + 4096, snapshotBuffer.length * 2);
      if (needed > MAX_SNAPSHOT) return `the handle snapshot of process ${pid} needs more than ${MAX_SNAPSHOT} bytes`;
      snapshotBuffer = Buffer.alloc(needed);
      continue;
    }
    const reason = `NtQueryInformationProcess(ProcessHandleInformation) returned ${statusName(status)}`;
    if (status === STATUS.INVALID_INFO_CLASS || status === STATUS.NOT_IMPLEMENTED || status === STATUS.NOT_SUPPORTED) {
      snapshotUnsupported = `${reason}: this OS has no per-process handle snapshot (Windows 8+)`;
      return snapshotUnsupported;
    }
    if (!ntSuccess(status)) return `${reason} for process ${pid}`;
    return decodeProcessHandleSnapshot(snapshotBuffer, pid, Math.min(returned.readUInt32LE(0) || snapshotBuffer.length, snapshotBuffer.length));
  }
}

/**
 * The handles of process `pid`. `process` is a handle to it with PROCESS_QUERY_INFORMATION (the
 * snapshot's right); without one, or where the OS lacks the snapshot, the system table is read.
 */
export function listProcessHandles(pid: number, process?: NtHandle): ProcessHandleList {
  const snapshot = process ? querySnapshot(process.value, pid) : 'the process could not be opened with PROCESS_QUERY_INFORMATION';
  if (typeof snapshot !== 'string') return { pid, entries: snapshot, source: 'process-snapshot' };
  return {
    pid,
    entries: listHandles().filter((entry) => entry.pid === pid),
    source: 'system-table',
    snapshotUnavailable: snapshot,
  };
}
