// ThreadLastSystemCall: the system call a waiting thread is blocked in and its first argument
// (the handle, for NtWaitForSingleObject), plus how long it has waited on Windows 8 and later.
// Wine 8 answers STATUS_NOT_IMPLEMENTED, so support is probed once at run time.
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { kernel32, ntdll, readMemory } from './ntdll';
import { STATUS, ntSuccess, statusName } from './ntstatus';
import { listProcesses } from './system-info';
import { THREAD_GET_CONTEXT, THREAD_QUERY_INFORMATION, ThreadLastSystemCall, clientId, objectAttributes } from './structs';

/**
 * The syscall number in an x64 ntdll stub: `mov r10, rcx` (4C 8B D1) then `mov eax, imm32`
 * (B8 xx xx xx xx). Undefined when the bytes are not such a stub (hooked, or not Windows).
 */
export function syscallNumberFromStub(stub: Uint8Array): number | undefined {
  if (stub.length < 8) return undefined;
  if (stub[0] !== 0x4c || stub[1] !== 0x8b || stub[2] !== 0xd1 || stub[3] !== 0xb8) return undefined;
  return (stub[4] | (stub[5] << 8) | (stub[6] << 16) | (stub[7] << 24)) >>> 0;
}

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

/** The ntdll calls a blocked thread is commonly in; their numbers are read from this ntdll's stubs. */
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
export type WaitSyscall = (typeof WAIT_SYSCALLS)[number];

let syscallNames: Map<number, WaitSyscall> | undefined;

/** This ntdll's syscall numbers of WAIT_SYSCALLS (those whose stubs are plain). */
export function waitSyscallNames(): Map<number, WaitSyscall> {
  if (syscallNames) return syscallNames;
  syscallNames = new Map();
  const k32 = kernel32();
  const module = k32.GetModuleHandleW('ntdll.dll');
  if (!module) return syscallNames;
  for (const name of WAIT_SYSCALLS) {
    const address = k32.GetProcAddress(module, name);
    const number = address ? syscallNumberFromStub(readMemory(address, 8)) : undefined;
    if (number !== undefined) syscallNames.set(number, name);
  }
  return syscallNames;
}

export function syscallNumberOf(name: WaitSyscall): number | undefined {
  for (const [number, known] of waitSyscallNames()) if (known === name) return number;
  return undefined;
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

let unsupportedReason: string | null | undefined;

/** Null when the OS says which call a thread waits in; otherwise why not. Probed once. */
export function lastSyscallUnsupportedReason(): string | null {
  if (unsupportedReason !== undefined) return unsupportedReason;
  if (syscallNumberOf('NtWaitForSingleObject') === undefined) {
    return (unsupportedReason = 'the NtWaitForSingleObject stub in ntdll is not a plain syscall stub, so its syscall number is unknown');
  }
  const tid = listProcesses().find((p) => p.pid === process.pid)?.threads[0]?.tid;
  if (tid === undefined) return 'this process does not appear in the process list';
  const { handle: thread } = openThreadForQuery(process.pid, tid);
  if (!thread) return 'cannot open a thread of this process for query';
  try {
    const result = queryLastSyscall(thread);
    if ('status' in result && (result.status === STATUS.NOT_IMPLEMENTED || result.status === STATUS.INVALID_INFO_CLASS)) {
      return (unsupportedReason = `NtQueryInformationThread(ThreadLastSystemCall) returned ${statusName(result.status)}: the OS does not say which object a thread waits on`);
    }
    return (unsupportedReason = null);
  } finally {
    thread.close();
  }
}
