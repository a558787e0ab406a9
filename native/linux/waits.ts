// A semaphore wait that could block runs on a pooled thread of its own (../wait-thread.ts), never
// on the event loop's thread or libuv's pool. Cancelling sets a shared flag that the thread checks
// between slices of WAIT_SLICE_MS (Linux cannot wake a sem_clockwait or semtimedop on purpose),
// so a cancel takes effect within about one slice.
import { NativeError } from '../errors';
import { PendingWaits, WaitThreadPool, waitOnPooledThread } from '../wait-thread';
import { errnoError } from './errno';
import { ERRNO } from './libc';
import { linuxWaitThreadMain, type LinuxWaitMessage } from './wait-thread-body';

/** Cancel latency bound, and the wake-ups a pending wait costs (50 a second). */
export const WAIT_SLICE_MS = 20;

/** This process's Linux wait threads. */
export const linuxWaitThreads = new WaitThreadPool(linuxWaitThreadMain);

export type WaitOutcome = 'signaled' | 'timeout' | 'cancelled';

export function cancelledError(op: string, path: string, signal: AbortSignal | undefined): NativeError {
  const reason = typeof signal?.reason === 'string' ? signal.reason : 'cancelled';
  return new NativeError('cancelled', op, `the wait on ${path} was cancelled: ${reason}`, 'CANCELLED');
}

export type WaitTarget =
  | { mode: 'posix'; address: bigint }
  | { mode: 'sysv'; semid: number; index: number }
  | { mode: 'flock'; fd: number; operation: number };

/** The wait message for a target; its cancel flag is set to cancel. */
export function waitMessage(target: WaitTarget, count: number, timeoutMs: number): LinuxWaitMessage {
  return {
    type: 'wait',
    ...target,
    count,
    timeoutMs,
    sliceMs: WAIT_SLICE_MS,
    cancelFlag: new SharedArrayBuffer(4),
    errno: { EINTR: ERRNO.EINTR, EAGAIN: ERRNO.EAGAIN, ETIMEDOUT: ERRNO.ETIMEDOUT },
  };
}

/**
 * Takes `count` units (all or none) on a thread of its own, waiting up to timeoutMs. The caller
 * keeps the mapping (POSIX) alive until this settles: the thread touches it no more after its answer.
 */
export async function waitOnThread(
  target: Exclude<WaitTarget, { mode: 'flock' }>,
  path: string,
  count: number,
  timeoutMs: number,
  pending: PendingWaits,
  signal?: AbortSignal,
): Promise<WaitOutcome> {
  if (signal?.aborted) return 'cancelled';
  const message = waitMessage(target, count, timeoutMs);
  const cancel = () => Atomics.store(new Int32Array(message.cancelFlag), 0, 1);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const { answer } = await waitOnPooledThread(linuxWaitThreads, pending, { ...message }, cancel);
    if (answer.outcome === 'failed') {
      const errno = answer.errno as number;
      if (target.mode === 'sysv' && (errno === ERRNO.EIDRM || errno === ERRNO.EINVAL)) {
        throw new NativeError('vanished', 'semop', `System V semaphore set ${target.semid} is gone`, errno === ERRNO.EIDRM ? 'EIDRM' : 'EINVAL');
      }
      throw errnoError(errno, target.mode === 'posix' ? 'sem_clockwait' : 'semtimedop', path);
    }
    return answer.outcome as WaitOutcome;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
