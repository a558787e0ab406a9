// The `why` document: what one process (or every process of a name) waits for, who holds it, the
// chain onward, and a one-line verdict. `syncscope why --json` prints it, the protocol's `why`
// request answers it (the app's Processes view). Stable: fields are only ever added.
// Field meanings: README.md ("syncscope why") and native/types.ts, whose plain data it carries.
import { z } from 'zod';
import { countSchema as count, objectStateSchema, pidSchema as pid } from './states';

const reasons = z.record(z.string(), z.string());

export const processQuerySchema = z.union([
  z.object({ pid: z.number().int().min(1).max(0x7fffffff) }).strict(),
  z.object({ name: z.string().min(1).max(255).regex(/^[^/\0]+$/, 'a process name has no "/" or NUL') }).strict(),
]);

/** How a person gives a process: digits are a pid, anything else a process name (not yet checked). */
export function processQueryOf(text: string): { pid: number } | { name: string } {
  return /^\d+$/.test(text) ? { pid: Number(text) } : { name: text };
}

export const processInfoSchema = z.object({
  pid,
  name: z.string(),
  parentPid: pid.nullable(),
  commandLine: z.string().nullable(),
  user: z.string().nullable(),
});

export const waitOwnerSchema = z.object({
  pid,
  tid: count.nullable(),
  /** Read from user memory laid out as a library's structure (glibc pthread_mutex_t), not told by the kernel. */
  inferred: z.boolean(),
  source: z.string(),
});

export const waitObjectSchema = z.object({
  kind: z.string(),
  /** Identity: equal ids are one object. A named object's path; see README for the ids of unnamed ones. */
  id: z.string(),
  name: z.string().nullable(),
  label: z.string(),
  state: objectStateSchema.optional(),
  owner: waitOwnerSchema.optional(),
  unavailable: reasons.optional(),
});

export const waitDurationSchema = z.object({
  ms: z.number().nonnegative().nullable(),
  atLeast: z.boolean(),
  source: z.enum(['scheduler', 'sampler', 'os']).nullable(),
  unavailable: z.string().optional(),
});

export const threadStateSchema = z.enum(['running', 'blocked', 'stopped', 'exited', 'unknown']);

/** One link of a chain: an actor (a thread, or a whole process where no thread is named) and what it waits for. */
export const chainStepSchema = z.object({
  pid,
  /** null: the whole process (a lock holder, a child to exit) where no one thread is to blame. */
  tid: count.nullable(),
  processName: z.string(),
  state: threadStateSchema,
  call: z.string().nullable(),
  /** The object it waits for, by id (see the thread's wait, or `objects`); null for the last step. */
  waitsFor: z.string().nullable(),
  /** Who holds that object: the next step. */
  heldBy: waitOwnerSchema.nullable(),
});

/** A process that could end a wait on an object without an owner (a semaphore's mappers), and what it does now. */
export const candidateSchema = z.object({
  pid,
  processName: z.string(),
  /** running: some thread runs; waiting-too: waits on the same object; blocked: elsewhere (see `doing`). */
  activity: z.enum(['running', 'waiting-too', 'blocked', 'stopped', 'exited', 'unknown']),
  /** In words: `running`, `waiting on it too`, `sleeping in clock_nanosleep`, `waiting for child python3 (4101) to exit`. */
  doing: z.string(),
});

export const chainEndSchema = z.object({
  /**
   * running: the last actor runs (the chain may move). cycle: it waits for an actor already on the
   * chain (a deadlock). blocked: it is blocked in something that is not a wait on an object (a read,
   * a sleep). no-owner: the object has no single owner (a semaphore): `candidates` could signal it.
   * not-told: the OS does not say (see text). stopped, exited: the last actor is stopped or gone.
   * limit: the chain was cut after many steps.
   */
  reason: z.enum(['running', 'cycle', 'blocked', 'no-owner', 'not-told', 'stopped', 'exited', 'limit']),
  text: z.string(),
  /** cycle: the index in the chain of the step it returns to. */
  cycleTo: count.optional(),
  candidates: z.array(candidateSchema).optional(),
});

export const whyThreadSchema = z.object({
  tid: count,
  name: z.string().nullable(),
  state: threadStateSchema,
  osState: z.string(),
  call: z.string().nullable(),
  wait: z
    .object({
      objects: z.array(waitObjectSchema).min(1),
      mode: z.enum(['any', 'all']),
      detail: z.string().optional(),
      duration: waitDurationSchema,
    })
    .nullable(),
  unavailable: z.string().optional(),
  /** For a waiting thread: the chain from it onward (its first step is the thread itself), and how it ends. */
  chain: z.array(chainStepSchema).nullable(),
  end: chainEndSchema.nullable(),
});

/** Every object met: the ones waited on along the chains and the ones the process holds. */
export const whyObjectSchema = waitObjectSchema.extend({
  /** Processes holding it (mapping it, holding the lock, a handle); null where not asked or not told (see unavailable.holders). */
  holders: z.array(z.object({ pid, processName: z.string() })).nullable(),
  /** Threads met that wait on it. */
  waiters: z.array(z.object({ pid, tid: count, processName: z.string() })),
});

const graphNodeSchema = z.union([
  z.object({ type: z.literal('process'), pid, name: z.string().optional() }),
  z.object({ type: z.literal('thread'), pid, tid: count, name: z.string().optional() }),
  z.object({ type: z.literal('object'), path: z.string(), kind: z.string(), label: z.string().optional() }),
]);
export const deadlockSchema = z.object({ chain: z.array(graphNodeSchema), text: z.string() });

export const whyVerdictSchema = z.object({
  kind: z.enum(['deadlocked', 'waiting', 'not-blocked', 'unknown']),
  /** The one line people read first. */
  text: z.string(),
});

export const whyProcessReportSchema = z.object({
  process: processInfoSchema,
  verdict: whyVerdictSchema,
  threads: z.array(whyThreadSchema),
  holds: z.array(z.object({ id: z.string(), how: z.string() })),
  objects: z.record(z.string(), whyObjectSchema),
  /** Wait-for cycles that this process is on. */
  deadlocks: z.array(deadlockSchema),
  unavailable: reasons,
});

export const whyDocumentSchema = z.object({
  format: z.literal('syncscope-why'),
  version: z.literal(1),
  t: z.number(),
  platform: z.string(),
  query: processQuerySchema,
  /** One per matching process (a name may match several), in pid order. */
  reports: z.array(whyProcessReportSchema),
  /** What could not be looked at anywhere (other users' processes...), so that an answer is read with care. */
  unavailable: reasons,
  /** The processes that could not be looked at (unavailable.processes gives their count and the advice). */
  unreadablePids: z.array(pid).optional(),
});

export { graphNodeSchema };
export type WhyDocument = z.infer<typeof whyDocumentSchema>;
export type WhyProcessReport = z.infer<typeof whyProcessReportSchema>;
export type WhyThread = z.infer<typeof whyThreadSchema>;
export type WhyObject = z.infer<typeof whyObjectSchema>;
export type ChainStep = z.infer<typeof chainStepSchema>;
export type ChainEnd = z.infer<typeof chainEndSchema>;
export type Candidate = z.infer<typeof candidateSchema>;
export type ProcessQueryMessage = z.infer<typeof processQuerySchema>;
