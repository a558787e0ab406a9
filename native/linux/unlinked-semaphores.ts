// POSIX semaphores without a name: unlinked from /dev/shm but still mapped by processes (Python's
// multiprocessing unlinks each right after sem_open in fork mode). /dev/shm no longer lists them;
// every mapping process's /proc/<pid>/maps shows `/dev/shm/sem.XXXXXX (deleted)` with the file's
// device and inode, which identify the object (`sem-inode:<maj>:<min>:<inode>`, names.ts) however
// many processes map it.
//
// A `(deleted)` mapping is not always an unlinked semaphore: sem_open creates the file under a
// temporary name and links it to the real one, so the creator's mapping of a named semaphore shows
// the temporary name as deleted. Only an inode that no /dev/shm name has is unlinked.
//
// The state is read through a process that maps it, never through a mapping of our own (a file
// truncated under a mapping raises SIGBUS on a load): /proc/<pid>/map_files/<range> opened and
// read with pread (root), checked to be the same inode with fstat; else process_vm_readv of the
// mapper's address (ptrace rights: EFAULT, not a signal, if it is gone).
import fs from 'node:fs';
import { NativeError } from '../errors';
import type { ObjectEntry, PosixSemaphoreState } from '../types';
import { fsError } from './errno';
import { Fd } from './fd';
import { MAPS_SOURCE, SEM_FILE_SIZE, SEM_PATH_PREFIX, SHM_DIRECTORY, semInodePath } from './names';
import { decodeSemWord, deviceString, parseMapsLine, splitDev, type MapsLine } from './parse';
import { semFileId } from './posix-semaphores';
import { listPids, readProc, type ReadTally } from './procfs';
import { readProcessMemory } from './remote-memory';

const DELETED = ' (deleted)';

/** `device/inode`, the key every semaphore lookup by file uses. */
export const fileKey = (device: string, inode: number) => `${device}/${inode}`;

/** The lines of one maps text that map a /dev/shm/sem.* file (only those lines are parsed). */
export function semaphoreMappings(text: string): MapsLine[] {
  const lines: MapsLine[] = [];
  for (let at = text.indexOf(SEM_PATH_PREFIX); at >= 0; at = text.indexOf(SEM_PATH_PREFIX, at + 1)) {
    const start = text.lastIndexOf('\n', at) + 1;
    const end = text.indexOf('\n', at);
    const line = parseMapsLine(text.slice(start, end < 0 ? text.length : end));
    if (line && line.inode !== 0 && line.path.startsWith(SEM_PATH_PREFIX) && line.perms[3] === 's') lines.push(line);
    if (end < 0) break;
    at = end;
  }
  return lines;
}

/** `sem.XXXXXX (deleted)`: the file name a mapping shows, as people see it in maps. */
export function mappingLabel(line: MapsLine): string {
  const name = line.path.slice(SHM_DIRECTORY.length + 1);
  return name.endsWith(DELETED) ? name : `${name}${DELETED}`;
}

/** Device and inode of every named semaphore in /dev/shm, to its path (`known` answers without an lstat). */
export function namedSemaphoreFiles(known: (path: string) => { device: string; inode: number } | undefined = () => undefined): Map<string, string> {
  const byFile = new Map<string, string>();
  let names: string[];
  try {
    names = fs.readdirSync(SHM_DIRECTORY);
  } catch {
    return byFile;
  }
  for (const name of names) {
    if (!name.startsWith('sem.')) continue;
    const path = `${SHM_DIRECTORY}/${name}`;
    const id = known(path) ?? semFileId(path);
    if (id) byFile.set(fileKey(id.device, id.inode), path);
  }
  return byFile;
}

export interface SemaphoreMapper {
  pid: number;
  line: MapsLine;
}

export interface UnlinkedSemaphore {
  /** `sem-inode:<maj>:<min>:<inode>` */
  path: string;
  device: string;
  inode: number;
  /** `sem.XXXXXX (deleted)`, from the first mapping met. */
  label: string;
  /** Every process mapping it, with its mapping (writable or not). */
  mappers: SemaphoreMapper[];
}

/**
 * Every semaphore file some process maps that no /dev/shm name has, by path. `mapsOf` gives a
 * process's maps text (a caller that read them already passes its cache).
 */
export function findUnlinkedSemaphores(
  named: Map<string, string>,
  mapsOf: (pid: number) => string | undefined,
  pids: Iterable<number> = listPids(),
): Map<string, UnlinkedSemaphore> {
  const found = new Map<string, UnlinkedSemaphore>();
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const text = mapsOf(pid);
    if (!text || !text.includes(SEM_PATH_PREFIX)) continue;
    for (const line of semaphoreMappings(text)) {
      if (named.has(fileKey(line.device, line.inode))) continue;
      const path = semInodePath(line.device, line.inode);
      let entry = found.get(path);
      if (!entry) {
        entry = { path, device: line.device, inode: line.inode, label: mappingLabel(line), mappers: [] };
        found.set(path, entry);
      }
      if (!entry.mappers.some((m) => m.pid === pid)) entry.mappers.push({ pid, line });
    }
  }
  return found;
}

/** Scan entries for the unlinked semaphores that some process maps writable (as sem_open does). */
export function unlinkedEntries(found: Map<string, UnlinkedSemaphore>): ObjectEntry[] {
  const entries: ObjectEntry[] = [];
  for (const semaphore of found.values()) {
    if (!semaphore.mappers.some((m) => m.line.perms[1] === 'w')) continue;
    entries.push({ kind: 'posix-semaphore', name: semaphore.label, path: semaphore.path, directory: MAPS_SOURCE, typeName: 'sem (unlinked)' });
  }
  return entries;
}

/** A process's maps text, for findUnlinkedSemaphores (a refused read is counted in `tally`). */
export const mapsOfProcess = (tally?: ReadTally) => (pid: number) => readProc(`/proc/${pid}/maps`, pid, tally);

/** The mappers of one unlinked semaphore now (a walk over every process's maps). */
export function findMappers(device: string, inode: number, tally?: ReadTally): SemaphoreMapper[] {
  return findUnlinkedSemaphores(new Map(), mapsOfProcess(tally)).get(semInodePath(device, inode))?.mappers ?? [];
}

const hex = (value: bigint) => value.toString(16);
const word = Buffer.alloc(8);

/**
 * The semaphore word through one mapper. Throws NativeError: vanished (the process or its mapping
 * is gone), access-denied (neither map_files nor the mapper's memory may be read).
 */
export function readThroughMapper(mapper: SemaphoreMapper): PosixSemaphoreState {
  const { pid, line } = mapper;
  const file = `/proc/${pid}/map_files/${hex(line.start)}-${hex(line.end)}`;
  let raw: number | undefined;
  let refused: string | undefined;
  try {
    raw = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') throw new NativeError('vanished', 'open', `process ${pid} no longer maps ${mappingLabel(line)}`, code);
    if (code !== 'EPERM' && code !== 'EACCES') throw fsError(error, 'open', file);
    refused = `${file}: ${code}`;
  }
  if (raw !== undefined) {
    const fd = new Fd(raw);
    try {
      const stats = fs.fstatSync(raw, { bigint: true });
      const { major, minor } = splitDev(stats.dev);
      if (deviceString(major, minor) !== line.device || Number(stats.ino) !== line.inode) {
        throw new NativeError('vanished', 'open', `process ${pid} maps another file at ${hex(line.start)} now`, 'ESTALE');
      }
      if (stats.size < BigInt(SEM_FILE_SIZE) || fs.readSync(raw, word, 0, 8, 0) !== 8) {
        throw new NativeError('vanished', 'pread', `${mappingLabel(line)} was truncated`, 'EIO');
      }
      return decodeSemWord(word);
    } finally {
      fd.close();
    }
  }
  // The sem_t is at file offset 0; a mapping that starts further in does not hold it.
  const bytes = line.offset === 0n ? readProcessMemory(pid, line.start, 8) : undefined;
  if (bytes) return decodeSemWord(bytes);
  if (!fs.existsSync(`/proc/${pid}`)) throw new NativeError('vanished', 'read', `process ${pid} exited`, 'ESRCH');
  throw new NativeError(
    'access-denied',
    'read',
    `cannot read ${mappingLabel(line)}: ${refused} (needs root) and process_vm_readv of pid ${pid} was refused (needs ptrace rights over it)`,
    'EPERM',
  );
}

/** Reads through the first mapper that allows it; the last error when none does. */
export function readThroughAnyMapper(mappers: readonly SemaphoreMapper[]): { state: PosixSemaphoreState; mapper: SemaphoreMapper } {
  let last: unknown = new NativeError('vanished', 'read', 'no process maps it any more', 'ENOENT');
  for (const mapper of mappers) {
    try {
      return { state: readThroughMapper(mapper), mapper };
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/**
 * An unlinked semaphore opened for sampling: reads through a process that maps it, finding another
 * when that one is gone (an UnlinkedSemaphoreReader of its one semaphore).
 */
export class UnlinkedSemaphoreObject {
  readonly kind = 'posix-semaphore' as const;
  readonly name: string;
  readonly #reader = new UnlinkedSemaphoreReader();

  constructor(
    readonly path: string,
    readonly device: string,
    readonly inode: number,
  ) {
    const mappers = findMappers(device, inode);
    if (mappers.length === 0) {
      throw new NativeError('not-found', 'open', `no process maps the unlinked semaphore ${path} (it is gone)`, 'ENOENT');
    }
    this.name = mappingLabel(mappers[0].line);
    this.#reader.remember(path, readThroughAnyMapper(mappers).mapper);
  }

  sample(): PosixSemaphoreState {
    const [state] = this.#reader.read([this.path]);
    if (state instanceof Error) throw state;
    return state;
  }

  close(): void {
    this.#reader.close();
  }
}

/**
 * The sampler's reader of unlinked semaphores: remembers, per semaphore, a process that maps it,
 * and walks every process's maps once per read for those it has none for (or whose one is gone).
 */
export class UnlinkedSemaphoreReader {
  readonly #mappers = new Map<string, SemaphoreMapper>();

  read(paths: readonly string[]): Array<PosixSemaphoreState | Error> {
    const results = new Array<PosixSemaphoreState | Error>(paths.length);
    const missing: number[] = [];
    for (let i = 0; i < paths.length; i++) {
      const mapper = this.#mappers.get(paths[i]);
      if (!mapper) {
        missing.push(i);
        continue;
      }
      try {
        results[i] = readThroughMapper(mapper);
      } catch (error) {
        this.#mappers.delete(paths[i]);
        if (error instanceof NativeError && error.kind === 'vanished') missing.push(i);
        else results[i] = error as Error;
      }
    }
    if (missing.length === 0) return results;
    const found = findUnlinkedSemaphores(new Map(), mapsOfProcess());
    for (const i of missing) {
      const semaphore = found.get(paths[i]);
      if (!semaphore) {
        results[i] = new NativeError('vanished', 'read', `no process maps the unlinked semaphore ${paths[i]} any more`, 'ENOENT');
        continue;
      }
      try {
        const { state, mapper } = readThroughAnyMapper(semaphore.mappers);
        this.#mappers.set(paths[i], mapper);
        results[i] = state;
      } catch (error) {
        results[i] = error as Error;
      }
    }
    return results;
  }

  /** Reads `path` through `mapper` until it is gone. */
  remember(path: string, mapper: SemaphoreMapper): void {
    this.#mappers.set(path, mapper);
  }

  forget(path: string): void {
    this.#mappers.delete(path);
  }

  close(): void {
    this.#mappers.clear();
  }
}
