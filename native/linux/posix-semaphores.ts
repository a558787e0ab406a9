// POSIX named semaphores: glibc keeps `sem_open("/foo")` in the 32-byte file /dev/shm/sem.foo.
//
// Safety: a name is validated in names.ts before it becomes a path, and no file is opened before
// lstat says it is a 32-byte regular file; it is then opened with O_NOFOLLOW | O_NONBLOCK and
// fstat must name the same inode (nothing swapped it in between). Sampling reads the semaphore
// word with pread: no side effect. Actions map that same descriptor, exactly as sem_open would,
// so sem_post and friends never reach a file that was not checked.
import fs from 'node:fs';
import { NativeError, invalidArgument } from '../errors';
import type { ObjectEntry, PosixSemaphoreState } from '../types';
import { failed, fsError } from './errno';
import { Fd, Mapping } from './fd';
import { MAP_FAILED, MAP_SHARED, O_CREAT, O_EXCL, PROT_READ, PROT_WRITE, SEM_VALUE_MAX, libc } from './libc';
import { SEM_FILE_SIZE, SEM_PATH_PREFIX, SHM_DIRECTORY, posixPath, validatePosixName } from './names';
import { decodeSemWord, deviceString, splitDev } from './parse';

const { O_RDONLY, O_RDWR, O_NOFOLLOW, O_NONBLOCK } = fs.constants;

export interface SemFileId {
  device: string;
  inode: number;
}

/** lstat: the file must be a regular 32-byte file, not a link or anything else. */
function checkSemFile(path: string, op: string): fs.BigIntStats {
  let stats: fs.BigIntStats;
  try {
    stats = fs.lstatSync(path, { bigint: true });
  } catch (error) {
    const typed = fsError(error, op, path);
    if (typed instanceof NativeError && typed.kind === 'not-found') {
      throw new NativeError('not-found', op, `no POSIX semaphore ${path}`, 'ENOENT');
    }
    throw typed;
  }
  if (stats.isSymbolicLink()) throw new NativeError('wrong-type', op, `${path} is a symbolic link, not a semaphore`, 'ELOOP');
  if (!stats.isFile()) throw new NativeError('wrong-type', op, `${path} is not a regular file, so not a semaphore`, 'EFTYPE');
  if (stats.size !== BigInt(SEM_FILE_SIZE)) {
    throw new NativeError('wrong-type', op, `${path} is ${stats.size} bytes, not a ${SEM_FILE_SIZE}-byte semaphore`, 'EFTYPE');
  }
  return stats;
}

/** Opens a checked semaphore file; the descriptor is closed on any failure. */
export function openSemFile(path: string, flags: number, op: string): { fd: Fd; id: SemFileId } {
  const expected = checkSemFile(path, op);
  let raw: number;
  try {
    raw = fs.openSync(path, flags | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    throw fsError(error, op, path);
  }
  const fd = new Fd(raw);
  try {
    const stats = fs.fstatSync(raw, { bigint: true });
    if (stats.ino !== expected.ino || stats.dev !== expected.dev || !stats.isFile() || stats.size !== BigInt(SEM_FILE_SIZE)) {
      throw new NativeError('vanished', op, `${path} was replaced while it was being opened`, 'ESTALE');
    }
    const { major, minor } = splitDev(stats.dev);
    return { fd, id: { device: deviceString(major, minor), inode: Number(stats.ino) } };
  } catch (error) {
    fd.close();
    throw error;
  }
}

/** Device and inode of a semaphore file (holders and waiters are matched by them, not by name). */
export function semFileId(path: string): SemFileId | undefined {
  try {
    const stats = checkSemFile(path, 'stat');
    const { major, minor } = splitDev(stats.dev);
    return { device: deviceString(major, minor), inode: Number(stats.ino) };
  } catch {
    return undefined;
  }
}

const word = Buffer.alloc(8);

/** Reads the semaphore word with pread: the value and announced waiters, no side effect. */
export function readSemState(fd: Fd, path: string): PosixSemaphoreState {
  let read: number;
  try {
    read = fs.readSync(fd.value, word, 0, 8, 0);
  } catch (error) {
    throw fsError(error, 'pread', path);
  }
  if (read !== 8) throw new NativeError('vanished', 'pread', `${path} was truncated`, 'EIO');
  return decodeSemWord(word);
}

/** Reads the semaphore of a path the checked way: lstat, open, fstat, pread, close. */
export function readSemaphoreOnce(path: string): PosixSemaphoreState {
  const { fd } = openSemFile(path, O_RDONLY, 'open');
  try {
    return readSemState(fd, path);
  } finally {
    fd.close();
  }
}

/** A POSIX semaphore held open (read-only) for sampling. */
export class PosixSemaphore {
  readonly kind = 'posix-semaphore' as const;
  readonly path: string;
  readonly #fd: Fd;

  constructor(readonly name: string) {
    this.path = posixPath(name);
    this.#fd = openSemFile(this.path, O_RDONLY, 'open').fd;
  }

  sample(): PosixSemaphoreState {
    return readSemState(this.#fd, this.path);
  }

  close(): void {
    this.#fd.close();
  }
}

/**
 * Maps a checked semaphore file read-write, as sem_open does; the address is a sem_t * for
 * sem_post and sem_trywait. The descriptor is closed at once; the mapping stays until close().
 */
export function mapSemaphore(path: string, op: string): Mapping {
  const { fd } = openSemFile(path, O_RDWR, op);
  try {
    const address = libc().mmap(null, SEM_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd.value, 0);
    if (address === null || address === MAP_FAILED) throw failed('mmap', path);
    return new Mapping(address, SEM_FILE_SIZE);
  } finally {
    fd.close();
  }
}

/**
 * Every POSIX semaphore in /dev/shm: `sem.*` regular files of 32 bytes. A name a state reader keeps
 * mapped was checked when mapped and is watched since (`isChecked`): it needs no lstat again.
 */
/**
 * The last listing of /dev/shm and the directory's stamps when it was read. A directory's mtime
 * and ctime change with every name added, removed or renamed in it, but tmpfs takes them from a
 * coarse clock (a few ms): a name added within the same tick as the listing could leave the
 * stamps as they were. So a listing is reused only while the stamps are unchanged and were
 * already older than STAMP_GRANULARITY_NS when it was read.
 */
let lastListing: { dev: bigint; ino: bigint; mtimeNs: bigint; ctimeNs: bigint; entries: ObjectEntry[] } | undefined;
const STAMP_GRANULARITY_NS = 20_000_000n;

/** /dev/shm's stamps, or undefined when they cannot be read (then the scan reads everything). */
function shmStamps(): { dev: bigint; ino: bigint; mtimeNs: bigint; ctimeNs: bigint } | undefined {
  try {
    const stats = fs.statSync(SHM_DIRECTORY, { bigint: true });
    return { dev: stats.dev, ino: stats.ino, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
  } catch {
    return undefined;
  }
}

/**
 * Every POSIX semaphore in /dev/shm. Incremental: when the directory's stamps show no name was
 * added, removed or renamed since the last listing, that listing is returned again without a
 * readdir or lstat (a semaphore file changed in place is caught by the state reader, which checks
 * what it maps).
 */
export function scanPosixSemaphores(isChecked: (path: string) => boolean = () => false): ObjectEntry[] {
  const stamps = shmStamps();
  const previous = lastListing;
  if (
    stamps &&
    previous &&
    stamps.dev === previous.dev &&
    stamps.ino === previous.ino &&
    stamps.mtimeNs === previous.mtimeNs &&
    stamps.ctimeNs === previous.ctimeNs
  ) {
    // The same (frozen) entries again: a caller may then tell at once that nothing changed.
    return previous.entries.slice();
  }
  const listedAtNs = BigInt(Date.now()) * 1_000_000n;
  const entries = listShm(isChecked).map((entry) => Object.freeze(entry));
  lastListing =
    stamps && listedAtNs - stamps.mtimeNs > STAMP_GRANULARITY_NS && listedAtNs - stamps.ctimeNs > STAMP_GRANULARITY_NS
      ? { ...stamps, entries }
      : undefined;
  return entries.slice();
}

function listShm(isChecked: (path: string) => boolean): ObjectEntry[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(SHM_DIRECTORY, { withFileTypes: true });
  } catch (error) {
    throw fsError(error, 'readdir', SHM_DIRECTORY);
  }
  const result: ObjectEntry[] = [];
  for (const entry of entries) {
    // The entry's type comes with the name (Node asks lstat itself where the file system does not say).
    if (!entry.name.startsWith('sem.') || !entry.isFile()) continue;
    const name = entry.name.slice(4);
    try {
      validatePosixName(name);
    } catch {
      continue; // a name no user could type back (control characters...) is not listed
    }
    const path = SEM_PATH_PREFIX + name;
    if (!isChecked(path)) {
      const stats = fs.lstatSync(path, { throwIfNoEntry: false });
      if (!stats?.isFile() || stats.size !== SEM_FILE_SIZE) continue;
    }
    result.push({ kind: 'posix-semaphore', name, path, directory: SHM_DIRECTORY, typeName: 'sem' });
  }
  return result;
}

/** A semaphore this process created; the name stays in /dev/shm until someone unlinks it. */
export class CreatedPosixSemaphore {
  readonly kind = 'posix-semaphore';
  #sem: bigint;

  constructor(
    readonly path: string,
    sem: bigint,
  ) {
    this.#sem = sem;
  }

  close(): void {
    if (this.#sem === 0n) return;
    libc().sem_close(this.#sem);
    this.#sem = 0n;
  }
}

/** sem_open(O_CREAT | O_EXCL): fails with already-exists rather than opening another's. */
export function createPosixSemaphore(name: string, count = 0, mode = 0o600): CreatedPosixSemaphore {
  const leaf = validatePosixName(name, 'create');
  if (!Number.isInteger(count) || count < 0 || count > SEM_VALUE_MAX) {
    throw invalidArgument('create', `count must be a whole number from 0 to ${SEM_VALUE_MAX}, not ${count}`);
  }
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) throw invalidArgument('create', `mode must be from 0 to 0o777`);
  const sem = libc().sem_open(`/${leaf}`, O_CREAT | O_EXCL, 'uint32_t', mode, 'uint32_t', count);
  if (sem === null) throw failed('sem_open', posixPath(leaf));
  return new CreatedPosixSemaphore(posixPath(leaf), sem);
}

/** sem_unlink, after checking the name is a semaphore file (unlink never follows a link). */
export function unlinkPosixSemaphore(name: string): void {
  const leaf = validatePosixName(name, 'unlink');
  checkSemFile(posixPath(leaf), 'unlink');
  if (libc().sem_unlink(`/${leaf}`) !== 0) throw failed('sem_unlink', posixPath(leaf));
}
