// The body of a Linux wait thread (see ../wait-thread.ts). It runs in its own worker, so it
// refers to nothing outside itself: it loads koffi and binds the few libc calls it needs. It
// answers each message with one message:
//   wait  { mode, ... }: one wait, answered { outcome: signaled | timeout | cancelled | failed, errno }.
//         Neither sem_clockwait nor semtimedop can be woken by another thread on purpose, so the
//         thread waits in slices of sliceMs and checks the wait's shared cancel flag (Atomics)
//         between them: a cancel takes effect within one slice. A POSIX semaphore counts, so
//         nothing is lost between slices.
//         posix  `count` units of the semaphore mapped at `address`, all or none (units taken
//                before a timeout or cancel are posted back).
//         sysv   semtimedop(semid, {index, -count}): the kernel takes all units at once or none.
//         flock  flock(fd, operation), blocking: the kernel queues it as a waiter (what
//                /proc/locks and deadlock detection see), and nothing ends it but the lock or
//                the process's exit (demo workers only; no slices, no cancel).
//   exit  ends the thread (no answer).

export interface LinuxWaitMessage {
  type: 'wait';
  mode: 'posix' | 'sysv' | 'flock';
  /** posix: the address of this process's mapping of the semaphore. */
  address?: bigint;
  /** sysv: the set and the semaphore in it. */
  semid?: number;
  index?: number;
  /** flock: this process's descriptor of the file, and the operation. */
  fd?: number;
  operation?: number;
  count: number;
  timeoutMs: number;
  sliceMs: number;
  /** Int32Array over it: [0] becomes 1 to cancel. */
  cancelFlag: SharedArrayBuffer;
  errno: { EINTR: number; EAGAIN: number; ETIMEDOUT: number };
}

export function linuxWaitThreadMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const koffi = require(workerData.koffiPath) as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const sem_trywait = lib.func('int sem_trywait(void *sem)');
  const sem_post = lib.func('int sem_post(void *sem)');
  const sem_clockwait = lib.func('int sem_clockwait(void *sem, int clock, void *abstime)');
  const clock_gettime = lib.func('int clock_gettime(int clock, void *timespec)');
  const semtimedop = lib.func('int semtimedop(int semid, void *sops, size_t nsops, void *timeout)');
  const flock = lib.func('int flock(int fd, int operation)');
  const CLOCK_MONOTONIC = 1;
  const port = parentPort!;

  const monotonicMs = () => {
    const now = Buffer.alloc(16);
    clock_gettime(CLOCK_MONOTONIC, now);
    return Number(now.readBigInt64LE(0)) * 1000 + Number(now.readBigInt64LE(8)) / 1e6;
  };
  /** A timespec of ms milliseconds (relative), or of the monotonic time ms (absolute). */
  const timespec = (ms: number) => {
    const buffer = Buffer.alloc(16);
    const whole = Math.floor(ms);
    buffer.writeBigInt64LE(BigInt(Math.floor(whole / 1000)), 0);
    buffer.writeBigInt64LE(BigInt((whole % 1000) * 1_000_000 + Math.floor((ms - whole) * 1_000_000)), 8);
    return buffer;
  };

  const wait = (data: LinuxWaitMessage) => {
    const { EINTR, EAGAIN, ETIMEDOUT } = data.errno;
    const cancelFlag = new Int32Array(data.cancelFlag);
    const cancelled = () => Atomics.load(cancelFlag, 0) !== 0;
    const deadline = monotonicMs() + data.timeoutMs;
    let outcome = 'signaled';
    let errno = 0;
    if (data.mode === 'posix') {
      const sem = data.address!;
      let taken = 0;
      while (taken < data.count) {
        if (sem_trywait(sem) === 0) {
          taken++;
          continue;
        }
        errno = koffi.errno();
        if (errno === EINTR) continue;
        if (errno !== EAGAIN) {
          outcome = 'failed';
          break;
        }
        if (cancelled()) {
          outcome = 'cancelled';
          break;
        }
        const now = monotonicMs();
        if (now >= deadline) {
          outcome = 'timeout';
          break;
        }
        if (sem_clockwait(sem, CLOCK_MONOTONIC, timespec(Math.min(deadline, now + data.sliceMs))) === 0) {
          taken++;
          continue;
        }
        errno = koffi.errno();
        if (errno !== ETIMEDOUT && errno !== EINTR) {
          outcome = 'failed';
          break;
        }
      }
      if (taken < data.count) for (let i = 0; i < taken; i++) sem_post(sem);
    } else if (data.mode === 'flock') {
      while (flock(data.fd!, data.operation!) !== 0) {
        errno = koffi.errno();
        if (errno !== EINTR) {
          outcome = 'failed';
          break;
        }
      }
    } else {
      // struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; }
      const op = Buffer.alloc(6);
      op.writeUInt16LE(data.index!, 0);
      op.writeInt16LE(-data.count, 2);
      for (;;) {
        if (cancelled()) {
          outcome = 'cancelled';
          break;
        }
        const remaining = deadline - monotonicMs();
        if (remaining <= 0) {
          outcome = 'timeout';
          break;
        }
        if (semtimedop(data.semid!, op, 1, timespec(Math.min(remaining, data.sliceMs))) === 0) break;
        errno = koffi.errno();
        if (errno !== EAGAIN && errno !== EINTR) {
          outcome = 'failed';
          break;
        }
      }
    }
    return { type: 'done', outcome, errno: outcome === 'failed' ? errno : 0 };
  };

  port.on('message', (message: { type: string }) => {
    if (message.type === 'wait') port.postMessage(wait(message as LinuxWaitMessage));
    else if (message.type === 'exit') port.close();
  });
}
