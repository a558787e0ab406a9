// POSIX semaphores sampled through read-only mappings kept between ticks.
//
// Opening, checking and reading a semaphore file costs five system calls; a mapping kept from one
// tick to the next makes a sample a memory read, and process_vm_readv on this process reads up to
// 1,024 of them per call. Safe to keep, unlike a Windows handle: a mapping does not keep the name
// in /dev/shm alive, so a semaphore still vanishes when its owner unlinks it.
//
// - Names: an inotify watch on /dev/shm reports every unlink, rename, truncate, write or chmod of a
//   `sem.*` file; its mapping is dropped before the next read, and the next read opens the name
//   again with every check of posix-semaphores.ts (so a re-created name is a new semaphore).
// - Faults: a file truncated under a mapping raises SIGBUS on a plain load; through
//   process_vm_readv it is an EFAULT for that one piece, and the object is read the checked way.
// - Holders: SyncScope maps read-only, while sem_open maps read-write; holders.ts lists writable
//   mappings only, so inspectors never show up as holders (this one or another).
// - Identity: while a path is mapped (and no event has come for it), its device and inode are known
//   without an lstat: the 1 Hz scan and the holder and waiter passes look them up here
//   (`checkedSemaphoreId`). An id may be one state tick old: the watch's events are read at the
//   start of each read.
// - Limits: at most MAX_MAPPINGS mappings (vm.max_map_count is 65,530 by default for everything
//   in the process); beyond that, and wherever inotify or process_vm_readv is refused (a seccomp
//   profile), every sample opens and reads the file as before.
import { koffi } from '../koffi';
import { NativeError } from '../errors';
import type { PosixSemaphoreState } from '../types';
import { failed } from './errno';
import { Fd, Mapping } from './fd';
import {
  ERRNO,
  IN_ATTRIB,
  IN_CLOEXEC,
  IN_DELETE,
  IN_IGNORED,
  IN_MODIFY,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_NONBLOCK,
  IN_Q_OVERFLOW,
  MAP_FAILED,
  MAP_SHARED,
  PROT_READ,
  lastErrno,
  errnoName,
  libc,
} from './libc';
import { SEM_FILE_SIZE, SEM_PATH_PREFIX, SHM_DIRECTORY, validatePosixName } from './names';
import { openSemFile, readSemaphoreOnce, type SemFileId } from './posix-semaphores';
import fs from 'node:fs';

/** Mappings kept at most, leaving the rest of vm.max_map_count to the process. */
export const MAX_MAPPINGS = 16_384;
/** Pieces per process_vm_readv call (UIO_MAXIOV). */
const IOV_MAX = 1024;
const WORD = 8;
/** How old the name check may be for a quick read, ms (a state period). */
export const QUICK_NAMES_MS = 100;
const WATCHED_EVENTS = IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE;

/** Device and inode of every path some reader has mapped (checked when mapped, watched since). */
const checkedIds = new Map<string, SemFileId>();

/** The device and inode of a semaphore path a reader keeps mapped, if one does. */
export function checkedSemaphoreId(path: string): SemFileId | undefined {
  return checkedIds.get(path);
}

/** A kept mapping, its address in two 32-bit halves (cheap to write into an iovec), the last state read. */
interface Kept {
  mapping: Mapping;
  low: number;
  high: number;
  state: PosixSemaphoreState | undefined;
}

export class MappedSemaphores {
  readonly #mappings = new Map<string, Kept>();
  #watch: Fd | undefined;
  /** Why mappings are not kept, once found out; every read then opens the file. */
  #disabled: string | undefined;
  readonly #events = Buffer.alloc(64 * 1024);
  #namesCheckedAt = Number.NEGATIVE_INFINITY;
  /** The words read, and the iovec arrays pointing at them (local) and at the mappings (remote). */
  readonly #words = Buffer.alloc(IOV_MAX * WORD);
  readonly #localIov = Buffer.alloc(IOV_MAX * 16);
  readonly #remoteIov = Buffer.alloc(IOV_MAX * 16);
  /** 32-bit views of the same memory: typed-array stores are far cheaper than Buffer methods per object. */
  readonly #words32 = new Uint32Array(this.#words.buffer, this.#words.byteOffset, IOV_MAX * 2);
  readonly #remote32 = new Uint32Array(this.#remoteIov.buffer, this.#remoteIov.byteOffset, IOV_MAX * 4);

  constructor() {
    // The word buffer never moves (a Buffer this large has its own backing store): its iovecs are
    // written once.
    const base = koffi().address(this.#words) as bigint;
    for (let i = 0; i < IOV_MAX; i++) {
      this.#localIov.writeBigUInt64LE(base + BigInt(i * WORD), i * 16);
      this.#localIov.writeBigUInt64LE(BigInt(WORD), i * 16 + 8);
      this.#remoteIov.writeBigUInt64LE(BigInt(WORD), i * 16 + 8);
    }
  }

  /**
   * The state of each path, in order, or the error that stopped its read. A quick read skips the
   * watch's events when they were read less than QUICK_NAMES_MS ago: a removed or replaced name is
   * then read through its old mapping for at most that long.
   */
  read(paths: readonly string[], quick = false): Array<PosixSemaphoreState | Error> {
    const results = new Array<PosixSemaphoreState | Error>(paths.length);
    const now = performance.now();
    if (!quick || now - this.#namesCheckedAt >= QUICK_NAMES_MS) {
      this.#namesCheckedAt = now;
      this.#applyNameChanges();
    }
    const indices: number[] = [];
    const kept: Kept[] = [];
    for (let i = 0; i < paths.length; i++) {
      const entry = this.#mappings.get(paths[i]) ?? this.#tryMap(paths[i], results, i);
      if (!entry) continue;
      indices.push(i);
      kept.push(entry);
    }
    for (let start = 0; start < kept.length; start += IOV_MAX) {
      const end = Math.min(kept.length, start + IOV_MAX);
      this.#readMapped(paths, indices.slice(start, end), kept.slice(start, end), results);
    }
    return results;
  }

  forget(path: string): void {
    const entry = this.#mappings.get(path);
    if (!entry) return;
    entry.mapping.close();
    this.#mappings.delete(path);
    checkedIds.delete(path);
  }

  close(): void {
    this.#dropAll();
  }

  /** Maps a path not mapped yet; undefined (with the result set) when it is read another way. */
  #tryMap(path: string, results: Array<PosixSemaphoreState | Error>, index: number): Kept | undefined {
    try {
      if (!path.startsWith(SEM_PATH_PREFIX)) {
        throw new NativeError('wrong-type', 'open', `${path} is not a POSIX semaphore path`, 'EINVAL');
      }
      validatePosixName(path.slice(SEM_PATH_PREFIX.length), 'open');
      if (this.#disabled !== undefined || this.#mappings.size >= MAX_MAPPINGS || !this.#ensureWatch()) {
        results[index] = readSemaphoreOnce(path);
        return undefined;
      }
      const { fd, id } = openSemFile(path, fs.constants.O_RDONLY, 'open');
      try {
        const address = libc().mmap(null, SEM_FILE_SIZE, PROT_READ, MAP_SHARED, fd.value, 0);
        if (address === null || address === MAP_FAILED) throw failed('mmap', path);
        const entry: Kept = {
          mapping: new Mapping(address, SEM_FILE_SIZE),
          low: Number(address & 0xffff_ffffn),
          high: Number(address >> 32n),
          state: undefined,
        };
        this.#mappings.set(path, entry);
        checkedIds.set(path, id);
        return entry;
      } finally {
        fd.close();
      }
    } catch (error) {
      results[index] = error as Error;
      return undefined;
    }
  }

  #readMapped(paths: readonly string[], indices: number[], kept: Kept[], results: Array<PosixSemaphoreState | Error>): void {
    if (this.#disabled !== undefined) {
      // An earlier chunk of this read found process_vm_readv refused and unmapped everything:
      // these addresses are no longer ours.
      for (const index of indices) results[index] = this.#readChecked(paths[index]);
      return;
    }
    // Little-endian halves of iov_base (every target Linux/glibc decodes here is little-endian).
    const remote = this.#remote32;
    for (let i = 0; i < kept.length; i++) {
      remote[i * 4] = kept[i].low;
      remote[i * 4 + 1] = kept[i].high;
    }
    let first = 0;
    while (first < indices.length) {
      const count = indices.length - first;
      // Whole buffers when reading from the start (the usual case): a subarray is an allocation per call.
      const read = libc().process_vm_readv(
        process.pid,
        first === 0 ? this.#localIov : this.#localIov.subarray(first * 16),
        count,
        first === 0 ? this.#remoteIov : this.#remoteIov.subarray(first * 16),
        count,
        0,
      );
      if (read < 0 && lastErrno() !== ERRNO.EFAULT) {
        // Refused as a whole (ENOSYS, EPERM under seccomp): read every semaphore the checked way.
        this.#disabled = `process_vm_readv: ${errnoName(lastErrno())}`;
        for (let i = first; i < indices.length; i++) results[indices[i]] = this.#readChecked(paths[indices[i]]);
        this.close();
        return;
      }
      const whole = read < 0 ? 0 : Math.floor(read / WORD);
      for (let i = first; i < first + whole; i++) {
        const count = this.#words32[i * 2];
        const waiters = this.#words32[i * 2 + 1];
        const last = kept[i].state;
        // Unchanged: the same object again, so the sampler's comparison ends at once.
        if (last === undefined || last.count !== count || last.waiters !== waiters) kept[i].state = { count, waiters };
        results[indices[i]] = kept[i].state!;
      }
      first += whole;
      if (first < indices.length) {
        // The piece at `first` faulted (the file was truncated under the mapping): the checked read
        // says what it is now.
        const path = paths[indices[first]];
        this.forget(path);
        results[indices[first]] = this.#readChecked(path);
        first++;
      }
    }
  }

  #readChecked(path: string): PosixSemaphoreState | Error {
    try {
      return readSemaphoreOnce(path);
    } catch (error) {
      return error as Error;
    }
  }

  /** The inotify watch on /dev/shm, set up on first use; false when it cannot be. */
  #ensureWatch(): boolean {
    if (this.#watch) return true;
    const fd = libc().inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      this.#disabled = `inotify_init1: ${errnoName(lastErrno())}`;
      return false;
    }
    const watch = new Fd(fd);
    if (libc().inotify_add_watch(fd, SHM_DIRECTORY, WATCHED_EVENTS) < 0) {
      this.#disabled = `inotify_add_watch(${SHM_DIRECTORY}): ${errnoName(lastErrno())}`;
      watch.close();
      return false;
    }
    this.#watch = watch;
    return true;
  }

  /** Drops the mapping of every name the watch reports changed since the last read. */
  #applyNameChanges(): void {
    if (!this.#watch) return;
    for (;;) {
      const length = libc().read(this.#watch.value, this.#events, this.#events.length);
      if (length <= 0) {
        if (length < 0 && lastErrno() !== ERRNO.EAGAIN && lastErrno() !== ERRNO.EINTR) this.#dropAll();
        return;
      }
      // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[len]; }
      for (let at = 0; at + 16 <= length; ) {
        const mask = this.#events.readUInt32LE(at + 4);
        const nameLength = this.#events.readUInt32LE(at + 12);
        if (mask & (IN_Q_OVERFLOW | IN_IGNORED)) {
          // Events were lost, or the watch is gone (/dev/shm unmounted): trust no mapping.
          this.#dropAll();
          return;
        }
        if (nameLength > 0) {
          const raw = this.#events.subarray(at + 16, at + 16 + nameLength);
          const end = raw.indexOf(0);
          const name = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
          if (name.startsWith('sem.')) this.forget(`${SHM_DIRECTORY}/${name}`);
        }
        at += 16 + nameLength;
      }
    }
  }

  /** Forgets every mapping and the watch; the next read sets both up again. */
  #dropAll(): void {
    for (const [path, entry] of this.#mappings) {
      entry.mapping.close();
      checkedIds.delete(path);
    }
    this.#mappings.clear();
    this.#watch?.close();
    this.#watch = undefined;
  }
}
