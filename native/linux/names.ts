// Names as users type them, and the paths SyncScope gives Linux objects. Pure string logic.
//
//   POSIX named semaphore  foo | /foo | /dev/shm/sem.foo   → path /dev/shm/sem.foo, name foo
//   System V semaphore set sysv:<semid>                    → path sysv:<semid>, name <semid>
//                          sysv:key=<key> (0x hex or decimal; resolved to its semid by the backend)
//   File lock              lock:<TYPE>:<maj>:<min>:<inode>:<start>:<end>[#n]
//                          e.g. lock:FLOCK:fe:00:2261061:0:EOF, name without `lock:`
//   Unlinked POSIX sem.    sem-inode:<maj>:<min>:<inode> (hex device, decimal inode), e.g.
//                          sem-inode:00:1b:1866: a semaphore whose name is gone (Python's
//                          multiprocessing unlinks each right after sem_open) but which processes
//                          still map; one object however many map it. Its label is the file name
//                          the mappings show, `sem.XXXXXX (deleted)`.
//
// A file lock's id is the lock's place: its type, file (device and inode) and byte range, not its
// holder, so a lock handed from one process to the next stays one object with one history (the
// holder is in its state). Line number and mode are left out too (numbering follows the list, and
// a lock can be upgraded in place). `#n` tells apart locks on the same place (shared locks of
// several holders, or of one process through two open files), numbered in /proc/locks order from 2.
// A POSIX semaphore whose name starts with `sysv:`, `lock:` or `sem-inode:` is reached as `/sysv:...`.
import { invalidArgument } from '../errors';
import type { LinuxKind } from '../types';
import { normalizeDevice } from './parse';

export const SHM_DIRECTORY = '/dev/shm';
export const SEM_PATH_PREFIX = '/dev/shm/sem.';
export const SYSV_SOURCE = '/proc/sysvipc/sem';
export const LOCKS_SOURCE = '/proc/locks';
export const SYSV_PREFIX = 'sysv:';
export const LOCK_PREFIX = 'lock:';
export const SEM_INODE_PREFIX = 'sem-inode:';
/** The scope of unlinked semaphores: found in every process's /proc/<pid>/maps. */
export const MAPS_SOURCE = '/proc/*/maps';
/** glibc's sem_open refuses names longer than NAME_MAX (255) minus the `sem.` prefix. */
export const MAX_SEM_NAME_BYTES = 251;
/** A glibc POSIX semaphore file is one sem_t: 32 bytes on 64-bit Linux. */
export const SEM_FILE_SIZE = 32;

export type LinuxTarget =
  | { kind: 'posix-semaphore'; name: string; path: string }
  | { kind: 'sysv-semaphore'; semid: number; path: string; name: string }
  | { kind: 'sysv-key'; key: number }
  | { kind: 'file-lock'; id: string; path: string; name: string }
  | { kind: 'sem-inode'; device: string; inode: number; path: string; name: string };

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Made only when a name is refused (a closure per call cost more than the checks themselves). */
function badName(op: string, input: string, why: string) {
  return invalidArgument(op, `bad POSIX semaphore name ${JSON.stringify(input)}: ${why}`);
}

/**
 * The leaf of a POSIX semaphore name, checked so that it can only ever mean
 * /dev/shm/sem.<leaf>: no `/`, no `..`, no NUL or other control characters, not too long.
 */
export function validatePosixName(input: string, op = 'resolve'): string {
  let leaf = input;
  if (leaf.startsWith(SEM_PATH_PREFIX)) leaf = leaf.slice(SEM_PATH_PREFIX.length);
  else if (leaf.startsWith('/')) leaf = leaf.slice(1);
  if (leaf.length === 0) throw badName(op, input, 'the name is empty');
  // Printable ASCII (nearly every name: the scan and each sample check one) has neither lone
  // surrogates nor control characters, and is as many bytes as characters.
  const ascii = PRINTABLE_ASCII.test(leaf);
  if (!ascii && /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(leaf)) throw badName(op, input, 'it is not valid Unicode');
  // eslint-disable-next-line no-control-regex
  if (!ascii && /[\u0000-\u001f\u007f]/.test(leaf)) throw badName(op, input, 'it holds a NUL or control character');
  if (leaf.includes('/')) {
    throw badName(op, input, `a name has no "/" after its leading one (give foo, /foo or ${SEM_PATH_PREFIX}foo)`);
  }
  if (leaf.includes('..')) throw badName(op, input, '".." is not allowed in a name');
  if (leaf === '.') throw badName(op, input, '"." is not a name');
  if ((ascii ? leaf.length : Buffer.byteLength(leaf, 'utf8')) > MAX_SEM_NAME_BYTES) {
    throw badName(op, input, `longer than ${MAX_SEM_NAME_BYTES} bytes`);
  }
  return leaf;
}

export const posixPath = (leaf: string) => SEM_PATH_PREFIX + leaf;
export const sysvPath = (semid: number) => `${SYSV_PREFIX}${semid}`;

/** An IPC key as a signed 32-bit int (key_t), from decimal (maybe negative) or 0x hex. */
export function parseKey(text: string, op = 'resolve'): number {
  const trimmed = text.trim();
  let value: number;
  if (/^0x[0-9a-f]{1,8}$/i.test(trimmed)) value = Number.parseInt(trimmed.slice(2), 16) | 0;
  else if (/^-?\d{1,10}$/.test(trimmed)) value = Number(trimmed);
  else throw invalidArgument(op, `bad IPC key ${JSON.stringify(text)}: give decimal or 0x hex`);
  if (value < -0x80000000 || value > 0xffffffff) throw invalidArgument(op, `IPC key ${text} is out of range`);
  return value | 0;
}

export const formatKey = (key: number) => `0x${(key >>> 0).toString(16).padStart(8, '0')}`;

const LOCK_ID = /^(FLOCK|POSIX|OFDLCK):([0-9a-f]{2,8}):([0-9a-f]{2,8}):(\d{1,20}):(\d{1,20}):(\d{1,20}|EOF)(#\d{1,6})?$/;

const SEM_INODE = /^([0-9a-f]{2,8}):([0-9a-f]{2,8}):(\d{1,20})$/;

export const semInodePath = (device: string, inode: number) => `${SEM_INODE_PREFIX}${device}:${inode}`;

/** Device and inode of an unlinked semaphore's path (`sem-inode:`); undefined for any other path. */
export function semInodeOf(path: string): { device: string; inode: number } | undefined {
  if (!path.startsWith(SEM_INODE_PREFIX)) return undefined;
  try {
    const target = parseTarget(path);
    return target.kind === 'sem-inode' ? { device: target.device, inode: target.inode } : undefined;
  } catch {
    return undefined; // not a valid sem-inode: path
  }
}

export function isLockId(id: string): boolean {
  return LOCK_ID.test(id);
}

/** Turns what a user typed into a target; System V keys still need a lookup. */
export function parseTarget(input: string, op = 'resolve'): LinuxTarget {
  if (input.startsWith(SYSV_PREFIX)) {
    const rest = input.slice(SYSV_PREFIX.length);
    if (rest.startsWith('key=')) {
      const key = parseKey(rest.slice(4), op);
      if (key === 0) throw invalidArgument(op, 'key 0 is IPC_PRIVATE, which names no set: give sysv:<semid>');
      return { kind: 'sysv-key', key };
    }
    if (!/^\d{1,10}$/.test(rest) || Number(rest) > 0x7fffffff) {
      throw invalidArgument(op, `bad System V name ${JSON.stringify(input)}: give sysv:<semid> or sysv:key=<key>`);
    }
    const semid = Number(rest);
    return { kind: 'sysv-semaphore', semid, path: sysvPath(semid), name: String(semid) };
  }
  if (input.startsWith(LOCK_PREFIX)) {
    const id = input.slice(LOCK_PREFIX.length);
    if (!isLockId(id)) {
      throw invalidArgument(op, `bad file lock id ${JSON.stringify(input)}: copy it from \`syncscope list --kind file-lock\``);
    }
    return { kind: 'file-lock', id, path: LOCK_PREFIX + id, name: id };
  }
  if (input.startsWith(SEM_INODE_PREFIX)) {
    const match = SEM_INODE.exec(input.slice(SEM_INODE_PREFIX.length));
    const inode = match ? Number(match[3]) : Number.NaN;
    if (!match || !Number.isSafeInteger(inode) || inode <= 0) {
      throw invalidArgument(op, `bad unlinked semaphore id ${JSON.stringify(input)}: copy it from \`syncscope list\` (sem-inode:<maj>:<min>:<inode>)`);
    }
    const device = normalizeDevice(`${match[1]}:${match[2]}`)!;
    return { kind: 'sem-inode', device, inode, path: semInodePath(device, inode), name: input.slice(SEM_INODE_PREFIX.length) };
  }
  const leaf = validatePosixName(input, op);
  return { kind: 'posix-semaphore', name: leaf, path: posixPath(leaf) };
}

/**
 * The kind a resolved path names (a target's `path`): the one place a target becomes a LinuxKind.
 * An unlinked semaphore (sem-inode:) is a posix-semaphore like a named one.
 */
export function kindOfPath(path: string): LinuxKind {
  if (path.startsWith(SYSV_PREFIX)) return 'sysv-semaphore';
  if (path.startsWith(LOCK_PREFIX)) return 'file-lock';
  return 'posix-semaphore';
}
