// Raw glibc bindings, named as in the C headers, bound on first use. Pointers are BigInt
// (koffi 3) or Buffers; the safe layers (posix-semaphores.ts, sysv-semaphores.ts) own every
// layout and turn -1/errno into typed errors straight after the call (koffi keeps errno per call).
// References: sem_overview(7), semop(2), semctl(2), mmap(2).
import os from 'node:os';
import { koffi } from '../koffi';

type Ptr = Buffer | bigint | null;
type Async<A extends unknown[]> = {
  /** koffi runs the call on a worker thread and reports its return value to the callback. */
  async: (...args: [...A, (error: Error | null, result: number | undefined) => void]) => void;
};

export interface Libc {
  gnu_get_libc_version: () => string;
  /** Variadic: with O_CREAT pass 'uint32_t', mode, 'uint32_t', value. Returns null (SEM_FAILED) on error. */
  sem_open: (name: string, oflag: number, ...rest: unknown[]) => bigint | null;
  sem_close: (sem: bigint) => number;
  sem_unlink: (name: string) => number;
  sem_post: (sem: bigint) => number;
  sem_trywait: (sem: bigint) => number;
  sem_clockwait: ((sem: bigint, clock: number, abstime: Buffer) => number) & Async<[bigint, number, Buffer]>;
  mmap: (addr: Ptr, length: number, prot: number, flags: number, fd: number, offset: number) => bigint | null;
  munmap: (addr: bigint, length: number) => number;
  clock_gettime: (clock: number, timespec: Buffer) => number;
  semget: (key: number, nsems: number, flags: number) => number;
  /** Variadic: the fourth argument (union semun) is passed as 'long' (a value) or 'void *' (a buffer). */
  semctl: (semid: number, semnum: number, cmd: number, ...rest: unknown[]) => number;
  /** semctl with a buffer argument (IPC_STAT), bound with a fixed prototype: koffi's variadic calls cost more. */
  semctl_buffer: (semid: number, semnum: number, cmd: number, buffer: Buffer) => number;
  /** semctl with no fourth argument (GETVAL, GETNCNT, GETZCNT, GETPID), fixed prototype likewise. */
  semctl_get: (semid: number, semnum: number, cmd: number) => number;
  semop: (semid: number, sops: Buffer, nsops: number) => number;
  semtimedop: ((semid: number, sops: Buffer, nsops: number, timeout: Ptr) => number) &
    Async<[number, Buffer, number, Ptr]>;
  flock: ((fd: number, operation: number) => number) & Async<[number, number]>;
  /** Reads many (address, length) pieces of a process's memory in one call; EFAULT, not SIGBUS, on a bad page. */
  process_vm_readv: (pid: number, local: Buffer, localCount: number, remote: Buffer, remoteCount: number, flags: number) => number;
  inotify_init1: (flags: number) => number;
  inotify_add_watch: (fd: number, path: string, mask: number) => number;
  read: (fd: number, buffer: Buffer, length: number) => number;
  /** pid 0: the calling thread only (the others keep their CPUs). */
  sched_getaffinity: (pid: number, size: number, mask: Buffer) => number;
  sched_setaffinity: (pid: number, size: number, mask: Buffer) => number;
  prctl: (option: number, arg2: number, arg3: number, arg4: number, arg5: number) => number;
}

const declarations: Record<keyof Libc, string> = {
  gnu_get_libc_version: 'const char *gnu_get_libc_version()',
  sem_open: 'void *sem_open(const char *name, int oflag, ...)',
  sem_close: 'int sem_close(void *sem)',
  sem_unlink: 'int sem_unlink(const char *name)',
  sem_post: 'int sem_post(void *sem)',
  sem_trywait: 'int sem_trywait(void *sem)',
  sem_clockwait: 'int sem_clockwait(void *sem, int clock, void *abstime)',
  mmap: 'void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)',
  munmap: 'int munmap(void *addr, size_t length)',
  clock_gettime: 'int clock_gettime(int clock, void *timespec)',
  semget: 'int semget(int key, int nsems, int flags)',
  semctl: 'int semctl(int semid, int semnum, int cmd, ...)',
  // The variadic argument is passed as a named one: the same registers on x86_64 and arm64 Linux.
  semctl_buffer: 'int semctl(int semid, int semnum, int cmd, void *buffer)',
  semctl_get: 'int semctl(int semid, int semnum, int cmd)',
  semop: 'int semop(int semid, void *sops, size_t nsops)',
  semtimedop: 'int semtimedop(int semid, void *sops, size_t nsops, void *timeout)',
  flock: 'int flock(int fd, int operation)',
  process_vm_readv:
    'long process_vm_readv(int pid, void *local_iov, unsigned long liovcnt, void *remote_iov, unsigned long riovcnt, unsigned long flags)',
  inotify_init1: 'int inotify_init1(int flags)',
  inotify_add_watch: 'int inotify_add_watch(int fd, const char *path, uint32_t mask)',
  read: 'long read(int fd, void *buf, size_t count)',
  sched_getaffinity: 'int sched_getaffinity(int pid, size_t size, void *mask)',
  sched_setaffinity: 'int sched_setaffinity(int pid, size_t size, const void *mask)',
  prctl: 'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)',
};

let bindings: Libc | undefined;

export function libc(): Libc {
  if (!bindings) {
    const lib = koffi().load('libc.so.6');
    const bound: Record<string, unknown> = {};
    for (const [name, declaration] of Object.entries(declarations)) bound[name] = lib.func(declaration);
    bindings = bound as unknown as Libc;
  }
  return bindings;
}

/** errno of the last koffi call on this thread (koffi saves it right after the call). */
export function lastErrno(): number {
  return koffi().errno();
}

let errnoNames: Map<number, string> | undefined;

export function errnoName(errno: number): string {
  errnoNames ??= new Map(Object.entries(koffi().os.errno).map(([name, value]) => [value as number, name]));
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The errno values this code compares with (Node's table is the same as libc's on Linux). */
export const ERRNO = os.constants.errno as Record<string, number>;

// <fcntl.h>, <sys/mman.h>, <time.h>, <sys/ipc.h>, <sys/sem.h> on Linux (same on x86_64 and arm64).
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
/** mmap's MAP_FAILED, (void *) -1, as koffi returns it. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_UN = 8;
/** <linux/prctl.h>: name the process that may ptrace this one (Yama, ptrace_scope 1). */
export const PR_SET_PTRACER = 0x59616d61;
export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
export const IPC_NOWAIT = 0o4000;
export const IPC_RMID = 0;
export const IPC_STAT = 2;
export const GETPID = 11;
export const GETVAL = 12;
export const GETNCNT = 14;
export const GETZCNT = 15;
export const SETVAL = 16;
export const SETALL = 17;
/** inotify(7): flags of inotify_init1 and the events a watch reports. */
export const IN_NONBLOCK = 0o4000;
export const IN_CLOEXEC = 0o2000000;
export const IN_MODIFY = 0x2;
export const IN_ATTRIB = 0x4;
export const IN_MOVED_FROM = 0x40;
export const IN_MOVED_TO = 0x80;
export const IN_CREATE = 0x100;
export const IN_DELETE = 0x200;
export const IN_Q_OVERFLOW = 0x4000;
export const IN_IGNORED = 0x8000;
/** Largest System V semaphore value (SEMVMX). */
export const SEMVMX = 32767;
/** Largest POSIX semaphore value (SEM_VALUE_MAX = INT_MAX). */
export const SEM_VALUE_MAX = 0x7fffffff;

/** struct timespec { time_t tv_sec; long tv_nsec; } on 64-bit Linux. */
export function timespec(ms: number, base?: { sec: bigint; nsec: bigint }): Buffer {
  const buffer = Buffer.alloc(16);
  let sec = BigInt(Math.floor(ms / 1000));
  let nsec = BigInt(Math.round((ms % 1000) * 1_000_000));
  if (base) {
    sec += base.sec;
    nsec += base.nsec;
    if (nsec >= 1_000_000_000n) {
      sec += 1n;
      nsec -= 1_000_000_000n;
    }
  }
  buffer.writeBigInt64LE(sec, 0);
  buffer.writeBigInt64LE(nsec, 8);
  return buffer;
}

const threadClock = Buffer.alloc(16);
const threadClock64 = new BigInt64Array(threadClock.buffer, threadClock.byteOffset, 2);

/**
 * CPU time of the calling thread, ms (CLOCK_THREAD_CPUTIME_ID, ns resolution). Unlike the
 * process's (getrusage), other threads' time never lands in it, so short spans measure only
 * themselves.
 */
export function threadCpuMs(): number {
  if (libc().clock_gettime(CLOCK_THREAD_CPUTIME_ID, threadClock) !== 0) throw new Error(`clock_gettime failed: ${errnoName(lastErrno())}`);
  return Number(threadClock64[0]) * 1000 + Number(threadClock64[1]) / 1e6;
}

/** CLOCK_MONOTONIC now, the clock sem_clockwait is given. */
export function monotonicNow(): { sec: bigint; nsec: bigint } {
  const buffer = Buffer.alloc(16);
  if (libc().clock_gettime(CLOCK_MONOTONIC, buffer) !== 0) throw new Error(`clock_gettime failed: ${errnoName(lastErrno())}`);
  return { sec: buffer.readBigInt64LE(0), nsec: buffer.readBigInt64LE(8) };
}

/** struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; }: one operation. */
export function sembuf(index: number, op: number, flags: number): Buffer {
  const buffer = Buffer.alloc(6);
  buffer.writeUInt16LE(index, 0);
  buffer.writeInt16LE(op, 2);
  buffer.writeInt16LE(flags, 4);
  return buffer;
}
