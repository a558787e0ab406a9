// Which threads wait on an object. Windows tells through ThreadLastSystemCall: for a thread
// blocked in NtWaitForSingleObject its first argument is the handle it waits on, which we
// duplicate and match: a named object by its name, any object by CompareObjectHandles against a
// copy of it. Wine does not implement the class, so this is probed at run time.
import type { WaiterResult } from '../backend';
import type { SampledKind, Waiter } from '../types';
import { duplicateFrom, objectTypeName, openProcess, unopenedProcesses } from './foreign-handles';
import type { NtHandle } from './handle';
import { ObjectMatcher, type ObjectTarget } from './holders';
import { MSG_WAIT_SYSCALL, lastSyscallUnsupportedReason, openThreadForQuery, queryLastSyscall, syscallNumberOf } from './last-syscall';
import { STATUS, statusName } from './ntstatus';
import { listProcesses, type ProcessInfo } from './system-info';
import { PROCESS_DUP_HANDLE } from './structs';
import { threadStatesUnsupportedReason } from './thread-waits';
import { sampledKindOfType } from './type-names';

const THREAD_STATE_WAITING = 5;

/** A thread blocked in NtWaitForSingleObject on an event, mutant, semaphore or timer. */
export interface SingleObjectWait {
  process: ProcessInfo;
  tid: number;
  /** The handle it waits on, in its process, and a copy in this one (closed after the visit). */
  handle: bigint;
  copy: NtHandle;
  kind: SampledKind;
}

/** What a walk of waiting threads could not read, so that an empty answer is not taken as the whole truth. */
export interface WaitGaps {
  /** Processes with waiting threads that could not be opened to copy handles from. */
  unopenedPids: number[];
  /** Waiting threads whose last system call could not be read, counted by the NTSTATUS that refused it. */
  unqueried: Map<number, number>;
  /** Threads in NtWaitForMultipleObjects or MsgWaitForMultipleObjects: only the count is told, not the handles. */
  multipleWaits: number;
}

export function noGaps(): WaitGaps {
  return { unopenedPids: [], unqueried: new Map(), multipleWaits: 0 };
}

/** Why threads in a multiple-object wait are not resolved (the caller says what that leaves out). */
export function multipleWaitsNote(count: number): string {
  return `${count} thread(s) wait in NtWaitForMultipleObjects or MsgWaitForMultipleObjects, whose handles SyncScope cannot see ` +
    '(ThreadLastSystemCall gives only the first argument, the count)';
}

/**
 * The gaps in one line, or undefined when there are none. The unopened processes are a count with
 * advice (`unopened`, which asks the privilege state); their pids travel beside the line.
 */
export function describeWaitGaps(gaps: WaitGaps, unopened: (count: number) => string = unopenedProcesses): string | undefined {
  const parts: string[] = [];
  if (gaps.unopenedPids.length > 0) parts.push(unopened(gaps.unopenedPids.length));
  const refused = [...gaps.unqueried].sort((a, b) => b[1] - a[1]);
  if (refused.length > 0) {
    const total = refused.reduce((sum, [, count]) => sum + count, 0);
    const statuses = refused.map(([status, count]) => `${statusName(status)}${refused.length > 1 ? ` x${count}` : ''}`).join(', ');
    parts.push(`what ${total} waiting thread(s) wait on could not be read (${statuses})`);
  }
  if (gaps.multipleWaits > 0) parts.push(`${multipleWaitsNote(gaps.multipleWaits)}: they may wait on these objects too`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/**
 * Visits every thread of the other processes of `processes` (the process list, read by the caller)
 * blocked in NtWaitForSingleObject on an event, mutant, semaphore or timer. Threads in
 * NtWaitForMultipleObjects (or MsgWaitForMultipleObjects) are counted, not resolved: the call's
 * first argument is a count. Returns what could not be read.
 */
export function walkSingleObjectWaits(processes: readonly ProcessInfo[], visit: (wait: SingleObjectWait) => void): WaitGaps {
  const gaps = noGaps();
  const unopened = new Set<number>();
  const single = syscallNumberOf('NtWaitForSingleObject');
  if (single === undefined || lastSyscallUnsupportedReason() !== null) return gaps;
  const multiple = new Set([syscallNumberOf('NtWaitForMultipleObjects'), syscallNumberOf(MSG_WAIT_SYSCALL)].filter((n) => n !== undefined));
  const statesKnown = threadStatesUnsupportedReason() === null;
  const refused = (status: number) => gaps.unqueried.set(status, (gaps.unqueried.get(status) ?? 0) + 1);
  for (const proc of processes) {
    if (proc.pid === process.pid || proc.pid === 0) continue;
    const waiting = statesKnown ? proc.threads.filter((t) => t.state === THREAD_STATE_WAITING) : proc.threads;
    if (waiting.length === 0) continue;
    const owner = openProcess(proc.pid, PROCESS_DUP_HANDLE);
    if (!owner) {
      unopened.add(proc.pid);
      continue;
    }
    try {
      for (const thread of waiting) {
        const { handle, status } = openThreadForQuery(proc.pid, thread.tid);
        if (!handle) {
          // A thread that exited since the list was read waits on nothing.
          if (status !== STATUS.INVALID_CID) refused(status);
          continue;
        }
        try {
          const call = queryLastSyscall(handle);
          if ('status' in call) {
            refused(call.status);
            continue;
          }
          if (multiple.has(call.syscall)) gaps.multipleWaits++;
          if (call.syscall !== single) continue;
          const copy = duplicateFrom(owner, call.firstArgument);
          if (!copy) continue; // the thread's wait ended and the handle was closed since
          try {
            const kind = sampledKindOfType(objectTypeName(copy.value));
            if (kind) visit({ process: proc, tid: thread.tid, handle: call.firstArgument, copy, kind });
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
  gaps.unopenedPids = [...unopened].sort((a, b) => a - b);
  return gaps;
}

/** Threads of other processes blocked on each of the given paths (named) and object targets (any). */
export function findWaiters(paths: Iterable<string>, objects: readonly ObjectTarget[] = []): WaiterResult {
  const named = [...paths];
  const matcher = new ObjectMatcher(named, objects);
  const result = new Map<string, Waiter[]>();
  for (const path of named) result.set(path, []);
  for (const target of objects) result.set(target.key, []);
  if (result.size === 0) return { waiters: result };
  const gaps = walkSingleObjectWaits(listProcesses(), ({ process: proc, tid, copy, kind }) => {
    const waiter = { pid: proc.pid, tid, processName: proc.name };
    matcher.match(copy, kind, (key) => result.get(key)!.push(waiter));
  });
  const incomplete = describeWaitGaps(gaps);
  if (!incomplete) return { waiters: result };
  return gaps.unopenedPids.length ? { waiters: result, incomplete, unreadablePids: gaps.unopenedPids } : { waiters: result, incomplete };
}
