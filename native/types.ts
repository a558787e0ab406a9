/** Plain data that every backend returns. No OS types leak past this file. */

export type Win32Kind = 'event' | 'mutex' | 'semaphore' | 'timer';
/** POSIX named semaphores (/dev/shm/sem.*), System V semaphore sets, file locks (/proc/locks). */
export type LinuxKind = 'posix-semaphore' | 'sysv-semaphore' | 'file-lock';
/**
 * Kinds the Win32 backend samples. native/win32 indexes tables by this name, so it stays
 * Win32-only; code shared by every backend uses KnownKind.
 */
export type SampledKind = Win32Kind;
/** Kinds some backend samples; any other object type is listed under its own lowercase type name. */
export type KnownKind = Win32Kind | LinuxKind;
export type ObjectKind = KnownKind | (string & {});

export interface EventState {
  eventType: 'manual' | 'auto';
  signaled: boolean;
}
export interface MutexState {
  locked: boolean;
  abandoned: boolean;
  /** Present where the OS tells who owns the mutex. */
  ownerThreadId?: number;
  ownerProcessId?: number;
  /** True when the thread that sampled the state is the owner. */
  ownedByCaller?: boolean;
}
export interface SemaphoreState {
  count: number;
  max: number;
}
export interface TimerState {
  signaled: boolean;
  /**
   * Milliseconds until the last due time set, null once that has passed. NtQueryTimer does not
   * say whether the timer was cancelled since: a cancelled timer keeps counting down here.
   */
  remainingMs: number | null;
}
/** A POSIX named semaphore, read from its 32-byte file with no side effect. */
export interface PosixSemaphoreState {
  count: number;
  /** Threads that announced a wait in the semaphore word (glibc's nwaiters). */
  waiters: number;
}
/** A System V semaphore set; every array has one entry per semaphore of the set. */
export interface SysvSemaphoreState {
  /** The IPC key as /proc/sysvipc/sem shows it (a signed int; 0 is IPC_PRIVATE). */
  key: number;
  semid: number;
  values: number[];
  /** Processes waiting for the value to increase (GETNCNT). */
  waiters: number[];
  /** Processes waiting for the value to become zero (GETZCNT). */
  zeroWaiters: number[];
  /** The last process that operated on each semaphore (GETPID); 0 when none has. */
  lastPids: number[];
}
/** One granted file lock from /proc/locks and the requests blocked behind it. */
export interface FileLockState {
  lockType: 'FLOCK' | 'POSIX' | 'OFDLCK';
  mode: 'READ' | 'WRITE';
  /** The locked file's path where a process's descriptor names it; '' when not findable. */
  path: string;
  /**
   * The holding process: the pid /proc/locks prints while it lives, else (OFD locks print -1;
   * an flock() outlives its taker in a child) the process whose descriptor carries the lock; 0 if none.
   */
  holderPid: number;
  /** Every request blocked behind this lock, directly or behind another blocked request; 0 where unknown. */
  waiterPids: number[];
  /** Device (`major:minor`, hex, as /proc/locks writes it) and inode of the locked file. */
  device: string;
  inode: number;
  /** Locked byte range; `end` null means to the end of the file (EOF). */
  start: number;
  end: number | null;
}
export type ObjectState =
  | EventState
  | MutexState
  | SemaphoreState
  | TimerState
  | PosixSemaphoreState
  | SysvSemaphoreState
  | FileLockState;

/** One entry of a namespace scan. */
export interface ObjectEntry {
  kind: ObjectKind;
  /** Leaf name, e.g. `Foo`. */
  name: string;
  /** Full path, e.g. `\Sessions\1\BaseNamedObjects\Foo`. */
  path: string;
  /** The directory the entry was found in. */
  directory: string;
  /** The OS's own type name, e.g. `Mutant`, `SymbolicLink`. */
  typeName: string;
}

export interface Holder {
  pid: number;
  processName: string;
}

export interface Waiter {
  pid: number;
  tid: number;
  processName: string;
  /**
   * System V: the operations the thread's semop is blocked in (semaphore index, and the change it
   * asks: below 0 takes, 0 waits for zero), read from its memory; absent where that memory could
   * not be read (another user's process, without root).
   */
  operations?: SemaphoreOperation[];
}

/** The most semop operations a waiter report carries (Linux allows 500 per call by default). */
export const MAX_WAITER_OPERATIONS = 64;

export interface SemaphoreOperation {
  index: number;
  op: number;
}

/** What a semop asks, in words: `take 1 from #1`, `#2 to be 0`, `add 1 to #0`. */
export function describeOperations(operations: readonly SemaphoreOperation[]): string {
  return operations
    .map(({ index, op }) => (op < 0 ? `take ${-op} from #${index}` : op === 0 ? `#${index} to be 0` : `add ${op} to #${index}`))
    .join(', ');
}

/** What `list --json` and `show --json` print for one object. */
export interface ObjectReport {
  kind: ObjectKind;
  name: string;
  path: string;
  state?: ObjectState;
  holders?: Holder[];
  waiters?: Waiter[];
  /** Set when the object could not be read (it vanished, access was denied...). */
  error?: { kind: string; message: string };
  /** Why holders or waiters are missing, when they are. */
  unavailable?: Record<string, string>;
  /** The processes that could not be read, when holders or waiters are incomplete (`--json` only). */
  unreadablePids?: UnreadablePids;
}

/** Which processes a holders or waiters pass could not read, ascending. */
export interface UnreadablePids {
  holders?: number[];
  waiters?: number[];
}

export interface Capability {
  supported: boolean;
  /** Why not, when not supported. */
  reason?: string;
}

export type CapabilityName =
  | 'enumerate'
  | 'queryState'
  | 'mutexOwner'
  | 'holders'
  | 'waiters'
  | 'actions'
  | 'handleCount';

/**
 * Capabilities only some backends probe (Windows: the per-process handle snapshot, thread states,
 * comparing handles across processes, Wait Chain Traversal, SeDebugPrivilege).
 */
export type OptionalCapabilityName = 'processHandleSnapshot' | 'threadStates' | 'objectIdentity' | 'waitChains' | 'debugPrivilege';

export type CapabilityReport = { platform: string; osRelease: string; architecture: string } & Record<CapabilityName, Capability> &
  Partial<Record<OptionalCapabilityName, Capability>>;

// ---- Processes and what their threads wait for (`why`, `deadlocks`) ---------------------------
//
// A backend's ProcessInspector (backend.ts) answers these. Objects here are identified, not just
// named: many have no name (an unlinked POSIX semaphore, an unnamed event, a futex word), so each
// carries an `id` that is equal for the same object wherever it is met in one inspection (two
// waiters in two processes, a waiter and a holder), and a `label` a person can place.

/** A process as a user names it: by pid, or by name (see ProcessInspector.findProcesses). */
export type ProcessQuery = { pid: number } | { name: string };

export interface ProcessInfo {
  pid: number;
  /** Linux: `comm` (at most 15 bytes); Windows: the image name (`app.exe`). */
  name: string;
  /** null where the OS does not say (or the parent is gone and was not recorded). */
  parentPid: number | null;
  /** The command line, arguments joined by spaces; null where it cannot be read. */
  commandLine: string | null;
  /** Linux: the real uid, decimal; Windows: `DOMAIN\user` or a SID string; null where not told. */
  user: string | null;
}

/**
 * running: on a CPU or ready for one (Linux R; Windows Running, Ready, Standby...).
 * blocked: waiting in the kernel for something (Linux S, D, I; Windows Waiting).
 * stopped: by a signal or a debugger (Linux T, t); exited: a zombie, or gone while read.
 */
export type ThreadState = 'running' | 'blocked' | 'stopped' | 'exited' | 'unknown';

/** How long a thread has waited where it waits now. */
export interface WaitDuration {
  /** Milliseconds; null when unknown (see `unavailable`). */
  ms: number | null;
  /** True: the wait has lasted at least `ms` (it may have begun earlier). False: about `ms` exactly. */
  atLeast: boolean;
  /**
   * scheduler: Linux, the time since the thread last ran (/proc/.../sched se.exec_start, read on its
   * CPU's clock): a lower bound. sampler: since the first sample that saw it wait there (live engine).
   * os: the OS recorded when the wait began (Windows SYSTEM_THREAD_INFORMATION.WaitTime).
   */
  source: 'scheduler' | 'sampler' | 'os' | null;
  /** Why `ms` is null. */
  unavailable?: string;
}

/** Who must act for a wait to end: an owner thread (a mutex), or a process (a lock, a child to exit). */
export interface WaitOwner {
  pid: number;
  /** null where the owner is a whole process (a file lock's holder, a child process). */
  tid: number | null;
  /**
   * True when read from user memory laid out as a library's structure (glibc's pthread_mutex_t
   * `__owner`), not told by the kernel; only ever set when that thread lives.
   */
  inferred: boolean;
  /** Where it was found: `pthread_mutex_t.__owner`, `/proc/locks`, `wait4`, `MutantOwnerInformation`, `WCT`... */
  source: string;
}

/**
 * One object a thread waits on or a process holds. Kinds: every KnownKind, and `futex` (Linux: a
 * word some threads wait on, no name), `process` (a child to exit), `thread` (a thread to exit),
 * or the OS's own name for anything else (Windows: `critical-section`, `alpc`, `file`...).
 */
export interface WaitObject {
  kind: string;
  /**
   * Identity: equal ids are the same object within one inspection, whichever process it was met
   * in. A named object's id is its path as `list` prints it (so `show`, `watch` accept it). Linux
   * ids without names: `sem-inode:<maj>:<min>:<inode>` (an unlinked POSIX semaphore),
   * `futex:<maj>:<min>:<inode>+0x<offset>` (a word in a shared file mapping),
   * `futex:<pid>@0x<address>` (a word in one process's private memory), `process:<pid>`.
   * Windows: see /work/wt/WHY-INTERFACE.md.
   */
  id: string;
  /** Its name, or null when it has none (unnamed, or the name was removed). */
  name: string | null;
  /** What a person reads: `sem.mp-1a2b`, `sem.XXXXXX (deleted)`, `unnamed event, handle 0x1a4 in app.exe (4242)`. */
  label: string;
  /** Its state, where read (a POSIX semaphore's count and waiters...). */
  state?: ObjectState;
  /** The thread or process whose action ends the wait, where told or inferred. */
  owner?: WaitOwner;
  /** Why the state or owner is missing, by field name (`state`, `owner`). */
  unavailable?: Record<string, string>;
}

/** What a blocked thread waits for. */
export interface ThreadWait {
  /** At least one; several for WaitForMultipleObjects, or a wait for any child. */
  objects: WaitObject[];
  /** With several objects: all must be signaled (WaitAll), or any one. */
  mode: 'any' | 'all';
  /** What the call asks, where more than "wait": `take 1 from #0`, `WRITE lock`, `#2 to be 0`. */
  detail?: string;
  duration: WaitDuration;
}

export interface ThreadInspection {
  tid: number;
  /** The thread's own name (Linux comm of the task, Windows thread description); null if none. */
  name: string | null;
  state: ThreadState;
  /** The OS's own word for the state: `S (sleeping)`, `D (disk sleep)`, `Waiting (UserRequest)`. */
  osState: string;
  /** The call it is blocked in, as the OS names it: `futex`, `semtimedop`, `wait4`, `read`, `NtWaitForSingleObject`; null when not blocked or not told. */
  call: string | null;
  /**
   * What it waits for when that is a synchronization object, a process or a thread; null when it
   * is not (running, or blocked in read, poll, a sleep...) or when that is not known (`unavailable`).
   */
  wait: ThreadWait | null;
  /** Why `call` or `wait` could not be read for this thread. */
  unavailable?: string;
}

/** An object a process holds: maps it writable, holds a handle to it, holds the lock. */
export interface HeldObject {
  object: WaitObject;
  /** How: `maps it writable`, `holds the WRITE lock`, `handle 0x1a4`, `owns it`. */
  how: string;
}

export interface ProcessInspection {
  process: ProcessInfo;
  threads: ThreadInspection[];
  holds: HeldObject[];
  /** What could not be read, and why, by part: `threads`, `holds`, `memory`, `duration`... */
  unavailable: Record<string, string>;
}
