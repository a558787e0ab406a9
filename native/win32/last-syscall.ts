// ThreadLastSystemCall: the system call a waiting thread is blocked in and its first argument
// (the handle, for NtWaitForSingleObject), plus how long it has waited on Windows 8 and later.
// Wine 8 answers STATUS_NOT_IMPLEMENTED, so support is probed once at run time.
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { kernel32, ntdll, readMemory } from './ntdll';
import { STATUS, ntSuccess, statusName } from './ntstatus';
import { listProcesses } from './system-info';
import { exportTableRange, readExports, resolveSyscallNumbers, syscallNumberFromStub, type SyscallTable } from './syscall-numbers';
import { GENERIC_ALL_SYNC, THREAD_GET_CONTEXT, THREAD_QUERY_INFORMATION, ThreadLastSystemCall, clientId, objectAttributes } from './structs';

export { syscallNumberFromStub } from './syscall-numbers';

// THREAD_LAST_SYSCALL_INFORMATION (phnt ntpsapi.h, x64): FirstArgument PVOID @0,
// SystemCallNumber USHORT @8, Pad USHORT[3] @10 (since REDSTONE2), WaitTime ULONG64 @16; 24 bytes.
// Windows 7 writes only the first 16 bytes (System Informer asks for FIELD_OFFSET(.., WaitTime)).
export const LAST_SYSCALL_SIZE = 24;
export const LAST_SYSCALL_SIZE_WITHOUT_WAIT_TIME = 16;

export interface LastSyscall {
  firstArgument: bigint;
  syscall: number;
  /** How long the thread has waited, in 100 ns units; absent where the OS does not write it. */
  waitTime100ns?: bigint;
}

/** Decodes THREAD_LAST_SYSCALL_INFORMATION; `length` is what the OS wrote (16 leaves WaitTime out). */
export function decodeLastSyscall(info: Buffer, length = info.length): LastSyscall {
  if (length < LAST_SYSCALL_SIZE_WITHOUT_WAIT_TIME) {
    throw new RangeError(`THREAD_LAST_SYSCALL_INFORMATION needs ${LAST_SYSCALL_SIZE_WITHOUT_WAIT_TIME} bytes, got ${length}`);
  }
  const call: LastSyscall = { firstArgument: info.readBigUInt64LE(0), syscall: info.readUInt16LE(8) };
  if (length >= LAST_SYSCALL_SIZE) call.waitTime100ns = info.readBigUInt64LE(16);
  return call;
}

/** The ntdll calls a blocked thread is commonly in; their numbers come from syscall-numbers.ts. */
export const WAIT_SYSCALLS = [
  'NtWaitForSingleObject',
  'NtWaitForMultipleObjects',
  'NtSignalAndWaitForSingleObject',
  'NtWaitForAlertByThreadId',
  'NtWaitForKeyedEvent',
  'NtDelayExecution',
  'NtRemoveIoCompletion',
  'NtRemoveIoCompletionEx',
  'NtAlpcSendWaitReceivePort',
  'NtReplyWaitReceivePort',
  'NtWaitForWorkViaWorkerFactory',
  'NtReadFile',
  'NtWriteFile',
  'NtDeviceIoControlFile',
  'NtFsControlFile',
] as const;
/**
 * MsgWaitForMultipleObjects(Ex) blocks in win32u's NtUserMsgWaitForMultipleObjectsEx (Windows 10+),
 * a win32k call numbered from 0x1000; only its stub tells its number.
 */
export const MSG_WAIT_SYSCALL = 'NtUserMsgWaitForMultipleObjectsEx';
export type WaitSyscall = (typeof WAIT_SYSCALLS)[number] | typeof MSG_WAIT_SYSCALL;

/**
 * The image of a loaded module from its base through its export data, or undefined when not
 * loaded. Exported code (.text) lies before the export data; a stub past the view reads as none.
 */
function loadedImage(module: string): Buffer | undefined {
  const base = kernel32().GetModuleHandleW(module);
  if (!base) return undefined;
  const headers = readMemory(base, 4096);
  const exports = exportTableRange(headers);
  return exports ? readMemory(base, exports.rva + exports.size) : undefined;
}

let table: SyscallTable | undefined;

/** This ntdll's numbers of WAIT_SYSCALLS (and win32u's MsgWait call), and why any is unknown. */
export function waitSyscallTable(): SyscallTable {
  if (table) return table;
  const ntdllImage = loadedImage('ntdll.dll');
  const stubAt = (image: Buffer) => (rva: number) => image.subarray(rva, rva + 8);
  const unreadable = 'ntdll.dll is not loaded, or its export table cannot be read';
  table = ntdllImage
    ? resolveSyscallNumbers(WAIT_SYSCALLS, readExports(ntdllImage), stubAt(ntdllImage))
    : { numbers: new Map(), unknown: new Map(WAIT_SYSCALLS.map((n) => [n, unreadable])), order: { agreeing: 0, disagreeing: 0, trusted: false } };
  const win32u = loadedImage('win32u.dll');
  const msgWait = win32u ? readExports(win32u).find((entry) => entry.name === MSG_WAIT_SYSCALL) : undefined;
  const msgWaitNumber = msgWait && win32u ? syscallNumberFromStub(win32u.subarray(msgWait.rva, msgWait.rva + 8)) : undefined;
  if (msgWaitNumber !== undefined) table.numbers.set(MSG_WAIT_SYSCALL, msgWaitNumber);
  else table.unknown.set(MSG_WAIT_SYSCALL, win32u ? `the ${MSG_WAIT_SYSCALL} stub in win32u is not a plain x64 syscall stub` : 'win32u.dll is not loaded, or its export table cannot be read');
  return table;
}

let syscallNames: Map<number, WaitSyscall> | undefined;

/** Number -> name of the wait calls whose numbers are known. */
export function waitSyscallNames(): Map<number, WaitSyscall> {
  syscallNames ??= new Map([...waitSyscallTable().numbers].map(([name, number]) => [number, name as WaitSyscall]));
  return syscallNames;
}

export function syscallNumberOf(name: WaitSyscall): number | undefined {
  return waitSyscallTable().numbers.get(name);
}

export function openThreadForQuery(pid: number, tid: number): { handle?: NtHandle; status: number } {
  const slot = handleSlot();
  const status = ntdll().NtOpenThread(
    slot, THREAD_QUERY_INFORMATION | THREAD_GET_CONTEXT, objectAttributes(null), clientId(pid, tid),
  ) >>> 0;
  return ntSuccess(status) ? { handle: takeHandle(slot), status } : { status };
}

const info = Buffer.alloc(LAST_SYSCALL_SIZE);
const returned = Buffer.alloc(4);

/** The thread's last system call, or the NTSTATUS that refused it. */
export function queryLastSyscall(thread: NtHandle): LastSyscall | { status: number } {
  const nt = ntdll();
  let status = nt.NtQueryInformationThread(thread.value, ThreadLastSystemCall, info, LAST_SYSCALL_SIZE, returned) >>> 0;
  let length = LAST_SYSCALL_SIZE;
  if (status === STATUS.INFO_LENGTH_MISMATCH) {
    length = LAST_SYSCALL_SIZE_WITHOUT_WAIT_TIME; // before Windows 8
    status = nt.NtQueryInformationThread(thread.value, ThreadLastSystemCall, info, length, returned) >>> 0;
  }
  if (!ntSuccess(status)) return { status };
  return decodeLastSyscall(info, Math.min(length, returned.readUInt32LE(0) || length));
}

/** What querying one thread of this process said while the probe's thread waited. */
export type ProbeObservation = LastSyscall | { status: number };

const CLASS_MISSING = [STATUS.NOT_IMPLEMENTED, STATUS.INVALID_INFO_CLASS] as number[];

/**
 * The probe's verdict: null when some thread was reported in NtWaitForSingleObject (`syscall`) on
 * exactly the handle it waits on; otherwise why the OS's answer cannot be used. A running thread
 * proves nothing (the call it was last in is not a wait), so only a known wait counts.
 */
export function judgeWaitProbe(expected: { syscall: number; handle: bigint }, observed: readonly ProbeObservation[], waitedMs: number): string | null {
  if (observed.some((o) => !('status' in o) && o.syscall === expected.syscall && o.firstArgument === expected.handle)) return null;
  const refused = observed.filter((o): o is { status: number } => 'status' in o);
  const missing = refused.find((o) => CLASS_MISSING.includes(o.status));
  if (missing) return classMissing(missing.status);
  if (observed.length === 0) return 'no other thread of this process could be queried while one waited: which object a thread waits on cannot be confirmed';
  if (refused.length === observed.length) {
    return `NtQueryInformationThread(ThreadLastSystemCall) returned ${statusName(refused[0].status)} for every thread of this process while one waited: which object a thread waits on cannot be confirmed`;
  }
  return `no thread of this process was reported in NtWaitForSingleObject (syscall ${hexOf(expected.syscall)}) on handle ${hexOf(expected.handle)} within ${waitedMs} ms, though one waited on it: the OS's ThreadLastSystemCall, or this ntdll's syscall numbers, cannot be trusted here`;
}

function classMissing(status: number): string {
  return `NtQueryInformationThread(ThreadLastSystemCall) returned ${statusName(status)}: the OS does not say which object a thread waits on`;
}

const hexOf = (value: number | bigint) => `0x${value.toString(16)}`;

const PROBE_MS = 2000;
const pause = new Int32Array(new SharedArrayBuffer(4));
/** Relative 10 s: the probe's waiting thread never blocks for good. Module-level: the async call reads it later. */
const probeTimeout = Buffer.alloc(8);
probeTimeout.writeBigInt64LE(-10n * 10_000_000n);

/**
 * Makes a thread of this process wait on a fresh unnamed event (koffi runs the wait on a worker
 * thread) and asks the OS what each other thread of this process waits on, until one is reported
 * waiting on that event or PROBE_MS pass. The event is set and closed afterwards.
 */
function probeWaitingThread(syscall: number): string | null {
  const nt = ntdll();
  const slot = handleSlot();
  const created = nt.NtCreateEvent(slot, GENERIC_ALL_SYNC, null, 0 /* manual reset */, 0) >>> 0;
  if (!ntSuccess(created)) return `NtCreateEvent returned ${statusName(created)}: cannot make a thread wait to probe ThreadLastSystemCall`;
  const event = takeHandle(slot);
  let closeWhenDone = false;
  nt.NtWaitForSingleObject.async(event.value, 0, probeTimeout, () => {
    if (closeWhenDone) event.close();
  });
  const self = kernel32().GetCurrentThreadId();
  const started = Date.now();
  let observed: ProbeObservation[] = [];
  let verdict: string | null = 'not probed';
  while (Date.now() - started < PROBE_MS) {
    observed = [];
    const threads = listProcesses().find((p) => p.pid === process.pid)?.threads ?? [];
    for (const { tid } of threads) {
      if (tid === self) continue;
      const { handle } = openThreadForQuery(process.pid, tid);
      if (!handle) continue;
      try {
        observed.push(queryLastSyscall(handle));
      } finally {
        handle.close();
      }
    }
    verdict = judgeWaitProbe({ syscall, handle: event.value }, observed, Date.now() - started);
    if (verdict === null || observed.some((o) => 'status' in o && CLASS_MISSING.includes(o.status))) break;
    Atomics.wait(pause, 0, 0, 20);
  }
  nt.NtSetEvent(event.value, null);
  // A satisfied wait no longer uses the handle; one not seen waiting may not have started yet, so
  // its handle stays open until the call returns (else the wait could start on a reused value).
  if (verdict === null) event.close();
  else closeWhenDone = true;
  return verdict;
}

let unsupportedReason: string | null | undefined;

/**
 * Null when the OS says which call a thread waits in and on what; otherwise why not. Probed once:
 * the syscall number of NtWaitForSingleObject must be known, the class must exist, and a thread of
 * this process known to wait on an event must be reported waiting on exactly that event.
 */
export function lastSyscallUnsupportedReason(): string | null {
  if (unsupportedReason !== undefined) return unsupportedReason;
  const syscall = syscallNumberOf('NtWaitForSingleObject');
  if (syscall === undefined) return (unsupportedReason = waitSyscallTable().unknown.get('NtWaitForSingleObject')!);
  // The calling thread runs, so its answer cannot confirm anything; but a missing class shows here.
  const { handle: thread } = openThreadForQuery(process.pid, kernel32().GetCurrentThreadId());
  if (thread) {
    try {
      const own = queryLastSyscall(thread);
      if ('status' in own && CLASS_MISSING.includes(own.status)) return (unsupportedReason = classMissing(own.status));
    } finally {
      thread.close();
    }
  }
  return (unsupportedReason = probeWaitingThread(syscall));
}
