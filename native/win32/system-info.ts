// NtQuerySystemInformation snapshots: the process list (names, threads) and the handle table.
import { NativeError } from '../errors';
import { processRunState } from './foreign-handles';
import { addressOf, ntdll } from './ntdll';
import { STATUS, check } from './ntstatus';
import { SystemExtendedHandleInformation, SystemProcessInformation, readUnicodeString } from './structs';

const MAX_BUFFER = 512 << 20;
let scratch = Buffer.alloc(1 << 20);
const returned = Buffer.alloc(4);

/** Queries a variable-size class, growing the shared buffer until it fits. */
function querySystem(infoClass: number, op: string): Buffer {
  for (;;) {
    const status = ntdll().NtQuerySystemInformation(infoClass, scratch, scratch.length, returned) >>> 0;
    if (status === STATUS.INFO_LENGTH_MISMATCH || status === STATUS.BUFFER_TOO_SMALL) {
      const needed = Math.max(returned.readUInt32LE(0) + 64 * 1024, scratch.length * 2);
      if (needed > MAX_BUFFER) check(status, op);
      scratch = Buffer.alloc(needed);
      continue;
    }
    check(status, op);
    return scratch;
  }
}

export interface ThreadInfo {
  tid: number;
  /** KTHREAD_STATE: 5 = Waiting. */
  state: number;
  /** KWAIT_REASON: 6 = UserRequest. */
  waitReason: number;
}

export interface ProcessInfo {
  pid: number;
  parentPid: number;
  name: string;
  sessionId: number;
  handleCount: number;
  threads: ThreadInfo[];
}

// SYSTEM_PROCESS_INFORMATION (x64) offsets.
const P_NEXT = 0;
const P_THREADS = 4;
const P_IMAGE_NAME = 56;
const P_PID = 80;
const P_PARENT = 88;
const P_HANDLES = 96;
const P_SESSION = 100;
const P_SIZE = 256;
// SYSTEM_THREAD_INFORMATION (x64).
const T_SIZE = 80;
const T_TID = 48;
const T_STATE = 68;
const T_WAIT_REASON = 72;

export function listProcesses(): ProcessInfo[] {
  const buffer = querySystem(SystemProcessInformation, 'NtQuerySystemInformation(SystemProcessInformation)');
  const base = addressOf(buffer);
  const processes: ProcessInfo[] = [];
  let offset = 0;
  for (;;) {
    const pid = Number(buffer.readBigUInt64LE(offset + P_PID));
    const threadCount = buffer.readUInt32LE(offset + P_THREADS);
    const threads: ThreadInfo[] = [];
    for (let i = 0; i < threadCount; i++) {
      const t = offset + P_SIZE + i * T_SIZE;
      if (t + T_SIZE > buffer.length) break;
      threads.push({
        tid: Number(buffer.readBigUInt64LE(t + T_TID)),
        state: buffer.readUInt32LE(t + T_STATE),
        waitReason: buffer.readUInt32LE(t + T_WAIT_REASON),
      });
    }
    processes.push({
      pid,
      parentPid: Number(buffer.readBigUInt64LE(offset + P_PARENT)),
      name: pid === 0 ? 'System Idle Process' : readUnicodeString(buffer, offset + P_IMAGE_NAME, base),
      sessionId: buffer.readUInt32LE(offset + P_SESSION),
      handleCount: buffer.readUInt32LE(offset + P_HANDLES),
      threads,
    });
    const next = buffer.readUInt32LE(offset + P_NEXT);
    if (next === 0) break;
    offset += next;
  }
  return processes;
}

function noProcess(pid: number): NativeError {
  return new NativeError('not-found', 'findProcess', `no process ${pid}`, 'STATUS_INVALID_CID');
}

/** One process from the process list; not-found when there is none with that pid. */
export function findProcess(pid: number): ProcessInfo {
  const found = listProcesses().find((p) => p.pid === pid);
  if (!found) throw noProcess(pid);
  return found;
}

/**
 * Throws not-found, as findProcess would now, when a process of a list read earlier has exited
 * since: one look at that process instead of a new list of every process. A pid that opens as no
 * process is a gone one, or the idle process (pid 0), which no one opens: the list tells which.
 * One that cannot be opened at all (refused) is taken as running; the reads that follow say why not.
 */
export function checkStillRunning(listed: ProcessInfo): void {
  const state = processRunState(listed.pid);
  if (state === 'exited' || (state === 'absent' && !listProcesses().some((p) => p.pid === listed.pid))) throw noProcess(listed.pid);
}

export interface HandleEntry {
  pid: number;
  handle: bigint;
  grantedAccess: number;
  typeIndex: number;
}

// SYSTEM_HANDLE_INFORMATION_EX header and SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX (x64).
const H_HEADER = 16;
const H_SIZE = 40;
const H_PID = 8;
const H_HANDLE = 16;
const H_ACCESS = 24;
const H_TYPE_INDEX = 30;

/**
 * The system's handle table. The entries' `Object` addresses are deliberately not read: Wine
 * reports 0 and recent Windows hides them from callers without SeDebugPrivilege.
 */
export function listHandles(): HandleEntry[] {
  const buffer = querySystem(SystemExtendedHandleInformation, 'NtQuerySystemInformation(SystemExtendedHandleInformation)');
  const count = Number(buffer.readBigUInt64LE(0));
  const entries: HandleEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const e = H_HEADER + i * H_SIZE;
    entries[i] = {
      pid: Number(buffer.readBigUInt64LE(e + H_PID)),
      handle: buffer.readBigUInt64LE(e + H_HANDLE),
      grantedAccess: buffer.readUInt32LE(e + H_ACCESS),
      typeIndex: buffer.readUInt16LE(e + H_TYPE_INDEX),
    };
  }
  return entries;
}
