/** Plain data that every backend returns. No OS types leak past this file. */

export type Win32Kind = 'event' | 'mutex' | 'semaphore' | 'timer';
/** Kinds we sample; any other object type is listed under its own lowercase type name. */
export type SampledKind = Win32Kind;
export type ObjectKind = SampledKind | (string & {});

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
export type ObjectState = EventState | MutexState | SemaphoreState | TimerState;

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
