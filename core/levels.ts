// The numbers that history, charts and metrics keep for each kind of state.

/** One sampled state reduced to numbers. */
export interface Level {
  /** Event/timer: 1 signaled. Mutex: 1 locked. Semaphores: the count (sum over a SysV set). */
  value: number;
  /** Threads known to wait on it; NaN where the OS does not say. */
  waiters: number;
  /** Largest value the object can take (semaphore maximum), where known. */
  max?: number;
}

const sum = (values: readonly number[]) => values.reduce((total, v) => total + v, 0);

export function levelOf(kind: string, state: object | undefined, knownWaiters?: number): Level {
  const waiters = knownWaiters ?? Number.NaN;
  if (!state) return { value: Number.NaN, waiters };
  const s = state as unknown as Record<string, unknown>;
  switch (kind) {
    case 'event':
    case 'timer':
      return { value: s.signaled ? 1 : 0, waiters };
    case 'mutex':
      return { value: s.locked ? 1 : 0, waiters, max: 1 };
    case 'semaphore':
      return { value: s.count as number, waiters, max: s.max as number };
    case 'posix-semaphore':
      return { value: s.count as number, waiters: s.waiters as number };
    case 'sysv-semaphore':
      return {
        value: sum(s.values as number[]),
        waiters: sum(s.waiters as number[]) + sum(s.zeroWaiters as number[]),
      };
    case 'file-lock':
      return { value: 1, waiters: (s.waiterPids as number[]).length, max: 1 };
    default:
      return { value: Number.NaN, waiters };
  }
}

/**
 * How far a value is from letting a waiter through, 0..1: a locked mutex or an unsignaled event
 * is 1, a semaphore at count 0 of 4 is 1, at 3 of 4 is 0.25. NaN where it cannot be said.
 */
export function busyOf(kind: string, value: number, max: number | undefined): number {
  if (Number.isNaN(value)) return Number.NaN;
  switch (kind) {
    case 'event':
    case 'timer':
      return value > 0 ? 0 : 1;
    case 'mutex':
    case 'file-lock':
      return value > 0 ? 1 : 0;
    default:
      if (max && max > 0) return 1 - Math.min(value, max) / max;
      return value > 0 ? 0 : 1;
  }
}
