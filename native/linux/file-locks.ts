// File locks from /proc/locks: flock(2), POSIX fcntl(2) and open-file-description (OFD) locks,
// each with the requests blocked behind it. Read-only: SyncScope never breaks a lock.
//
// /proc/locks says which process took a lock (-1 for OFD locks) and names the file only by
// device and inode. The path comes from a descriptor on that inode, looked up in the holder's
// and waiters' /proc/<pid>/fd; the holder of an OFD lock (or of an flock() whose taker exited
// while a child kept the descriptor) from the process whose /proc/<pid>/fdinfo/<fd> lists the
// lock. Both lookups are cached for a moment, since a sampler reads every lock many times a second.
import fs from 'node:fs';
import { NativeError } from '../errors';
import type { FileLockState, ObjectEntry } from '../types';
import { fsError } from './errno';
import { LOCKS_SOURCE, LOCK_PREFIX } from './names';
import { parseLockLine, parseLocks, type LockRecord } from './parse';
import { fdPath, fdTarget, listFds, listPids, readProc, type ReadTally } from './procfs';

export function readLockRecords(): LockRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(LOCKS_SOURCE, 'latin1');
  } catch (error) {
    throw fsError(error, 'read', LOCKS_SOURCE);
  }
  return parseLocks(text);
}

export function scanFileLocks(records = readLockRecords()): ObjectEntry[] {
  return records.map((record) => ({
    kind: 'file-lock',
    name: record.id,
    path: LOCK_PREFIX + record.id,
    directory: LOCKS_SOURCE,
    typeName: record.lockType,
  }));
}

export function findLock(id: string, records = readLockRecords()): LockRecord {
  const record = records.find((r) => r.id === id);
  if (!record) throw new NativeError('not-found', 'open', `no file lock ${LOCK_PREFIX}${id} (it may have been released)`, 'ENOENT');
  return record;
}

// ---- descriptors on an inode -------------------------------------------------------------------

export interface InodeFd {
  pid: number;
  fd: number;
}

/** Descriptors of the given processes (all when omitted) that refer to one inode. */
export function fdsOnInode(device: string, inode: number, pids?: Iterable<number>, tally?: ReadTally): InodeFd[] {
  const found: InodeFd[] = [];
  for (const pid of pids ?? listPids()) {
    if (pid <= 0) continue;
    for (const fd of listFds(pid, tally)) {
      const target = fdTarget(pid, fd, tally);
      if (target && target.inode === inode && target.device === device) found.push({ pid, fd });
    }
  }
  return found;
}

/** True when the descriptor's fdinfo lists this very lock (same type, pid, place and range). */
export function fdHoldsLock(pid: number, fd: number, record: LockRecord, tally?: ReadTally): boolean {
  const text = readProc(`/proc/${pid}/fdinfo/${fd}`, pid, tally);
  if (!text) return false;
  for (const line of text.split('\n')) {
    if (!line.startsWith('lock:')) continue;
    const lock = parseLockLine(line.slice(5));
    if (
      lock &&
      lock.level === 0 &&
      lock.type === record.lockType &&
      lock.pid === record.pid &&
      lock.device === record.device &&
      lock.inode === record.inode &&
      lock.start === record.start &&
      lock.end === record.end
    ) {
      return true;
    }
  }
  return false;
}

/** Every process that holds the lock through one of its descriptors, per fdinfo. */
export function lockHolderPids(record: LockRecord, tally?: ReadTally, candidates?: InodeFd[]): number[] {
  const pids = new Set<number>();
  for (const { pid, fd } of candidates ?? fdsOnInode(record.device, record.inode, undefined, tally)) {
    if (!pids.has(pid) && fdHoldsLock(pid, fd, record, tally)) pids.add(pid);
  }
  return [...pids].sort((a, b) => a - b);
}

// ---- cached resolution -------------------------------------------------------------------------

const CACHE_MS = 2000;
const CACHE_LIMIT = 4096;

class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();

  get(key: string, compute: () => V, now = Date.now()): V {
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < CACHE_MS) return hit.value;
    const value = compute();
    if (this.#entries.size >= CACHE_LIMIT) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: now });
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}

const pathCache = new TtlCache<string>();
const holderCache = new TtlCache<number>();

export function clearFileLockCaches(): void {
  pathCache.clear();
  holderCache.clear();
}

/**
 * The pid holding the lock: the one /proc/locks prints while that process lives; otherwise (OFD
 * locks print -1, and an flock() outlives its taker when a child inherited the descriptor) the
 * first process whose fdinfo lists the lock; 0 when none does.
 */
function resolveHolderPid(record: LockRecord): number {
  if (record.pid > 0 && fs.existsSync(`/proc/${record.pid}`)) return record.pid;
  return holderCache.get(record.id, () => lockHolderPids(record)[0] ?? 0);
}

const stripDeleted = (path: string) => path.replace(/ \(deleted\)$/, '');

/** The locked file's path from a descriptor of the holder or a waiter (all processes for OFD). */
function resolvePath(record: LockRecord, holderPid: number): string {
  return pathCache.get(`${record.id}/${holderPid}`, () => {
    const likely = [holderPid, ...record.blocked.map((b) => b.pid)].filter((pid) => pid > 0);
    let fds = fdsOnInode(record.device, record.inode, new Set(likely));
    if (fds.length === 0) fds = fdsOnInode(record.device, record.inode);
    for (const { pid, fd } of fds) {
      const path = fdPath(pid, fd);
      if (path?.startsWith('/')) return stripDeleted(path);
    }
    return '';
  });
}

/** Names the pid of blocked request `index` of `record`, one of `records` (0 when unknown). */
export type LockWaiterPid = (records: LockRecord[], record: LockRecord, index: number) => number;

/** The state of lock `id` among `records` (one read of /proc/locks), or not-found. */
export function sampleLock(id: string, records: LockRecord[], waiterPid: LockWaiterPid): FileLockState {
  return lockState(findLock(id, records), (record, index) => waiterPid(records, record, index));
}

/** The state of one lock; `resolveWaiter` names the pid of a blocked request the kernel prints as -1 (OFD), 0 when unknown. */
export function lockState(record: LockRecord, resolveWaiter: (record: LockRecord, index: number) => number): FileLockState {
  const holderPid = resolveHolderPid(record);
  return {
    lockType: record.lockType,
    mode: record.mode,
    path: resolvePath(record, holderPid),
    holderPid,
    waiterPids: record.blocked.map((blocked, index) => (blocked.pid > 0 ? blocked.pid : resolveWaiter(record, index))),
    device: record.device,
    inode: record.inode,
    start: record.start,
    end: record.end,
  };
}
