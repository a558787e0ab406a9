/** The interface every OS backend implements; the core and every front end use only this. */
import type { ActionRequest, ActionResult, AnyCreateSpec, CreatedObject, ReleasedAtExit } from './actions';
import type {
  CapabilityReport,
  Holder,
  KnownKind,
  ObjectEntry,
  ObjectState,
  ProcessInfo,
  ProcessInspection,
  ProcessQuery,
  Waiter,
} from './types';

/** An object held open for repeated, side-effect-free sampling. */
export interface SampledObject {
  readonly kind: KnownKind | string;
  readonly name: string;
  readonly path: string;
  sample(): ObjectState;
  close(): void;
}

/** What a reader is asked to read: an object as a scan or open named it. */
export interface ReadTarget {
  readonly kind: KnownKind | string;
  readonly path: string;
}

/**
 * Reads the states of many objects per call, keeping between calls only what does not change an
 * object's life (Linux keeps read-only semaphore mappings; a Windows handle would keep a named
 * object alive, so there each read opens and closes). The sampler owns one and closes it on stop.
 */
export interface ReadOptions {
  quick?: boolean;
}

export interface StateReader {
  /**
   * One result per target, in order: its state, or the error that stopped its read. A quick read
   * (the watch cadence, up to 100 Hz) may skip checks a read repeats anyway within a state period
   * (Linux: whether names were removed or replaced, checked at most every 100 ms then).
   */
  read(targets: readonly ReadTarget[], options?: ReadOptions): Array<ObjectState | Error>;
  /** Drops what is kept for a path (it vanished, or is no longer tracked). */
  forget(path: string): void;
  /** Releases everything kept; a later read sets up again. */
  close(): void;
}

export interface HolderResult {
  holders: Map<string, Holder[]>;
  /** Set when the answer may be incomplete, and why: one line, without the pid list. */
  incomplete?: string;
  /** The processes that could not be read, ascending (the list behind `incomplete`). */
  unreadablePids?: number[];
}

export interface WaiterResult {
  waiters: Map<string, Waiter[]>;
  /** Set when threads may be missing (processes or threads that could not be read), and why. */
  incomplete?: string;
  /** The processes that could not be read, ascending. */
  unreadablePids?: number[];
}

/**
 * One consistent look at processes and what their threads wait for, for `why` and `deadlocks`.
 * It may keep what it read (the process list, every process's mappings) until close(), so that
 * following a chain through many processes reads the system once. Not for the live sampler.
 */
export interface ProcessInspector {
  /**
   * Processes matching the query: the one with that pid, or every process whose name is the
   * given one (Linux: comm, or the base name of argv[0] or of the executable; Windows: the image
   * name, any case, `.exe` optional). Empty when none; never this process itself by name.
   */
  findProcesses(query: ProcessQuery): ProcessInfo[];
  /** Pids of processes with a thread blocked in a wait the inspector decodes (deadlocks looks at these). */
  waitingProcesses(): number[];
  /**
   * One process: its threads, what each waits for (objects identified, states read, owners where
   * told or inferred), what it holds. Throws NativeError: not-found (no such pid), vanished (it
   * exited while being read), access-denied (another user's process without the rights).
   */
  inspectProcess(pid: number): ProcessInspection;
  /** Processes holding each object, by WaitObject.id (mapping it writable, a handle to it, the lock). */
  objectHolders(ids: string[]): HolderResult;
  /** Set when processes could not be looked at (another user's, without the rights), and why. */
  incomplete(): string | undefined;
  /** The processes that could not be looked at so far, ascending (the pids behind `incomplete`). */
  unreadablePids(): number[];
  /** Releases what it keeps; idempotent. */
  close(): void;
}

/** A lock this process holds on a file (demos); release() is idempotent. */
export interface FileLease {
  readonly path: string;
  release(): void;
}

export interface Backend {
  readonly platform: 'win32' | 'linux';
  /** The kinds this backend samples; a scan may list others that it only names. */
  readonly sampledKinds: readonly string[];
  /** What this OS lets the backend do, and why not where it cannot. */
  capabilities(): CapabilityReport;
  /** The directories or sources a scan covers by default. */
  defaultScopes(): string[];
  /** CPU time of the calling thread, ms, where the OS tells it cheaply (the CPU budget's work clock). */
  threadCpuMs?(): number;
  /**
   * A scope that lists the objects one process holds that the default scopes do not (Windows: its
   * unnamed handles, `unnamed:<pid>`); absent where the default scan already has them.
   */
  heldObjectsScope?(pid: number): string;
  /** Namespace scan: every object in the given scopes (default scopes when omitted). */
  scan(scopes?: string[]): ObjectEntry[];
  /**
   * The same scan spread over calls of about `sliceMs` each, where a whole listing is expensive
   * (Wine's one-entry-per-call directories): the whole listing once a walk of every scope has
   * ended, undefined until then. Absent where scan() is cheap enough to run at once.
   */
  scanInSlices?(scopes: string[] | undefined, sliceMs: number): ObjectEntry[] | undefined;
  /** Turns a name as a user types it into the object's full path. */
  resolve(name: string): string;
  /** Opens an object by name or path; its kind is found when not given. */
  open(name: string, kind?: KnownKind): SampledObject;
  /** A reader of many states per call (the sampler's hot path); without one, each read opens the object. */
  openReader?(): StateReader;
  /** Processes holding each object. Throws unsupported where the OS cannot tell. */
  holders(paths: string[]): HolderResult;
  /** Threads blocked on each object. Throws unsupported where the OS cannot tell. */
  waiters(paths: string[]): WaiterResult;
  /** Parents blocked until a child exits (a hang often runs through one). Optional per OS. */
  childWaits?(): Array<{ parentPid: number; parentTid?: number; childPid: number }>;
  /** A process inspector (`why`, `deadlocks`); absent where the backend has none yet. */
  inspector?(): ProcessInspector;
  /**
   * Lets process `pid` inspect this one (its threads' waits, its memory) as it could a child.
   * Linux, where Yama's ptrace_scope 1 allows only ancestors; elsewhere absent.
   */
  allowInspectionBy?(pid: number): void;
  /** Locks a file as a real process would (flock on Linux): blocks until it is granted. Optional per OS. */
  lockFile?(path: string, exclusive: boolean): Promise<FileLease>;
  /**
   * Performs an action. A wait that could block (acquire, trywait with a timeout) runs on its own
   * thread, never the caller's or libuv's pool; `signal` cancels it (NativeError 'cancelled').
   */
  act(request: ActionRequest, signal?: AbortSignal): Promise<ActionResult>;
  create(spec: AnyCreateSpec): CreatedObject;
  /** OS handles (or descriptors) this process holds: leak tests watch it. */
  processHandleCount(): number;
  /**
   * Ends the session's waits: cancels every pending one, releases every mutex it acquired (on the
   * thread that owns it) and joins their threads, each within a bound. Says what it released, for
   * the audit log. Call before dispose(); absent where no wait outlives its action.
   */
  endWaits?(): Promise<ReleasedAtExit[]>;
  /**
   * Releases everything the backend holds (cached handles). Waits still pending are cancelled and
   * held mutexes told to release without waiting (an abrupt exit: what is left is abandoned).
   */
  dispose(): void;
}
