// Which threads wait on an object. Windows tells through ThreadLastSystemCall: for a thread
// blocked in NtWaitForSingleObject its first argument is the handle it waits on, which we
// duplicate and match: a named object by its name, any object by CompareObjectHandles against a
// copy of it. Wine does not implement the class, so this is probed at run time.
import type { WaiterResult } from '../backend';
import type { SampledKind, Waiter } from '../types';
import { duplicateFrom, objectTypeName, openProcess, unopenedProcesses } from './foreign-handles';
import type { NtHandle } from './handle';
import { ObjectMatcher, type ObjectTarget } from './holders';
import { lastSyscallUnsupportedReason, openThreadForQuery, queryLastSyscall, syscallNumberOf } from './last-syscall';
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

/**
 * Visits every thread of the other processes of `processes` (the process list, read by the caller)
 * blocked in NtWaitForSingleObject on an event, mutant, semaphore or timer. Threads in
 * NtWaitForMultipleObjects are not resolved: the call's first argument is a count. Returns the
 * pids of processes with waiting threads that could not be read.
 */
export function walkSingleObjectWaits(processes: readonly ProcessInfo[], visit: (wait: SingleObjectWait) => void): number[] {
  const unread = new Set<number>();
  const single = syscallNumberOf('NtWaitForSingleObject');
  if (single === undefined || lastSyscallUnsupportedReason() !== null) return [];
  const statesKnown = threadStatesUnsupportedReason() === null;
  for (const proc of processes) {
    if (proc.pid === process.pid || proc.pid === 0) continue;
    const waiting = statesKnown ? proc.threads.filter((t) => t.state === THREAD_STATE_WAITING) : proc.threads;
    if (waiting.length === 0) continue;
    const owner = openProcess(proc.pid, PROCESS_DUP_HANDLE);
    if (!owner) {
      unread.add(proc.pid);
      continue;
    }
    try {
      for (const thread of waiting) {
        const { handle } = openThreadForQuery(proc.pid, thread.tid);
        if (!handle) {
          unread.add(proc.pid);
          continue;
        }
        try {
          const call = queryLastSyscall(handle);
          if ('status' in call || call.syscall !== single) continue;
          const copy = duplicateFrom(owner, call.firstArgument);
          if (!copy) continue;
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
  return [...unread].sort((a, b) => a - b);
}

/** Threads of other processes blocked on each of the given paths (named) and object targets (any). */
export function findWaiters(paths: Iterable<string>, objects: readonly ObjectTarget[] = []): WaiterResult {
  const named = [...paths];
  const matcher = new ObjectMatcher(named, objects);
  const result = new Map<string, Waiter[]>();
  for (const path of named) result.set(path, []);
  for (const target of objects) result.set(target.key, []);
  if (result.size === 0) return { waiters: result };
  const unread = walkSingleObjectWaits(listProcesses(), ({ process: proc, tid, copy, kind }) => {
    const waiter = { pid: proc.pid, tid, processName: proc.name };
    matcher.match(copy, kind, (key) => result.get(key)!.push(waiter));
  });
  if (unread.length === 0) return { waiters: result };
  return { waiters: result, incomplete: unopenedProcesses(unread.length), unreadablePids: [...unread].sort((a, b) => a - b) };
}
