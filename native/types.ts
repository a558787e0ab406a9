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

export type CapabilityReport = { platform: string; osRelease: string } & Record<
  CapabilityName,
  Capability
>;
