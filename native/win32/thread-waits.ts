// What each thread of a process is blocked in, and on what: the thread's state and wait reason
// from the process list, then ThreadLastSystemCall for the call and its first argument, resolved
// to the object behind the handle (an event, mutant, semaphore or timer with its state, or the
// process or thread it waits for). Where the OS lacks ThreadLastSystemCall (Wine 8) each waiting
// thread says so instead of naming a target.
import { isNativeError } from '../errors';
import type { ObjectState, SampledKind } from '../types';
import { duplicateChecked, duplicateFrom, objectTypeName, openProcessChecked, syncObjectName } from './foreign-handles';
import type { NtHandle } from './handle';
import { hex } from './identity';
import { MSG_WAIT_SYSCALL, lastSyscallUnsupportedReason, openThreadForQuery, queryLastSyscall, waitSyscallNames } from './last-syscall';
import { kernel32, ntdll } from './ntdll';
import { ntSuccess, statusName } from './ntstatus';
import { describeHandle, stateOf, type Identify } from './process-objects';
import { checkStillRunning, findProcess, type ProcessInfo, type ThreadInfo } from './system-info';
import {
  PROCESS_DUP_HANDLE,
  PROCESS_QUERY_LIMITED_INFORMATION,
  ProcessBasicInformation,
  THREAD_QUERY_LIMITED_INFORMATION,
  ThreadBasicInformation,
} from './structs';
import { sampledKindOfType } from './type-names';

// KTHREAD_STATE and KWAIT_REASON, in the order of phnt ntkeapi.h.
const KTHREAD_STATES = [
  'Initialized', 'Ready', 'Running', 'Standby', 'Terminated', 'Waiting', 'Transition', 'DeferredReady',
  'GateWaitObsolete', 'WaitingForProcessInSwap',
] as const;
const THREAD_STATES = [
  'initialized', 'ready', 'running', 'standby', 'terminated', 'waiting', 'transition', 'deferred-ready',
  'gate-wait', 'waiting-for-process-in-swap',
] as const;
export type ThreadStateName = (typeof THREAD_STATES)[number] | 'unknown';
const WAIT_REASONS = [
  'Executive', 'FreePage', 'PageIn', 'PoolAllocation', 'DelayExecution', 'Suspended', 'UserRequest',
  'WrExecutive', 'WrFreePage', 'WrPageIn', 'WrPoolAllocation', 'WrDelayExecution', 'WrSuspended',
  'WrUserRequest', 'WrEventPair', 'WrQueue', 'WrLpcReceive', 'WrLpcReply', 'WrVirtualMemory', 'WrPageOut',
  'WrRendezvous', 'WrKeyedEvent', 'WrTerminated', 'WrProcessInSwap', 'WrCpuRateControl', 'WrCalloutStack',
  'WrKernel', 'WrResource', 'WrPushLock', 'WrMutex', 'WrQuantumEnd', 'WrDispatchInt', 'WrPreempted',
  'WrYieldExecution', 'WrFastMutex', 'WrGuardedMutex', 'WrRundown', 'WrAlertByThreadId', 'WrDeferredPreempt',
  'WrPhysicalFault', 'WrIoRing', 'WrMdlCache', 'WrRcu',
] as const;
const THREAD_RUNNING = 2;
const THREAD_WAITING = 5;

export function threadStateName(state: number): ThreadStateName {
  return THREAD_STATES[state] ?? 'unknown';
}

/** The OS's own words: `Waiting (UserRequest)`, `Running`. */
export function osStateOf(state: number, waitReason: number): string {
  const name = KTHREAD_STATES[state] ?? `KTHREAD_STATE ${state}`;
  return state === THREAD_WAITING ? `${name} (${waitReasonName(waitReason)})` : name;
}

export function waitReasonName(reason: number): string {
  return WAIT_REASONS[reason] ?? `KWAIT_REASON ${reason}`;
}

/** What a blocked thread waits for, as far as the OS tells. */
export type WaitTarget =
  /** An event, mutant, semaphore or timer; `path` when it has a name, `identity` (when asked for) when not. */
  | { type: 'object'; handle: bigint; kind: SampledKind; path?: string; identity?: string; state?: ObjectState }
  /** A process handle: the thread waits for that process to exit. */
  | { type: 'process'; handle: bigint; pid: number }
  /** A thread handle: the thread waits for that thread to exit. */
  | { type: 'thread'; handle: bigint; pid: number; tid: number }
  /** A handle of another type (a file, a port...). */
  | { type: 'other'; handle: bigint; typeName: string }
  /** The handle could not be copied (closed since, or refused). */
  | { type: 'unreadable'; handle: bigint; reason: string }
  /**
   * NtWaitForMultipleObjects, or win32u's NtUserMsgWaitForMultipleObjectsEx (MsgWaitForMultipleObjects):
   * the first argument is the count; the handle array is the second, which ThreadLastSystemCall does not give.
   */
  | { type: 'multiple'; call: 'NtWaitForMultipleObjects' | typeof MSG_WAIT_SYSCALL; count: number }
  /** NtWaitForAlertByThreadId (critical sections, SRW locks, WaitOnAddress) on this address. */
  | { type: 'address'; address: bigint }
  /** NtDelayExecution: Sleep. */
  | { type: 'sleep' };

export interface ThreadWait {
  tid: number;
  state: ThreadStateName;
  /** The OS's own words for the state (`Waiting (UserRequest)`), or `not reported`. */
  osState: string;
  /** The KWAIT_REASON name while waiting (UserRequest, WrAlertByThreadId...). */
  waitReason?: string;
  /** The system call it is blocked in (a name where this ntdll's stubs tell, else its number). */
  syscall?: string;
  /** How long it has waited: ThreadLastSystemCall's WaitTime (Windows 8+), read as 100 ns units. */
  waitedMs?: number;
  target?: WaitTarget;
  /** Why the target is unknown, where it is. */
  unavailable?: string;
}

export interface ProcessThreadWaits {
  pid: number;
  processName: string;
  threads: ThreadWait[];
  /** Set when this OS does not report thread states (every state is then 'unknown'), and why. */
  statesUnavailable?: string;
  /** Set when no thread's target can be known on this OS, and why. */
  targetsUnavailable?: string;
}

let statesUnsupported: string | null | undefined;

/**
 * Null when the process list reports thread states; otherwise why not. The thread asking is
 * running when the kernel takes the snapshot, so any other state for it means the states are not
 * real (Wine 8 reports every thread as Initialized, 0). Probed once.
 */
export function threadStatesUnsupportedReason(): string | null {
  if (statesUnsupported !== undefined) return statesUnsupported;
  const tid = kernel32().GetCurrentThreadId();
  const self = findProcess(process.pid).threads.find((thread) => thread.tid === tid);
  if (!self) return 'this thread is missing from the process list';
  statesUnsupported = self.state === THREAD_RUNNING
    ? null
    : `the process list reports this running thread as ${threadStateName(self.state)} (KTHREAD_STATE ${self.state}): this OS does not report thread states`;
  return statesUnsupported;
}

const basicInfo = Buffer.alloc(48);

/** PROCESS_BASIC_INFORMATION (x64): UniqueProcessId @32. */
function processIdOf(copy: NtHandle): number | undefined {
  const status = ntdll().NtQueryInformationProcess(copy.value, ProcessBasicInformation, basicInfo, 48, null);
  return ntSuccess(status) ? Number(basicInfo.readBigUInt64LE(32)) : undefined;
}

/** THREAD_BASIC_INFORMATION (x64): ClientId { UniqueProcess @16, UniqueThread @24 }. */
function threadIdOf(copy: NtHandle): { pid: number; tid: number } | undefined {
  const status = ntdll().NtQueryInformationThread(copy.value, ThreadBasicInformation, basicInfo, 48, null);
  return ntSuccess(status) ? { pid: Number(basicInfo.readBigUInt64LE(16)), tid: Number(basicInfo.readBigUInt64LE(24)) } : undefined;
}

/** A query of a copy made with exactly `access`, closed afterwards; undefined when refused. */
function withCopy<T>(owner: NtHandle, handle: bigint, access: number, query: (copy: NtHandle) => T | undefined): T | undefined {
  let copy: NtHandle;
  try {
    copy = duplicateChecked(owner, handle, access, '');
  } catch {
    return undefined;
  }
  try {
    return query(copy);
  } finally {
    copy.close();
  }
}

/** What the handle `handle` of the process behind `owner` refers to. */
export function resolveWaitHandle(owner: NtHandle, pid: number, handle: bigint, identify?: Identify): WaitTarget {
  const copy = duplicateFrom(owner, handle);
  if (!copy) return { type: 'unreadable', handle, reason: `${describeHandle({ pid, handle })} could not be copied (closed since, or refused)` };
  try {
    const typeName = objectTypeName(copy.value) ?? '';
    const kind = sampledKindOfType(typeName);
    if (kind) {
      const target: WaitTarget = { type: 'object', handle, kind };
      const name = syncObjectName(copy.value, kind);
      if (name) target.path = name;
      else if (identify) target.identity = identify({ pid, handle }, kind, copy);
      try {
        target.state = stateOf(kind, copy, owner, { pid, handle }, 0);
      } catch {
        // The target is known without its state; the caller samples it again anyway.
      }
      return target;
    }
    if (typeName === 'Process') {
      const waitedPid = withCopy(owner, handle, PROCESS_QUERY_LIMITED_INFORMATION, processIdOf);
      if (waitedPid !== undefined) return { type: 'process', handle, pid: waitedPid };
    }
    if (typeName === 'Thread') {
      const ids = withCopy(owner, handle, THREAD_QUERY_LIMITED_INFORMATION, threadIdOf);
      if (ids) return { type: 'thread', handle, ...ids };
    }
    return { type: 'other', handle, typeName: typeName || 'unknown' };
  } finally {
    copy.close();
  }
}

/** The target a system call's first argument names. */
export function targetOf(syscall: string | undefined, firstArgument: bigint, resolveHandle: (handle: bigint) => WaitTarget): WaitTarget | undefined {
  switch (syscall) {
    case 'NtWaitForSingleObject':
      return resolveHandle(firstArgument);
    case 'NtWaitForMultipleObjects':
    case MSG_WAIT_SYSCALL:
      return { type: 'multiple', call: syscall, count: Number(firstArgument & 0xffffffffn) };
    case 'NtWaitForAlertByThreadId':
      return { type: 'address', address: firstArgument };
    case 'NtDelayExecution':
      return { type: 'sleep' };
    default:
      return undefined;
  }
}

interface Support {
  states: boolean;
  /** Why wait targets are unknown on this OS; null when they are known. */
  targets: string | null;
}

function waitOfThread(thread: ThreadInfo, pid: number, owner: NtHandle | undefined, support: Support, identify?: Identify): ThreadWait {
  const wait: ThreadWait = support.states
    ? { tid: thread.tid, state: threadStateName(thread.state), osState: osStateOf(thread.state, thread.waitReason) }
    : { tid: thread.tid, state: 'unknown', osState: 'not reported' };
  if (support.states && thread.state !== THREAD_WAITING) return wait;
  if (support.states) wait.waitReason = waitReasonName(thread.waitReason);
  const unsupported = support.targets;
  if (unsupported) {
    wait.unavailable = unsupported;
    return wait;
  }
  const opened = openThreadForQuery(pid, thread.tid);
  if (!opened.handle) {
    wait.unavailable = `NtOpenThread(${thread.tid}) returned ${statusName(opened.status)}`;
    return wait;
  }
  try {
    const call = queryLastSyscall(opened.handle);
    if ('status' in call) {
      wait.unavailable = `NtQueryInformationThread(ThreadLastSystemCall) returned ${statusName(call.status)} for thread ${thread.tid}`;
      return wait;
    }
    wait.syscall = waitSyscallNames().get(call.syscall) ?? `syscall ${hex(call.syscall)}`;
    if (call.waitTime100ns !== undefined) wait.waitedMs = Number(call.waitTime100ns / 10_000n);
    const target = owner ? targetOf(wait.syscall, call.firstArgument, (handle) => resolveWaitHandle(owner, pid, handle, identify)) : undefined;
    if (target) wait.target = target;
    else if (!owner) wait.unavailable = `process ${pid} cannot be opened with PROCESS_DUP_HANDLE, so the handle it waits on cannot be resolved`;
    else wait.unavailable = `${wait.syscall} does not name what it waits for in its first argument`;
    return wait;
  } finally {
    opened.handle.close();
  }
}

/**
 * Every thread of a listed process, as that list has it, with its state and, for waiting threads,
 * what it waits on. Not-found when the process has exited since the list was read.
 */
export function readThreadWaits(listed: ProcessInfo, identify?: Identify): ProcessThreadWaits {
  const { pid } = listed;
  checkStillRunning(listed);
  const statesUnavailable = threadStatesUnsupportedReason();
  const unsupported = lastSyscallUnsupportedReason();
  const support = { states: statesUnavailable === null, targets: unsupported };
  let owner: NtHandle | undefined;
  if (!unsupported) {
    try {
      owner = openProcessChecked(pid, PROCESS_DUP_HANDLE);
    } catch (error) {
      if (!isNativeError(error) || error.kind !== 'access-denied') throw error;
    }
  }
  try {
    const threads = listed.threads.map((thread) => waitOfThread(thread, pid, owner, support, identify));
    return {
      pid,
      processName: listed.name,
      threads,
      ...(statesUnavailable ? { statesUnavailable } : {}),
      ...(unsupported ? { targetsUnavailable: unsupported } : {}),
    };
  } finally {
    owner?.close();
  }
}
