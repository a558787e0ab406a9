/** Requests to act on objects and to create them: shared by every backend and front end. */
import type { ObjectState } from './types';

export type ActionName = 'signal' | 'set' | 'reset' | 'pulse' | 'release' | 'acquire' | 'cancel';

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

/** An object this process created; it lives while this is open. */
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
};

/** `signal` is each kind's natural signal. */
export function resolveAction(kind: string, action: ActionName): ActionName {
  if (action !== 'signal') return action;
  return kind === 'event' || kind === 'timer' ? 'set' : 'release';
}

export const MAX_COUNT = 0x7fffffff;
