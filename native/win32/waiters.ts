// Which threads wait on an object. Windows tells through ThreadLastSystemCall: for a thread
// blocked in NtWaitForSingleObject its first argument is the handle it waits on, which we
// duplicate and name. Wine does not implement the class, so this is probed at run time.
import type { WaiterResult } from '../backend';
import type { Waiter } from '../types';
import { duplicateFrom, objectName, openProcess } from './foreign-handles';
import { lastSyscallUnsupportedReason, openThreadForQuery, queryLastSyscall, syscallNumberOf } from './last-syscall';
import { listProcesses } from './system-info';
import { PROCESS_DUP_HANDLE } from './structs';

const THREAD_STATE_WAITING = 5;

/** Null when waiters can be found here; otherwise why not. */
export const waitersUnsupportedReason = lastSyscallUnsupportedReason;

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
  const single = syscallNumberOf('NtWaitForSingleObject');
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
