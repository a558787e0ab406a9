// Object states as `list --json` prints them; shared by the protocol's messages and the why document.
import { z } from 'zod';

/** A count, an index, a thread id: a whole number from 0. */
export const countSchema = z.number().int().nonnegative();
/** A process id. */
export const pidSchema = z.number().int().nonnegative();
const count = countSchema;
const pid = pidSchema;

export const eventStateSchema = z.object({ eventType: z.enum(['manual', 'auto']), signaled: z.boolean() });
export const mutexStateSchema = z.object({
  locked: z.boolean(),
  abandoned: z.boolean(),
  ownerThreadId: count.optional(),
  ownerProcessId: count.optional(),
  ownedByCaller: z.boolean().optional(),
});
export const semaphoreStateSchema = z.object({ count, max: count });
export const timerStateSchema = z.object({ signaled: z.boolean(), remainingMs: z.number().nullable() });
export const posixSemaphoreStateSchema = z.object({ count, waiters: count });
export const sysvSemaphoreStateSchema = z.object({
  key: z.number().int(),
  semid: count,
  values: z.array(count),
  waiters: z.array(count),
  zeroWaiters: z.array(count),
  lastPids: z.array(count),
});
export const fileLockStateSchema = z.object({
  lockType: z.enum(['FLOCK', 'POSIX', 'OFDLCK']),
  mode: z.enum(['READ', 'WRITE']),
  path: z.string(),
  holderPid: pid,
  waiterPids: z.array(pid),
  device: z.string().optional(),
  inode: count.optional(),
  start: count.optional(),
  end: count.nullable().optional(),
});

export const objectStateSchema = z.union([
  eventStateSchema,
  mutexStateSchema,
  semaphoreStateSchema,
  timerStateSchema,
  posixSemaphoreStateSchema,
  sysvSemaphoreStateSchema,
  fileLockStateSchema,
]);

