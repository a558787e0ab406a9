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
// Idle set of one semaphore: IPC_STAT + GETNCNT + GETZCNT (3 calls) instead of 4 gets; a set that
// changed within the last second: IPC_STAT + the 4 gets.
import { NativeError } from '../errors';
import type { SysvSemaphoreState } from '../types';
import { errnoError } from './errno';
import { GETNCNT, GETPID, GETVAL, GETZCNT, IPC_STAT, errnoName, lastErrno, libc } from './libc';
import { SYSV_PREFIX, sysvPath } from './names';
import { findSysvSet } from './sysv-semaphores';

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
  /** Set when IPC_STAT's answer did not match the layout: every read is then a full read. */
  #layoutDistrusted = false;
  /** Reads that reused kept values, and reads that read them again (tests and the bench look). */
  readonly counts = { reused: 0, full: 0 };

  read(path: string, now = Date.now()): SysvSemaphoreState {
    const kept = this.#kept.get(path) ?? this.#keep(path);
    const { semid, state } = kept;
    const nsems = state.values.length;
    const second = Math.floor(now / 1000);
    let reuse = false;
    const layout = this.#layoutDistrusted ? undefined : this.#layout;
    if (layout) {
      if (libc().semctl(semid, 0, IPC_STAT, 'void *', this.#stat) < 0) throw this.#error(path, 'semctl(IPC_STAT)');
      if (Number(this.#stat.readBigUInt64LE(layout.nsems)) !== nsems) {
        this.#layoutDistrusted = true;
      } else {
        const otime = Number(this.#stat.readBigInt64LE(layout.otime));
        const ctime = Number(this.#stat.readBigInt64LE(layout.ctime));
        reuse = otime === kept.otime && ctime === kept.ctime && kept.readInSecond > Math.max(otime, ctime);
        kept.otime = otime;
        kept.ctime = ctime;
      }
    }
    const waiters = new Array<number>(nsems);
    const zeroWaiters = new Array<number>(nsems);
    let waitersSame = true;
    for (let i = 0; i < nsems; i++) {
      waiters[i] = this.#get(path, semid, i, GETNCNT, 'semctl(GETNCNT)');
      zeroWaiters[i] = this.#get(path, semid, i, GETZCNT, 'semctl(GETZCNT)');
      if (waiters[i] !== state.waiters[i] || zeroWaiters[i] !== state.zeroWaiters[i]) waitersSame = false;
    }
    if (reuse) {
      this.counts.reused++;
      // Nothing changed: the kept object itself, so the sampler's comparison ends at once.
      if (waitersSame) return state;
      kept.state = { ...state, waiters, zeroWaiters };
      return kept.state;
    }
    this.counts.full++;
    const values = new Array<number>(nsems);
    const lastPids = new Array<number>(nsems);
    for (let i = 0; i < nsems; i++) {
      values[i] = this.#get(path, semid, i, GETVAL, 'semctl(GETVAL)');
      lastPids[i] = this.#get(path, semid, i, GETPID, 'semctl(GETPID)');
    }
    kept.readInSecond = second;
    kept.state = { key: state.key, semid, values, waiters, zeroWaiters, lastPids };
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

  #get(path: string, semid: number, index: number, cmd: number, op: string): number {
    const result = libc().semctl(semid, index, cmd);
    if (result < 0) throw this.#error(path, op);
    return result;
  }

  /** A removed set answers EINVAL (or EIDRM while it is being removed): both mean it is gone. */
  #error(path: string, op: string): NativeError {
    const errno = lastErrno();
    const code = errnoName(errno);
    this.#kept.delete(path);
    if (code === 'EINVAL' || code === 'EIDRM') return new NativeError('vanished', op, `System V semaphore set ${path.slice(SYSV_PREFIX.length)} is gone`, code);
    return errnoError(errno, op, path);
  }
}
