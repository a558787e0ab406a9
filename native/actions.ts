/** Requests to act on objects and to create them: shared by every backend and front end. */
import type { ObjectState } from './types';

export type ActionName =
  | 'signal'
  | 'set'
  | 'reset'
  | 'pulse'
  | 'release'
  | 'acquire'
  | 'cancel'
  // Linux semaphores: post n units, take n (waiting up to timeoutMs), take what is there, set a
  // System V value, remove the object's name (POSIX) or the whole set (System V).
  | 'post'
  | 'trywait'
  | 'drain'
  | 'setval'
  | 'unlink';

export interface ActionRequest {
  action: ActionName;
  /** Name or full path. */
  name: string;
  /** Units to release or acquire (semaphores); default 1. */
  count?: number;
  /** How long acquire may wait, in ms; default 0 (try once). */
  timeoutMs?: number;
  /** Timers: due time from now, in ms; default 0. */
  dueMs?: number;
  /** Timers: period in ms; 0 = one-shot. */
  periodMs?: number;
  /** System V: which semaphore of the set; default 0. */
  index?: number;
  /** System V setval: the value to set; default 0. */
  value?: number;
}

export interface ActionResult {
  path: string;
  kind: string;
  action: ActionName;
  /** One human sentence: what happened. */
  detail: string;
  /** The count before a release, where the OS returns it. */
  previousCount?: number;
  /** Units (or 1 for a mutex or an event) obtained by acquire. */
  acquired?: number;
  /** True when acquire got a mutex that its previous owner abandoned. */
  abandoned?: boolean;
  /** The state read right after the action. */
  state?: ObjectState;
}

export type CreateSpec =
  | { kind: 'event'; name: string; manual?: boolean; signaled?: boolean }
  | { kind: 'mutex'; name: string; owned?: boolean }
  | { kind: 'semaphore'; name: string; count?: number; max?: number }
  | { kind: 'timer'; name: string; manual?: boolean; dueMs?: number; periodMs?: number };

/**
 * What the Linux backend creates. Kept apart from CreateSpec because native/win32 narrows on
 * that name; Backend.create takes AnyCreateSpec.
 */
export type LinuxCreateSpec =
  /** `name` as `show` takes it (`foo`, `/foo`); `count` is the initial value; `mode` defaults to 0o600. */
  | { kind: 'posix-semaphore'; name: string; count?: number; mode?: number }
  /**
   * `name` is the IPC key (`0x5eed`, `24301`, or `private` for IPC_PRIVATE); the set has `nsems`
   * semaphores (default 1), each starting at `count` (default 0).
   */
  | { kind: 'sysv-semaphore'; name: string; count?: number; nsems?: number; mode?: number };

export type AnyCreateSpec = CreateSpec | LinuxCreateSpec;

/** An object this process created; on Windows it lives while this is open, Linux semaphores until unlinked. */
export interface CreatedObject {
  readonly kind: string;
  readonly path: string;
  close(): void;
}

/** Which actions make sense for which kind (UI buttons and CLI checks use it). */
export const ACTIONS_BY_KIND: Record<string, readonly ActionName[]> = {
  event: ['set', 'reset', 'pulse', 'acquire'],
  mutex: ['acquire', 'release'],
  semaphore: ['release', 'acquire'],
  timer: ['set', 'cancel', 'acquire'],
  'posix-semaphore': ['post', 'trywait', 'drain', 'unlink'],
  'sysv-semaphore': ['post', 'trywait', 'setval', 'unlink'],
  // Read-only: the inspector never breaks another process's lock.
  'file-lock': [],
};

/** Linux semaphores: the Windows verbs mean post, wait and (System V) set the value. */
const LINUX_SEMAPHORE_ALIASES: Partial<Record<ActionName, ActionName>> = {
  signal: 'post',
  release: 'post',
  acquire: 'trywait',
};

/** `signal` is each kind's natural signal; Linux semaphores also take the Windows verbs. */
export function resolveAction(kind: string, action: ActionName): ActionName {
  if (kind === 'posix-semaphore' || kind === 'sysv-semaphore') {
    if (kind === 'sysv-semaphore' && action === 'reset') return 'setval';
    return LINUX_SEMAPHORE_ALIASES[action] ?? action;
  }
  if (action !== 'signal') return action;
  return kind === 'event' || kind === 'timer' ? 'set' : 'release';
}

export const MAX_COUNT = 0x7fffffff;

/** What a backend released when the session ended (a mutex it held), for the audit log. */
export interface ReleasedAtExit {
  path: string;
  kind: string;
  ok: boolean;
  /** One sentence: released, or why not and what the OS does with it. */
  detail: string;
}
