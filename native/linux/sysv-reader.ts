// System V sets sampled with fewer system calls: a set's values and last pids change only through
// semop (which stamps sem_otime), semctl SETVAL/SETALL (sem_ctime) or an exiting process's undo
// (sem_otime), so one IPC_STAT says whether reading them again can change anything.
//
// The stamps are whole seconds, so equal stamps alone prove nothing: an operation in the same
// second as the last read leaves them equal. The reuse rule is therefore: the stamps are unchanged
// AND both are older than the second in which the kept values were read. Any operation after that
// read would have stamped that second or a later one. Waiter counts (GETNCNT, GETZCNT) change with
// no stamp at all (a process starting to wait), so they are read every time.
//
// Idle set of one semaphore at zero: IPC_STAT + GETNCNT (2 calls) instead of 4 gets (GETZCNT is
// skipped for a zero value, see below); a set that changed within the last second: IPC_STAT + the
// gets.
import { NativeError } from '../errors';
import type { SysvSemaphoreState } from '../types';
import { GETNCNT, GETPID, GETVAL, GETZCNT, IPC_STAT, libc } from './libc';
import { SYSV_PREFIX, sysvPath } from './names';
import { findSysvSet, semctlError, semctlRead } from './sysv-semaphores';

/** Byte offsets in glibc's struct semid_ds (64-bit time_t), per architecture. */
const SEMID_DS: Record<string, { size: number; otime: number; ctime: number; nsems: number }> = {
  // sysdeps/unix/sysv/linux/x86/bits/types/struct_semid_ds.h: reserved words after each time.
  x64: { size: 104, otime: 48, ctime: 64, nsems: 80 },
  // sysdeps/unix/sysv/linux/bits/types/struct_semid_ds.h (generic 64-bit): the times side by side.
  arm64: { size: 88, otime: 48, ctime: 56, nsems: 64 },
};

interface KeptSet {
  semid: number;
  state: SysvSemaphoreState;
  otime: number;
  ctime: number;
  /** The wall-clock second in which state's values and pids were read (taken before reading). */
  readInSecond: number;
}

export class SysvReader {
  readonly #kept = new Map<string, KeptSet>();
  readonly #layout = SEMID_DS[process.arch];
  readonly #stat = Buffer.alloc(128);
  /** The same bytes as 32-bit words: cheaper than BigInt reads on every set of every tick. */
  readonly #stat32 = new Uint32Array(this.#stat.buffer, this.#stat.byteOffset, 32);
  /** Set when IPC_STAT's answer did not match the layout: every read is then a full read. */
  #layoutDistrusted = false;
  readonly #scratchWaiters: number[] = [];
  readonly #scratchZero: number[] = [];
  /** Reads that reused kept values, and reads that read them again (tests and the bench look). */
  readonly counts = { reused: 0, full: 0 };

  read(path: string, now = Date.now()): SysvSemaphoreState {
    const kept = this.#kept.get(path) ?? this.#keep(path);
    try {
      return this.#read(kept, now);
    } catch (error) {
      // Gone, or no longer readable: the next read starts again from scratch.
      this.#kept.delete(path);
      throw error;
    }
  }

  #read(kept: KeptSet, now: number): SysvSemaphoreState {
    const { semid, state } = kept;
    const nsems = state.values.length;
    const second = Math.floor(now / 1000);
    let reuse = false;
    const layout = this.#layoutDistrusted ? undefined : this.#layout;
    if (layout) {
      if (libc().semctl_buffer(semid, 0, IPC_STAT, this.#stat) < 0) throw semctlError('semctl(IPC_STAT)', semid);
      const words = this.#stat32;
      // 64-bit fields as two little-endian 32-bit halves (times and counts are never negative).
      if (words[layout.nsems / 4] + words[layout.nsems / 4 + 1] * 0x1_0000_0000 !== nsems) {
        this.#layoutDistrusted = true;
      } else {
        const otime = words[layout.otime / 4] + words[layout.otime / 4 + 1] * 0x1_0000_0000;
        const ctime = words[layout.ctime / 4] + words[layout.ctime / 4 + 1] * 0x1_0000_0000;
        reuse = otime === kept.otime && ctime === kept.ctime && kept.readInSecond > Math.max(otime, ctime);
        kept.otime = otime;
        kept.ctime = ctime;
      }
    }
    let values = state.values;
    let lastPids = state.lastPids;
    if (reuse) {
      this.counts.reused++;
    } else {
      this.counts.full++;
      values = new Array<number>(nsems);
      lastPids = new Array<number>(nsems);
      for (let i = 0; i < nsems; i++) {
        values[i] = semctlRead(semid, i, GETVAL, 'semctl(GETVAL)');
        lastPids[i] = semctlRead(semid, i, GETPID, 'semctl(GETPID)');
      }
      kept.readInSecond = second;
    }
    // Counts go to scratch arrays first: an unchanged set (the common case) allocates nothing.
    const waiters = this.#scratchWaiters;
    const zeroWaiters = this.#scratchZero;
    let changed = !reuse;
    for (let i = 0; i < nsems; i++) {
      waiters[i] = semctlRead(semid, i, GETNCNT, 'semctl(GETNCNT)');
      // Nobody waits for zero on a semaphore that is zero: the kernel re-evaluates every waiting
      // operation whenever a value changes (ipc/sem.c do_smart_update), and a wait for zero blocks
      // only on a value other than zero. So GETZCNT is asked only of non-zero semaphores.
      zeroWaiters[i] = values[i] === 0 ? 0 : semctlRead(semid, i, GETZCNT, 'semctl(GETZCNT)');
      if (waiters[i] !== state.waiters[i] || zeroWaiters[i] !== state.zeroWaiters[i]) changed = true;
    }
    // Nothing changed: the kept object itself, so the sampler's comparison ends at once.
    if (!changed) return state;
    kept.state = { key: state.key, semid, values, waiters: waiters.slice(0, nsems), zeroWaiters: zeroWaiters.slice(0, nsems), lastPids };
    return kept.state;
  }

  forget(path: string): void {
    this.#kept.delete(path);
  }

  close(): void {
    this.#kept.clear();
  }

  #keep(path: string): KeptSet {
    const semid = path.startsWith(SYSV_PREFIX) ? Number(path.slice(SYSV_PREFIX.length)) : Number.NaN;
    if (!Number.isSafeInteger(semid) || semid < 0 || sysvPath(semid) !== path) {
      throw new NativeError('wrong-type', 'open', `${path} is not a System V semaphore set path`, 'EINVAL');
    }
    const row = findSysvSet(semid);
    const empty = new Array<number>(row.nsems).fill(-1);
    // Stamps of -1 never match, so the first read is a full one.
    const kept: KeptSet = {
      semid,
      state: { key: row.key, semid, values: empty, waiters: empty, zeroWaiters: empty, lastPids: empty },
      otime: -1,
      ctime: -1,
      readInSecond: 0,
    };
    this.#kept.set(path, kept);
    return kept;
  }
}
