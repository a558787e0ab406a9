// The one protocol: every channel and message between the core and its front ends (Electron IPC,
// the serve mode's WebSocket, the CLI's JSON output), declared once with its schema. Whatever
// crosses a process boundary is parsed with these schemas on the receiving side.
import { z } from 'zod';
import { REQUEST_NAMES, type RequestName } from './channels';
import { nameProblem } from './names';
import { MAX_WAITER_OPERATIONS } from '../native/types';
import { countSchema, objectStateSchema, pidSchema } from './states';
import { graphNodeSchema, processQuerySchema, whyDocumentSchema } from './why';

export {
  CONNECT_CHANNEL,
  ENGINE_STATUS_CHANNEL,
  PORT_CHANNEL,
  REQUEST_NAMES,
  RESTART_ENGINE_CHANNEL,
  UPDATE_CHANNEL,
  ipcChannel,
  type RequestName,
} from './channels';
export { MAX_NAME_CHARS, isUnnamedPath, nameProblem, printable } from './names';
export * from './states';
export * from './why';

// ---- Object reports, as `list --json` prints them ---------------------------------------------

const count = countSchema;
const pid = pidSchema;

const holderSchema = z.object({ pid, processName: z.string() });
const waiterSchema = z.object({
  pid,
  tid: count,
  processName: z.string(),
  operations: z.array(z.object({ index: count, op: z.number().int() })).max(MAX_WAITER_OPERATIONS).optional(),
});
const errorInfoSchema = z.object({ kind: z.string(), message: z.string() });

/** One object as `list --json` and `show --json` print it. */
export const objectReportSchema = z.object({
  kind: z.string(),
  name: z.string(),
  path: z.string(),
  state: objectStateSchema.optional(),
  holders: z.array(holderSchema).optional(),
  waiters: z.array(waiterSchema).optional(),
  error: errorInfoSchema.optional(),
  unavailable: z.record(z.string(), z.string()).optional(),
});
export type ObjectReportMessage = z.infer<typeof objectReportSchema>;

/** One object as the live stream carries it: the report plus liveness. */
export const objectRecordSchema = objectReportSchema.extend({
  /** When the state (or holders, waiters, error) last changed, ms since epoch. */
  changedAt: z.number(),
  /** The object vanished at this time; `state` is its last state. */
  goneAt: z.number().optional(),
  /** The effective interval between this object's samples, ms (changes only when it moves by a tier). */
  intervalMs: z.number().optional(),
});
export type ObjectRecord = z.infer<typeof objectRecordSchema>;

// ---- The update stream -------------------------------------------------------------------------

export const snapshotSchema = z.object({
  type: z.literal('snapshot'),
  seq: count,
  t: z.number(),
  records: z.array(objectRecordSchema),
});
export const deltaSchema = z.object({
  type: z.literal('delta'),
  fromSeq: count,
  seq: count,
  t: z.number(),
  upserts: z.array(objectRecordSchema),
  removed: z.array(z.string()),
});
export const updateSchema = z.discriminatedUnion('type', [snapshotSchema, deltaSchema]);
export type UpdateMessage = z.infer<typeof updateSchema>;

// ---- Recordings (files) -----------------------------------------------------------------------

export const recordingSchema = z.object({
  format: z.literal('syncscope-recording'),
  version: z.literal(1),
  platform: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  truncated: z.boolean(),
  objects: z.array(z.object({ path: z.string(), kind: z.string(), name: z.string() })),
  changes: z.array(
    z.object({
      t: z.number(),
      path: z.string(),
      state: objectStateSchema.optional(),
      /** Known waiter count at that time. */
      waiters: count.optional(),
      gone: z.boolean().optional(),
    }),
  ),
});
export type RecordingMessage = z.infer<typeof recordingSchema>;

// ---- Requests ----------------------------------------------------------------------------------

/** A name as a user gives it: see names.ts for what is refused and why. */
const name = z.string().superRefine((value, context) => {
  const problem = nameProblem(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
/** A path the engine already knows (history, metrics, watch): looked up, never given to the OS. */
const knownPath = z.string().max(65_535);
const ms = z.number().int().nonnegative().max(0x7fffffff);

export const actionRequestSchema = z.object({
  action: z.enum(['signal', 'set', 'reset', 'pulse', 'release', 'acquire', 'cancel', 'post', 'trywait', 'drain', 'unlink', 'setval']),
  name,
  /** Units to post, release or take: at least one (what the OS allows at most is the backend's check). */
  count: z.number().int().min(1).max(0x7fffffff).optional(),
  /** System V: which semaphore of the set; setval: the value. */
  index: z.number().int().min(0).max(0xffff).optional(),
  value: z.number().int().min(0).max(32767).optional(),
  timeoutMs: ms.optional(),
  dueMs: ms.optional(),
  periodMs: ms.optional(),
});
export const actionResultSchema = z.object({
  path: z.string(),
  kind: z.string(),
  action: z.string(),
  detail: z.string(),
  previousCount: z.number().optional(),
  acquired: z.number().optional(),
  abandoned: z.boolean().optional(),
  state: objectStateSchema.optional(),
});

export const createSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), name, manual: z.boolean().optional(), signaled: z.boolean().optional() }),
  z.object({ kind: z.literal('mutex'), name, owned: z.boolean().optional() }),
  z.object({ kind: z.literal('semaphore'), name, count: count.optional(), max: count.min(1).optional() }),
  z.object({
    kind: z.literal('timer'),
    name,
    manual: z.boolean().optional(),
    dueMs: ms.optional(),
    periodMs: ms.optional(),
  }),
  z.object({ kind: z.literal('posix-semaphore'), name, count: count.optional() }),
  /** name: the IPC key (0x hex, decimal, or "private"); nsems semaphores, each starting at count. */
  z.object({ kind: z.literal('sysv-semaphore'), name, count: count.max(32767).optional(), nsems: count.min(1).max(32000).optional() }),
]);

export const ratesSchema = z.object({
  scanMs: z.number().int().min(50).max(3_600_000),
  stateMs: z.number().int().min(5).max(60_000),
  watchMs: z.number().int().min(5).max(60_000),
  holdersMs: z.number().int().min(100).max(3_600_000),
});
export type Rates = z.infer<typeof ratesSchema>;
export const DEFAULT_RATES: Rates = { scanMs: 1000, stateMs: 100, watchMs: 10, holdersMs: 2000 };

/** The engine's CPU budget, percent of one core (issue 15). */
export const cpuBudgetSchema = z.number().min(0.5).max(100);
export const DEFAULT_CPU_BUDGET_PERCENT = 5;
/** What the sampler spends against its budget, and how long a full round of every object takes. */
export const budgetStatusSchema = z.object({
  budgetPercent: z.number(),
  usedPercent: z.number(),
  fullRoundMs: z.number(),
  objects: z.number().int().min(0),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

/** One chart point; null where the value is unknown (object gone, waiters not told by the OS). */
export const historyPointSchema = z.object({
  t: z.number(),
  value: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  waiters: z.number().nullable(),
  changes: count,
});
export type HistoryPointMessage = z.infer<typeof historyPointSchema>;

export const metricsSchema = z.object({
  path: z.string(),
  kind: z.string(),
  windowMs: z.number(),
  signaledShare: z.number().optional(),
  lockedShare: z.number().optional(),
  utilisation: z.number().optional(),
  busyShare: z.number(),
  transitionsPerSec: z.number(),
  waitersMean: z.number().optional(),
  waitersMax: z.number().optional(),
  holds: z.object({ count: count, meanMs: z.number(), maxMs: z.number() }).optional(),
  score: z.number(),
});

export const deadlockReportSchema = z.object({
  t: z.number(),
  deadlocks: z.array(z.object({ chain: z.array(graphNodeSchema), text: z.string() })),
  /** The whole wait-for graph: nodes by id, edges from waiter to what it waits for. */
  graph: z.object({
    nodes: z.record(z.string(), graphNodeSchema),
    edges: z.array(z.tuple([z.string(), z.string()])),
  }),
  /** What the OS could not tell, so that "no deadlock" is read with care. */
  unavailable: z.record(z.string(), z.string()),
});
export type DeadlockReport = z.infer<typeof deadlockReportSchema>;

const capabilitySchema = z.object({ supported: z.boolean(), reason: z.string().optional() });
export const capabilityReportSchema = z
  .object({ platform: z.string(), osRelease: z.string() })
  .catchall(z.union([capabilitySchema, z.string()]));

// ---- Channels ----------------------------------------------------------------------------------

/**
 * Request/response channels. Main (ipcMain.handle), preload (ipcRenderer.invoke), the serve
 * mode's WebSocket and its browser client are all generated from this table.
 */
export const sessionSchema = z.object({
  platform: z.string(),
  /** Actions and creation refused (serve mode without --allow-actions). */
  readOnly: z.boolean(),
  transport: z.enum(['electron', 'websocket']),
  rates: ratesSchema,
});
export type SessionInfo = z.infer<typeof sessionSchema>;

export const REQUESTS = {
  session: { request: z.object({}), response: sessionSchema },
  show: { request: z.object({ name }), response: objectReportSchema },
  act: { request: actionRequestSchema, response: actionResultSchema },
  create: { request: createSpecSchema, response: z.object({ kind: z.string(), path: z.string() }) },
  capabilities: { request: z.object({}), response: capabilityReportSchema },
  setRates: { request: ratesSchema.partial(), response: ratesSchema },
  watch: { request: z.object({ paths: z.array(knownPath).max(1000) }), response: z.object({ watched: z.array(z.string()) }) },
  history: {
    request: z.object({ path: knownPath, fromMs: z.number(), toMs: z.number(), maxPoints: z.number().int().min(1).max(10_000) }),
    response: z.array(historyPointSchema),
  },
  metrics: { request: z.object({ path: knownPath, windowMs: ms }), response: metricsSchema.nullable() },
  contention: {
    request: z.object({ windowMs: ms, limit: z.number().int().min(1).max(1000) }),
    response: z.array(metricsSchema),
  },
  deadlocks: { request: z.object({}), response: deadlockReportSchema },
  /** The Processes view's process: its objects that a default scan leaves out are tracked too (null: none). */
  focusProcess: { request: z.object({ pid: pid.min(1).nullable() }), response: z.object({ scopes: z.array(z.string()) }) },
  /** What a process waits for (by pid, or every process of a name): threads, chains onward, a verdict. */
  why: { request: processQuerySchema, response: whyDocumentSchema },
  exportRecording: { request: z.object({ format: z.enum(['json', 'csv']) }), response: z.string() },
  /** Starts a built-in demo (stopping any running one): real worker processes on new objects. */
  startDemo: {
    request: z.object({
      scenario: z.enum(['handshake', 'mutex-contention', 'producer-consumer', 'bank', 'timer', 'deadlock', 'abandoned']),
      workers: z.number().int().min(1).max(64).optional(),
    }),
    response: z.object({ scenario: z.string(), description: z.string(), objects: z.record(z.string(), z.string()), pids: z.array(pid) }),
  },
  stopDemo: { request: z.object({}), response: z.object({ stopped: z.boolean() }) },
  /** The newest audit entries, and the file they are in. */
  auditLog: {
    request: z.object({ limit: z.number().int().min(1).max(10_000) }),
    response: z.object({
      file: z.string(),
      entries: z.array(
        z.object({ time: z.string(), via: z.string(), pid, action: z.string(), target: z.string(), ok: z.boolean(), detail: z.string() }),
      ),
    }),
  },
  /** Starts (or restarts) the update stream to the caller: a snapshot, then deltas on `ack`. */
  subscribe: { request: z.object({}), response: z.object({ ok: z.literal(true) }) },
  ack: { request: z.object({}), response: z.object({ ok: z.literal(true) }) },
} as const;

// Compile-time check that the schema table and the channel list name the same requests.
type TableName = keyof typeof REQUESTS;
const everyNameHasSchemas: readonly TableName[] = REQUEST_NAMES;
const noSchemaWithoutName: [Exclude<TableName, RequestName>] extends [never] ? true : false = true;
void everyNameHasSchemas;
void noSchemaWithoutName;
export type RequestOf<N extends RequestName> = z.infer<(typeof REQUESTS)[N]['request']>;
export type ResponseOf<N extends RequestName> = z.infer<(typeof REQUESTS)[N]['response']>;

/** Parses a request; throws a ProtocolError naming the channel and the first bad field. */
export function parseRequest<N extends RequestName>(channel: N, payload: unknown): RequestOf<N> {
  return parseWith(REQUESTS[channel].request, payload, channel) as RequestOf<N>;
}

export function parseResponse<N extends RequestName>(channel: N, payload: unknown): ResponseOf<N> {
  return parseWith(REQUESTS[channel].response, payload, channel) as ResponseOf<N>;
}

export function isRequestName(value: unknown): value is RequestName {
  return typeof value === 'string' && (REQUEST_NAMES as readonly string[]).includes(value);
}

export class ProtocolError extends Error {
  readonly kind = 'invalid-argument';
}

function parseWith(schema: z.ZodType, payload: unknown, channel: string): unknown {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'message';
  throw new ProtocolError(`${channel}: ${where}: ${issue.message}`);
}

// ---- Wire framing: the serve mode's WebSocket and the app's MessagePort to the engine ------------

/** A request as it crosses a socket or port; the reply carries the same id. */
export const wireRequestSchema = z.object({ id: z.number().int().nonnegative(), channel: z.string(), payload: z.unknown() });
/** A reply by id, or (id -1) a stream update; the next update follows an `ack`. */
export const wireReplySchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: errorInfoSchema }),
  z.object({ id: z.literal(-1), update: updateSchema }),
]);
export type WireReply = z.infer<typeof wireReplySchema>;

// ---- The engine process (Electron utilityProcess) and main ------------------------------------

/** The engine's health as a window shows it. */
export const engineStatusSchema = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'stopped']),
  /** Why it is not running (the exit code or crash), for the banner. */
  reason: z.string().optional(),
  /** Restarts after crashes so far in this app session. */
  restarts: count,
  /** Which engine process this is about (1, 2, ... per start): a port from a dead one leads nowhere. */
  generation: count,
});
export type EngineStatus = z.infer<typeof engineStatusSchema>;

/** One argument per demo worker, as demos/runner.ts passes it on the command line. */
const workerArgs = z.string().max(64 * 1024);
/** Main → engine, over the utility process's parentPort. */
export const mainToEngineSchema = z.discriminatedUnion('type', [
  /** A window's port (in the message's ports): serve the protocol on it. */
  z.object({ type: z.literal('connect'), window: count }),
  /** The demo worker asked for runs; its port to the runner is in the message's ports. */
  z.object({ type: z.literal('worker-started'), worker: count, pid }),
  z.object({ type: z.literal('worker-failed'), worker: count, reason: z.string() }),
  z.object({ type: z.literal('worker-exited'), worker: count, code: z.number().int().nullable() }),
  /** Stop demos and release everything, then say `disposed`. */
  z.object({ type: z.literal('dispose') }),
  /** Are you there? An engine that stops answering is ended and restarted. */
  z.object({ type: z.literal('ping'), n: count }),
]);
export type MainToEngine = z.infer<typeof mainToEngineSchema>;
/** Engine → main. */
export const engineToMainSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), platform: z.string() }),
  /** The engine cannot run (no backend for this OS, koffi missing): the banner says why. */
  z.object({ type: z.literal('fatal'), reason: z.string() }),
  z.object({ type: z.literal('disposed'), error: z.string().optional() }),
  /** Start a demo worker as a utility process of its own (main alone may fork them). */
  z.object({ type: z.literal('start-worker'), worker: count, args: workerArgs }),
  z.object({ type: z.literal('kill-worker'), worker: count }),
  z.object({ type: z.literal('pong'), n: count }),
]);
export type EngineToMain = z.infer<typeof engineToMainSchema>;
