// How long a blocked thread has waited, from a single look: the time since it last ran.
//
// /proc/<pid>/task/<tid>/sched (CONFIG_SCHED_DEBUG) prints `se.exec_start`: when the scheduler
// last accounted the task, which for a task that went to sleep is when it stopped running. It is
// read on its CPU's task clock, and task clocks of different CPUs disagree (each leaves out its own
// interrupt and steal time: measured here, two CPUs 300 ms apart after 12 s). So this thread moves
// to the blocked thread's CPU and compares with its own `se.exec_start` there: same clock, and
// ours is at most now, so the difference is at most the real time since the thread last ran. A
// thread that has not run since then has been in its present call all along: a lower bound of
// its wait ("at least"), never more.
import fs from 'node:fs';
import { errnoName, lastErrno, libc } from './libc';
import { parseExecStart, parseStat } from './parse';
import { readProc } from './procfs';

export interface BlockedThreadRef {
  pid: number;
  tid: number;
  /** The CPU it last ran on (/proc/.../stat field 39). */
  cpu: number;
}

export type SinceLastRan = { ms: number } | { unavailable: string };

/** Room for 1,024 CPUs in a cpu_set_t. */
const MASK_BYTES = 128;
const SELF_SCHED = '/proc/thread-self/sched';

function readExecStart(path: string, pid = 0): bigint | undefined {
  const text = readProc(path, pid);
  return text === undefined ? undefined : parseExecStart(text);
}

function lastCpu(pid: number, tid: number): number | undefined {
  const text = readProc(`/proc/${pid}/task/${tid}/stat`, pid);
  return text === undefined ? undefined : parseStat(text)?.processor;
}

/** Why durations cannot be read on this kernel at all, or null when they can. */
export function schedClockProblem(): string | null {
  if (!fs.existsSync(SELF_SCHED)) {
    return 'this kernel has no /proc/<pid>/task/<tid>/sched (CONFIG_SCHED_DEBUG), so a single look cannot tell how long a thread has waited';
  }
  return readExecStart(SELF_SCHED) === undefined ? `${SELF_SCHED} has no se.exec_start line on this kernel` : null;
}

/** The time since each thread last ran, read on each thread's CPU; this thread's CPUs are restored. */
export function timeSinceLastRan(threads: readonly BlockedThreadRef[]): Map<number, SinceLastRan> {
  const result = new Map<number, SinceLastRan>();
  if (threads.length === 0) return result;
  const problem = schedClockProblem();
  if (problem) {
    for (const thread of threads) result.set(thread.tid, { unavailable: problem });
    return result;
  }
  const byCpu = new Map<number, BlockedThreadRef[]>();
  for (const thread of threads) {
    const list = byCpu.get(thread.cpu);
    if (list) list.push(thread);
    else byCpu.set(thread.cpu, [thread]);
  }
  const original = Buffer.alloc(MASK_BYTES);
  if (libc().sched_getaffinity(0, MASK_BYTES, original) !== 0) {
    const reason = `sched_getaffinity failed (${errnoName(lastErrno())}), so the clocks of other CPUs cannot be read`;
    for (const thread of threads) result.set(thread.tid, { unavailable: reason });
    return result;
  }
  try {
    for (const [cpu, list] of byCpu) measureOnCpu(cpu, list, result);
  } finally {
    libc().sched_setaffinity(0, MASK_BYTES, original);
  }
  return result;
}

function measureOnCpu(cpu: number, threads: BlockedThreadRef[], result: Map<number, SinceLastRan>): void {
  const mask = Buffer.alloc(MASK_BYTES);
  const settable = cpu >= 0 && cpu < MASK_BYTES * 8;
  if (settable) mask[cpu >> 3] = 1 << (cpu & 7);
  if (!settable || libc().sched_setaffinity(0, MASK_BYTES, mask) !== 0) {
    const why = settable ? errnoName(lastErrno()) : 'out of range';
    for (const thread of threads) {
      result.set(thread.tid, { unavailable: `SyncScope may not run on CPU ${cpu} (${why}) to read the clock the thread last ran by` });
    }
    return;
  }
  for (const thread of threads) {
    const theirs = readExecStart(`/proc/${thread.pid}/task/${thread.tid}/sched`, thread.pid);
    // Read after moving: this thread runs on `cpu` now, so its own start is on the same clock.
    const ours = readExecStart(SELF_SCHED);
    if (theirs === undefined || ours === undefined) {
      result.set(thread.tid, { unavailable: `/proc/${thread.pid}/task/${thread.tid}/sched could not be read` });
    } else if (theirs <= 0n) {
      result.set(thread.tid, { unavailable: 'the scheduler keeps no start time for this thread (it moved between CPUs)' });
    } else if (lastCpu(thread.pid, thread.tid) !== cpu) {
      result.set(thread.tid, { unavailable: 'the thread ran on another CPU while it was being read' });
    } else {
      const ns = ours - theirs;
      result.set(thread.tid, { ms: ns > 0n ? Number(ns / 1000n) / 1000 : 0 });
    }
  }
}
