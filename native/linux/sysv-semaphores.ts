// System V semaphore sets: listed by /proc/sysvipc/sem, read with semctl (GETVAL, GETNCNT,
// GETZCNT, GETPID: no side effect), changed with semop and semctl(SETVAL, IPC_RMID).
import fs from 'node:fs';
import { NativeError, invalidArgument } from '../errors';
import type { ObjectEntry, SysvSemaphoreState } from '../types';
import { errnoError, failed, fsError } from './errno';
import {
  GETNCNT,
  GETPID,
  GETVAL,
  GETZCNT,
  IPC_CREAT,
  IPC_EXCL,
  IPC_PRIVATE,
  IPC_RMID,
  SEMVMX,
  SETALL,
  libc,
  lastErrno,
  errnoName,
} from './libc';
import { SYSV_SOURCE, formatKey, parseKey, sysvPath } from './names';
import { parseSysvipcSem, type SysvSetRow } from './parse';

/** Largest number of semaphores in one set that create accepts (Linux SEMMSL default). */
export const MAX_NSEMS = 32000;

/**
 * The sets of the last read of /proc/sysvipc/sem, by semid. A set's key and size never change
 * while it lives, so opening a set to sample it looks it up here rather than reading and parsing
 * the whole file again (which made a tick over N sets cost N reads of an N-row file). Every read
 * replaces it (the scan reads it each second); a set found removed (EINVAL, EIDRM, IPC_RMID) is
 * dropped at once.
 */
let knownSets = new Map<number, SysvSetRow>();

export function readSysvSets(): SysvSetRow[] {
  let text: string;
  try {
    text = fs.readFileSync(SYSV_SOURCE, 'latin1');
  } catch (error) {
    throw fsError(error, 'read', SYSV_SOURCE);
  }
  const rows = parseSysvipcSem(text);
  knownSets = new Map(rows.map((row) => [row.semid, row]));
  return rows;
}

export function scanSysvSemaphores(): ObjectEntry[] {
  return readSysvSets().map((row) => ({
    kind: 'sysv-semaphore',
    name: String(row.semid),
    path: sysvPath(row.semid),
    directory: SYSV_SOURCE,
    typeName: `sem set, key ${formatKey(row.key)}`,
  }));
}

export function findSysvSet(semid: number): SysvSetRow {
  const row = knownSets.get(semid) ?? readSysvSets().find((r) => r.semid === semid);
  if (!row) throw new NativeError('not-found', 'open', `no System V semaphore set with semid ${semid}`, 'EINVAL');
  return row;
}

export function semidOfKey(key: number): number {
  const rows = readSysvSets().filter((r) => r.key === key);
  if (rows.length === 0) throw new NativeError('not-found', 'resolve', `no System V semaphore set with key ${formatKey(key)}`, 'ENOENT');
  return rows[0].semid;
}

/** A removed set answers EINVAL (or EIDRM while it is being removed): both mean it is gone. */
export function semctlError(op: string, semid: number): NativeError {
  const errno = lastErrno();
  const code = errnoName(errno);
  if (code === 'EINVAL' || code === 'EIDRM') {
    knownSets.delete(semid);
    return new NativeError('vanished', op, `System V semaphore set ${semid} is gone`, code);
  }
  return errnoError(errno, op, sysvPath(semid));
}

/** One semctl that reads (GETVAL, GETNCNT, GETZCNT, GETPID); a failure is a typed error. */
export function semctlRead(semid: number, index: number, cmd: number, op: string): number {
  const result = libc().semctl_get(semid, index, cmd);
  if (result < 0) throw semctlError(op, semid);
  return result;
}

/** Reads every semaphore of the set; each read is one semctl, none changes anything. */
export function readSysvState(semid: number, key: number, nsems: number): SysvSemaphoreState {
  const state: SysvSemaphoreState = { key, semid, values: [], waiters: [], zeroWaiters: [], lastPids: [] };
  for (let i = 0; i < nsems; i++) {
    state.values.push(semctlRead(semid, i, GETVAL, 'semctl(GETVAL)'));
    state.waiters.push(semctlRead(semid, i, GETNCNT, 'semctl(GETNCNT)'));
    state.zeroWaiters.push(semctlRead(semid, i, GETZCNT, 'semctl(GETZCNT)'));
    state.lastPids.push(semctlRead(semid, i, GETPID, 'semctl(GETPID)'));
  }
  return state;
}

/** A set found in /proc/sysvipc/sem; nothing is held open (System V sets have no descriptors). */
export class SysvSemaphoreSet {
  readonly kind = 'sysv-semaphore' as const;
  readonly path: string;
  readonly name: string;
  readonly key: number;
  readonly nsems: number;

  constructor(readonly semid: number) {
    const row = findSysvSet(semid);
    this.key = row.key;
    this.nsems = row.nsems;
    this.path = sysvPath(semid);
    this.name = String(semid);
  }

  sample(): SysvSemaphoreState {
    return readSysvState(this.semid, this.key, this.nsems);
  }

  close(): void {}
}

/** IPC_RMID: removes the set; its waiters wake with EIDRM. */
export function removeSysvSet(semid: number): void {
  if (libc().semctl(semid, 0, IPC_RMID) !== 0) throw semctlError('semctl(IPC_RMID)', semid);
  knownSets.delete(semid);
}

/** A set this process created. Sets persist until removed (`syncscope unlink sysv:<semid>`). */
export class CreatedSysvSet {
  readonly kind = 'sysv-semaphore';
  constructor(readonly path: string) {}
  close(): void {}
}

/** The key a user gives for a new set: `private`, decimal, 0x hex, or `sysv:key=<key>`. */
export function keyForCreate(name: string): number {
  const text = name.trim();
  if (/^(private|ipc_private)$/i.test(text)) return IPC_PRIVATE;
  const keyText = text.startsWith('sysv:key=') ? text.slice('sysv:key='.length) : text;
  if (!/^(0x[0-9a-f]+|-?\d+)$/i.test(keyText)) {
    throw invalidArgument('create', `a System V set is named by its IPC key: give 0x hex, decimal or "private", not ${JSON.stringify(name)}`);
  }
  return parseKey(keyText, 'create');
}

export function createSysvSet(name: string, nsems = 1, count = 0, mode = 0o600): CreatedSysvSet {
  const key = keyForCreate(name);
  if (!Number.isInteger(nsems) || nsems < 1 || nsems > MAX_NSEMS) {
    throw invalidArgument('create', `nsems must be from 1 to ${MAX_NSEMS}, not ${nsems}`);
  }
  if (!Number.isInteger(count) || count < 0 || count > SEMVMX) {
    throw invalidArgument('create', `a System V semaphore's value is from 0 to ${SEMVMX}, not ${count}`);
  }
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw invalidArgument('create', 'mode must be from 0 to 0o777');
  const flags = key === IPC_PRIVATE ? mode : IPC_CREAT | IPC_EXCL | mode;
  const semid = libc().semget(key, nsems, flags);
  if (semid < 0) throw failed('semget', `key ${formatKey(key)}`);
  if (count > 0) {
    const values = Buffer.alloc(2 * nsems);
    for (let i = 0; i < nsems; i++) values.writeUInt16LE(count, 2 * i);
    if (libc().semctl(semid, 0, SETALL, 'void *', values) !== 0) {
      const error = failed('semctl(SETALL)', sysvPath(semid));
      libc().semctl(semid, 0, IPC_RMID);
      throw error;
    }
  }
  return new CreatedSysvSet(sysvPath(semid));
}
