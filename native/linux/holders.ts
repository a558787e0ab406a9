// Who holds what. A POSIX semaphore is held by every process that maps its file writable, as
// sem_open does (found in /proc/<pid>/maps by device and inode; a read-only mapping cannot post or
// wait, and is how inspectors such as SyncScope itself read the value); a file lock by the process /proc/locks names plus every
// process whose descriptor carries the lock (fdinfo; an flock() or OFD lock is shared by every
// descriptor of its open file, e.g. after fork). System V sets are not held by anyone: their
// state's lastPids tells who operated last. This process is never listed.
import fs from 'node:fs';
import type { Holder } from '../types';
import { fdHoldsLock } from './file-locks';
import type { LockRecord } from './parse';
import { ProcessNames, listFds, listPids, fdTarget, readMaps, type ReadTally } from './procfs';

/** Processes mapping each wanted semaphore file; `wanted` maps `device/inode` to its path. */
export function semaphoreHolders(wanted: Map<string, string>, names: ProcessNames, tally: ReadTally): Map<string, Holder[]> {
  const result = new Map<string, Holder[]>();
  if (wanted.size === 0) return result;
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const maps = readMaps(pid, tally);
    if (!maps) continue;
    const seen = new Set<string>();
    for (const line of maps) {
      if (line.inode === 0 || line.perms[1] !== 'w') continue;
      const path = wanted.get(`${line.device}/${line.inode}`);
      if (!path || seen.has(path)) continue;
      seen.add(path);
      const list = result.get(path) ?? [];
      list.push({ pid, processName: names.get(pid) });
      result.set(path, list);
    }
  }
  return result;
}

/** Holders of each lock, by record id: one pass over every process's descriptors. */
export function lockHolders(records: LockRecord[], names: ProcessNames, tally: ReadTally): Map<string, Holder[]> {
  const result = new Map<string, Holder[]>();
  const inodes = new Set(records.map((r) => `${r.device}/${r.inode}`));
  // Descriptors on any locked inode, found once for all locks.
  const byInode = new Map<string, Array<{ pid: number; fd: number }>>();
  if (inodes.size > 0) {
    for (const pid of listPids()) {
      if (pid === process.pid) continue;
      for (const fd of listFds(pid, tally)) {
        const target = fdTarget(pid, fd, tally);
        if (!target) continue;
        const key = `${target.device}/${target.inode}`;
        if (!inodes.has(key)) continue;
        const list = byInode.get(key) ?? [];
        list.push({ pid, fd });
        byInode.set(key, list);
      }
    }
  }
  for (const record of records) {
    const pids = new Set<number>();
    if (record.pid > 0 && record.pid !== process.pid && fs.existsSync(`/proc/${record.pid}`)) pids.add(record.pid);
    for (const { pid, fd } of byInode.get(`${record.device}/${record.inode}`) ?? []) {
      if (!pids.has(pid) && fdHoldsLock(pid, fd, record, tally)) pids.add(pid);
    }
    result.set(
      record.id,
      [...pids].sort((a, b) => a - b).map((pid) => ({ pid, processName: names.get(pid) })),
    );
  }
  return result;
}
