// A semaphore wait that could block runs on its own thread (../wait-thread.ts), never on the
// event loop's thread or libuv's pool. Cancelling sets a shared flag that the thread checks
// between slices of WAIT_SLICE_MS (Linux cannot wake a sem_clockwait or semtimedop on purpose),
// so a cancel takes effect within about one slice.
import { NativeError } from '../errors';
import { PendingWaits, WaitThread, tracked } from '../wait-thread';
import { errnoError } from './errno';
import { ERRNO } from './libc';
import { linuxWaitThreadMain, type LinuxWaitData } from './wait-thread-body';

/** Cancel latency bound, and the wake-ups a pending wait costs (50 a second). */
export const WAIT_SLICE_MS = 20;

export type WaitOutcome = 'signaled' | 'timeout' | 'cancelled';

export function cancelledError(op: string, path: string, signal: AbortSignal | undefined): NativeError {
  const reason = typeof signal?.reason === 'string' ? signal.reason : 'cancelled';
  return new NativeError('cancelled', op, `the wait on ${path} was cancelled: ${reason}`, 'CANCELLED');
}

export type SemaphoreWait =
  | { mode: 'posix'; address: bigint }
  | { mode: 'sysv'; semid: number; index: number };

/**
 * Takes `count` units (all or none) on a thread of its own, waiting up to timeoutMs. The caller
 * keeps the mapping (POSIX) alive until this settles: the thread touches it no more after its answer.
 */
export function waitOnThread(
  target: SemaphoreWait,
  path: string,
  count: number,
  timeoutMs: number,
  pending: PendingWaits,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  if (signal?.aborted) return Promise.resolve('cancelled');
  const cancelFlag = new SharedArrayBuffer(4);
  const data: LinuxWaitData = {
    ...target,
    count,
    timeoutMs,
    sliceMs: WAIT_SLICE_MS,
    cancelFlag,
    errno: { EINTR: ERRNO.EINTR, EAGAIN: ERRNO.EAGAIN, ETIMEDOUT: ERRNO.ETIMEDOUT },
  };
  const thread = tracked(new WaitThread(linuxWaitThreadMain, data as unknown as Record<string, unknown>));
  const cancel = () => Atomics.store(new Int32Array(cancelFlag), 0, 1);
  signal?.addEventListener('abort', cancel, { once: true });
  const settled = (async (): Promise<WaitOutcome> => {
    try {
      const message = await thread.next();
      if (message.outcome === 'failed') {
        const errno = message.errno as number;
        if (target.mode === 'sysv' && (errno === ERRNO.EIDRM || errno === ERRNO.EINVAL)) {
          throw new NativeError('vanished', 'semop', `System V semaphore set ${target.semid} is gone`, errno === ERRNO.EIDRM ? 'EIDRM' : 'EINVAL');
        }
        throw errnoError(errno, target.mode === 'posix' ? 'sem_clockwait' : 'semtimedop', path);
      }
      return message.outcome as WaitOutcome;
    } finally {
      signal?.removeEventListener('abort', cancel);
      pending.joinLater(thread);
    }
  })();
  return pending.add(cancel, settled);
}
