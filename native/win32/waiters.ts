// Which threads wait on an object. Windows tells through ThreadLastSystemCall: for a thread
// blocked in NtWaitForSingleObject its first argument is the handle it waits on, which we
// duplicate and name. Wine does not implement the class, so this is probed at run time.
import type { WaiterResult } from '../backend';
import type { Waiter } from '../types';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { duplicateFrom, objectName, openProcess } from './holders';
import { kernel32, ntdll, readMemory } from './ntdll';
import { STATUS, ntSuccess, statusName } from './ntstatus';
import { listProcesses } from './system-info';
import {
  PROCESS_DUP_HANDLE,
  THREAD_GET_CONTEXT,
  THREAD_QUERY_INFORMATION,
  ThreadLastSystemCall,
  clientId,
  objectAttributes,
} from './structs';

const THREAD_STATE_WAITING = 5;

/**
 * The syscall number in an x64 ntdll stub: `mov r10, rcx` (4C 8B D1) then `mov eax, imm32`
 * (B8 xx xx xx xx). Undefined when the bytes are not such a stub (hooked, or not Windows).
 */
export function syscallNumberFromStub(stub: Uint8Array): number | undefined {
  if (stub.length < 8) return undefined;
  if (stub[0] !== 0x4c || stub[1] !== 0x8b || stub[2] !== 0xd1 || stub[3] !== 0xb8) return undefined;
  return (stub[4] | (stub[5] << 8) | (stub[6] << 16) | (stub[7] << 24)) >>> 0;
}

/** THREAD_LAST_SYSCALL_INFORMATION: FirstArgument (PVOID) then SystemCallNumber (USHORT). */
export function decodeLastSyscall(info: Buffer): { firstArgument: bigint; syscall: number } {
  return { firstArgument: info.readBigUInt64LE(0), syscall: info.readUInt16LE(8) };
}

function waitSyscallNumber(): number | undefined {
  const k32 = kernel32();
  const module = k32.GetModuleHandleW('ntdll.dll');
  if (!module) return undefined;
  const address = k32.GetProcAddress(module, 'NtWaitForSingleObject');
  return address ? syscallNumberFromStub(readMemory(address, 8)) : undefined;
}

const lastSyscall = Buffer.alloc(24);

function openThread(pid: number, tid: number): NtHandle | undefined {
  const slot = handleSlot();
  const status = ntdll().NtOpenThread(
    slot, THREAD_QUERY_INFORMATION | THREAD_GET_CONTEXT, objectAttributes(null), clientId(pid, tid),
  );
  return ntSuccess(status) ? takeHandle(slot) : undefined;
}

/** Null when waiters can be found here; otherwise why not. */
export function waitersUnsupportedReason(): string | null {
  const single = waitSyscallNumber();
  if (single === undefined) {
    return 'the NtWaitForSingleObject stub in ntdll is not a plain syscall stub, so its syscall number is unknown';
  }
  const self = listProcesses().find((p) => p.pid === process.pid);
  const tid = self?.threads[0]?.tid;
  if (tid === undefined) return 'this process does not appear in the process list';
  const thread = openThread(process.pid, tid);
  if (!thread) return 'cannot open a thread of this process for query';
  try {
    const status = ntdll().NtQueryInformationThread(thread.value, ThreadLastSystemCall, lastSyscall, lastSyscall.length, null) >>> 0;
    if (status === STATUS.NOT_IMPLEMENTED || status === STATUS.INVALID_INFO_CLASS) {
      return `NtQueryInformationThread(ThreadLastSystemCall) returned ${statusName(status)}: the OS does not say which object a thread waits on`;
    }
    return null;
  } finally {
    thread.close();
  }
}

/**
 * Threads of other processes blocked in NtWaitForSingleObject on one of the given paths.
 * Threads in NtWaitForMultipleObjects are not resolved: the syscall's first argument is a count.
 */
export function findWaiters(paths: Iterable<string>): WaiterResult {
  const wanted = new Map<string, string>();
  const result = new Map<string, Waiter[]>();
  /** Processes with waiting threads that could not be opened (another user's, protected ones). */
  const unread = new Set<number>();
  for (const path of paths) {
    wanted.set(path.toLowerCase(), path);
    result.set(path, []);
  }
  const single = waitSyscallNumber();
  if (single === undefined || wanted.size === 0) return { waiters: result };
  for (const proc of listProcesses()) {
    if (proc.pid === process.pid || proc.pid === 0) continue;
    const waiting = proc.threads.filter((t) => t.state === THREAD_STATE_WAITING);
    if (waiting.length === 0) continue;
    const owner = openProcess(proc.pid, PROCESS_DUP_HANDLE);
    if (!owner) {
      unread.add(proc.pid);
      continue;
    }
    try {
      for (const thread of waiting) {
        const handle = openThread(proc.pid, thread.tid);
        if (!handle) {
          unread.add(proc.pid);
          continue;
        }
        try {
          const status = ntdll().NtQueryInformationThread(handle.value, ThreadLastSystemCall, lastSyscall, lastSyscall.length, null);
          if (!ntSuccess(status)) continue;
          const call = decodeLastSyscall(lastSyscall);
          if (call.syscall !== single) continue;
          const copy = duplicateFrom(owner, call.firstArgument);
          if (!copy) continue;
          try {
            const name = objectName(copy.value);
            const path = name === undefined ? undefined : wanted.get(name.toLowerCase());
            if (path) result.get(path)!.push({ pid: proc.pid, tid: thread.tid, processName: proc.name });
          } finally {
            copy.close();
          }
        } finally {
          handle.close();
        }
      }
    } finally {
      owner.close();
    }
  }
  if (unread.size === 0) return { waiters: result };
  const pids = [...unread].sort((a, b) => a - b);
  const shown = pids.slice(0, 20).join(', ') + (pids.length > 20 ? ', ...' : '');
  return { waiters: result, incomplete: `${pids.length} process(es) with waiting threads could not be opened (pids ${shown}); run as their user or elevated` };
}
