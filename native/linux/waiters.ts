// Which thread waits on what: every thread's /proc/<pid>/task/<tid>/syscall names the system call
// it is blocked in and its arguments.
//   POSIX semaphore  futex(addr, FUTEX_WAIT[_BITSET]) with addr inside a mapping of the
//                    semaphore's file (matched by device and inode: the creator's mapping is of
//                    glibc's temporary file, whose name maps shows as deleted)
//   System V set     semtimedop(semid, ...) or semop(semid, ...)
//   file lock        flock(fd, ...) or fcntl(fd, F_SETLKW | F_OFD_SETLKW, ...), fd on the inode
//   child process    wait4(pid) or waitid(P_PID, pid) (any child: every child of the process)
// decodeBlockedCall reads one call; the inspector decodes each thread's call with it too.
import { MAX_WAITER_OPERATIONS, type Waiter } from '../types';
import type { LockRecord, SyscallLine } from './parse';
import { FUTEX_PRIVATE_FLAG, decodeSembufs, intArg } from './parse';
import { readProcessMemory } from './remote-memory';
import {
  ProcessNames,
  fdTarget,
  listPids,
  listTids,
  newTally,
  parentPid,
  readMaps,
  readSyscall,
  type ReadTally,
} from './procfs';
import type { MapsLine } from './parse';
import { SEM_FILE_SIZE } from './names';
import {
  FUTEX_CMD_MASK,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  F_OFD_SETLKW,
  F_SETLKW,
  P_ALL,
  P_PGID,
  P_PID,
  syscallTable,
  type SyscallTable,
} from './syscalls';

interface Thread {
  pid: number;
  tid: number;
}

export interface BlockedThreads {
  futex: Array<Thread & { address: bigint }>;
  /** sops and nsops: where the blocked call's operations are, in the waiter's memory. */
  semop: Array<Thread & { semid: number; sops: bigint; nsops: number }>;
  locks: Array<Thread & { fd: number; ofd: boolean; device?: string; inode?: number }>;
  /** child -1: any child. */
  children: Array<Thread & { child: number }>;
  tally: ReadTally;
}

/** What a thread blocked in a system call waits on, from the call's number and arguments. */
export type BlockedCall =
  /** futex(FUTEX_WAIT[_BITSET]) on the word at `address`, while it holds `expected`. */
  | { kind: 'futex'; address: bigint; privateFutex: boolean; expected: number }
  /** semop or semtimedop: `nsops` struct sembuf at `sops`, in the waiter's memory. */
  | { kind: 'semop'; semid: number; sops: bigint; nsops: number }
  /** flock, or fcntl(F_SETLKW) (`ofd`: F_OFD_SETLKW) on descriptor `fd`. */
  | { kind: 'lock'; fd: number; ofd: boolean }
  /**
   * wait4 or waitid. child > 0: that child; -1: any child; 0: any in the caller's group; < -1: any
   * in group -child. `group`: waitid(P_PGID, pgid), child -pgid (0 for the caller's group).
   */
  | { kind: 'child'; call: 'wait4' | 'waitid'; child: number; group?: true };

/** The wait a blocked call makes, or undefined when the call is not one that waits on an object. */
export function decodeBlockedCall(call: SyscallLine, table: SyscallTable): BlockedCall | undefined {
  const [a0, a1, a2] = call.args;
  switch (call.nr) {
    case table.futex: {
      const op = Number(a1 & BigInt(FUTEX_CMD_MASK));
      if (op !== FUTEX_WAIT && op !== FUTEX_WAIT_BITSET) return undefined;
      const privateFutex = (Number(a1 & 0xffn) & FUTEX_PRIVATE_FLAG) !== 0;
      return { kind: 'futex', address: a0, privateFutex, expected: Number(BigInt.asUintN(32, a2)) };
    }
    case table.semop:
    case table.semtimedop:
      return { kind: 'semop', semid: intArg(a0), sops: a1, nsops: Number(BigInt.asUintN(32, a2)) };
    case table.flock:
      return { kind: 'lock', fd: intArg(a0), ofd: false };
    case table.fcntl: {
      const cmd = intArg(a1);
      return cmd === F_SETLKW || cmd === F_OFD_SETLKW ? { kind: 'lock', fd: intArg(a0), ofd: cmd === F_OFD_SETLKW } : undefined;
    }
    case table.wait4:
      return { kind: 'child', call: 'wait4', child: intArg(a0) };
    case table.waitid: {
      const idType = intArg(a0);
      if (idType === P_PID) return { kind: 'child', call: 'waitid', child: intArg(a1) };
      if (idType === P_ALL) return { kind: 'child', call: 'waitid', child: -1 };
      if (idType === P_PGID) return { kind: 'child', call: 'waitid', child: -intArg(a1) || 0, group: true };
      return undefined;
    }
    default:
      return undefined;
  }
}

/** One pass over every thread of every other process (this process is left out, as for holders). */
export function scanBlockedThreads(arch: string = process.arch): BlockedThreads {
  const table = syscallTable(arch);
  const result: BlockedThreads = { futex: [], semop: [], locks: [], children: [], tally: newTally() };
  if (!table) return result;
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    for (const tid of listTids(pid, result.tally)) {
      const call = readSyscall(pid, tid, result.tally);
      if (!call) continue;
      const blocked = decodeBlockedCall(call, table);
      switch (blocked?.kind) {
        case 'futex':
          result.futex.push({ pid, tid, address: blocked.address });
          break;
        case 'semop':
          result.semop.push({ pid, tid, semid: blocked.semid, sops: blocked.sops, nsops: blocked.nsops });
          break;
        case 'lock':
          result.locks.push({ pid, tid, fd: blocked.fd, ofd: blocked.ofd });
          break;
        case 'child':
          // A wait on a process group is decoded for the inspector only (matchChildWaits reads
          // child -1 as any child, which waitid(P_PGID, 1) is not).
          if (!blocked.group) result.children.push({ pid, tid, child: blocked.child });
          break;
      }
    }
  }
  for (const wait of result.locks) {
    const target = fdTarget(wait.pid, wait.fd, result.tally);
    wait.device = target?.device;
    wait.inode = target?.inode;
  }
  return result;
}

/** Threads in futex waits on a word inside each wanted semaphore file. */
export function matchSemaphoreWaiters(
  blocked: BlockedThreads,
  wanted: Map<string, string>,
  names: ProcessNames,
  mapsOf: (pid: number) => MapsLine[] | undefined = (pid) => readMaps(pid, blocked.tally),
): Map<string, Waiter[]> {
  const result = new Map<string, Waiter[]>();
  const cache = new Map<number, MapsLine[] | undefined>();
  for (const wait of blocked.futex) {
    if (!cache.has(wait.pid)) cache.set(wait.pid, mapsOf(wait.pid));
    const mapping = cache.get(wait.pid)?.find((m) => wait.address >= m.start && wait.address < m.end);
    if (!mapping) continue;
    const path = wanted.get(`${mapping.device}/${mapping.inode}`);
    if (!path) continue;
    const fileOffset = mapping.offset + (wait.address - mapping.start);
    if (fileOffset >= BigInt(SEM_FILE_SIZE)) continue;
    push(result, path, { pid: wait.pid, tid: wait.tid, processName: names.get(wait.pid) });
  }
  return result;
}

export function matchSysvWaiters(
  blocked: BlockedThreads,
  wanted: Map<number, string>,
  names: ProcessNames,
  readMemory: (pid: number, address: bigint, length: number) => Uint8Array | undefined = readProcessMemory,
): Map<string, Waiter[]> {
  const result = new Map<string, Waiter[]>();
  for (const wait of blocked.semop) {
    const path = wanted.get(wait.semid);
    if (!path) continue;
    const waiter: Waiter = { pid: wait.pid, tid: wait.tid, processName: names.get(wait.pid) };
    // Which semaphores it waits on, and for what: the sembuf array its call was given.
    const count = Math.min(wait.nsops, MAX_WAITER_OPERATIONS);
    const bytes = count > 0 ? readMemory(wait.pid, wait.sops, count * 6) : undefined;
    if (bytes) waiter.operations = decodeSembufs(bytes);
    push(result, path, waiter);
  }
  return result;
}

/**
 * Threads blocked on each lock, by record id and blocked-request index. A request with a pid
 * takes that process's first unclaimed thread blocked on the same inode. OFD requests carry no
 * pid (-1): they take threads in fcntl(F_OFD_SETLKW) on the inode when exactly one lock on the
 * inode has such requests (otherwise which lock each waits behind is not known, and they stay
 * unresolved).
 */
export function matchLockWaiters(records: LockRecord[], blocked: BlockedThreads): Map<string, Array<Thread | undefined>> {
  const result = new Map<string, Array<Thread | undefined>>();
  const claimed = new Set<number>();
  const onInode = (record: LockRecord) =>
    blocked.locks.filter((w) => w.device === record.device && w.inode === record.inode && !claimed.has(w.tid));
  const anonymousByInode = new Map<string, number>();
  for (const record of records) {
    if (record.blocked.some((b) => b.pid <= 0)) {
      const key = `${record.device}/${record.inode}`;
      anonymousByInode.set(key, (anonymousByInode.get(key) ?? 0) + 1);
    }
  }
  for (const record of records) {
    const threads: Array<Thread | undefined> = [];
    for (const request of record.blocked) {
      if (request.pid <= 0) {
        threads.push(undefined);
        continue;
      }
      const thread = onInode(record).find((w) => w.pid === request.pid);
      if (thread) claimed.add(thread.tid);
      threads.push(thread ? { pid: thread.pid, tid: thread.tid } : undefined);
    }
    result.set(record.id, threads);
  }
  // Second pass: OFD requests, once every request with a pid has its thread.
  for (const record of records) {
    if (anonymousByInode.get(`${record.device}/${record.inode}`) !== 1) continue;
    const threads = result.get(record.id)!;
    record.blocked.forEach((request, index) => {
      if (request.pid > 0) return;
      const thread = onInode(record).find((w) => w.ofd);
      if (!thread) return;
      claimed.add(thread.tid);
      threads[index] = { pid: thread.pid, tid: thread.tid };
    });
  }
  return result;
}

/** Parents blocked until a child exits: wait4/waitid on one child, or on any (every child). */
export function matchChildWaits(blocked: BlockedThreads): Array<{ parentPid: number; parentTid: number; childPid: number }> {
  const result: Array<{ parentPid: number; parentTid: number; childPid: number }> = [];
  let childrenOf: Map<number, number[]> | undefined;
  for (const wait of blocked.children) {
    if (wait.child > 0) {
      result.push({ parentPid: wait.pid, parentTid: wait.tid, childPid: wait.child });
    } else if (wait.child === -1) {
      childrenOf ??= childrenTable();
      for (const child of childrenOf.get(wait.pid) ?? []) result.push({ parentPid: wait.pid, parentTid: wait.tid, childPid: child });
    }
  }
  return result;
}

function childrenTable(): Map<number, number[]> {
  const table = new Map<number, number[]>();
  for (const pid of listPids()) {
    const parent = parentPid(pid);
    if (parent === undefined) continue;
    const list = table.get(parent);
    if (list) list.push(pid);
    else table.set(parent, [pid]);
  }
  return table;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
