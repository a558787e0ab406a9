// What `why` is told about a Windows process, built from what the native reads found: thread
// states and waits (thread-waits.ts), held handles (process-objects.ts), wait chains
// (wait-chain.ts). Pure: tested on recorded inputs, since Wine cannot produce most of them.
import type {
  HeldObject,
  MutexState,
  ObjectState,
  SampledKind,
  ThreadInspection,
  ThreadState,
  WaitDuration,
  WaitObject,
} from '../types';
import type { NativeErrorData } from '../errors';
import { hex, isUnnamedPath, parseUnnamedPath, unnamedLabel } from './identity';
import { GLOBAL_DIRECTORY, sessionDirectory, splitPath } from './names';
import type { SyncHandle } from './process-objects';
import type { ThreadStateName, ThreadWait, WaitTarget } from './thread-waits';
import type { WaitChainNode } from './wait-chain';

export interface ModelContext {
  sessionId: number;
  /** Process names by pid, for labels. */
  names: ReadonlyMap<number, string>;
  /** Why a mutex's owner is unknown on this OS; null where MutantOwnerInformation works. */
  mutexOwnerUnsupported: string | null;
}

const RUNNING_STATES = new Set<ThreadStateName>(['initialized', 'ready', 'running', 'standby', 'transition', 'deferred-ready', 'waiting-for-process-in-swap']);

export function threadState(state: ThreadStateName): ThreadState {
  if (state === 'waiting' || state === 'gate-wait') return 'blocked';
  if (state === 'terminated') return 'exited';
  return RUNNING_STATES.has(state) ? 'running' : 'unknown';
}

/** `Local\Foo` for this session, `Global\Foo` for the global directory, else the full NT path. */
export function userName(path: string, sessionId: number): string {
  const { directory, name } = splitPath(path);
  if (directory === GLOBAL_DIRECTORY) return `Global\\${name}`;
  if (directory.toLowerCase() === sessionDirectory(sessionId).toLowerCase()) return `Local\\${name}`;
  return path;
}

/** The label of an unnamed object, with the name of the process its path names. */
export function unnamedObjectLabel(path: string, kind: string, names: ReadonlyMap<number, string>): string {
  const ref = parseUnnamedPath(path)!;
  return unnamedLabel(kind, ref, names.get(ref.pid) ?? '');
}

/** An event, mutant, semaphore or timer as `why` shows it: identity, label, state, a mutex's owner. */
export function syncWaitObject(
  object: { kind: SampledKind; path?: string; identity?: string; state?: ObjectState; error?: NativeErrorData },
  context: ModelContext,
): WaitObject {
  const { kind, path, state } = object;
  const id = path ?? object.identity ?? '';
  const result: WaitObject = path
    ? { kind, id, name: splitPath(path).name, label: `${kind} ${userName(path, context.sessionId)}` }
    : { kind, id, name: null, label: isUnnamedPath(id) ? unnamedObjectLabel(id, kind, context.names) : `unnamed ${kind}` };
  if (state) result.state = state;
  const missing: Record<string, string> = {};
  if (!state) missing.state = object.error?.message ?? 'the state could not be read';
  const mutex = kind === 'mutex' ? (state as MutexState | undefined) : undefined;
  if (mutex?.locked) {
    if (mutex.ownerProcessId !== undefined && mutex.ownerThreadId !== undefined) {
      result.owner = { pid: mutex.ownerProcessId, tid: mutex.ownerThreadId, inferred: false, source: 'MutantOwnerInformation' };
    } else {
      missing.owner = context.mutexOwnerUnsupported ?? 'the OS did not say which thread owns it';
    }
  }
  if (Object.keys(missing).length) result.unavailable = missing;
  return result;
}

/** The objects a resolved wait target names: none for a wait that is not on an object, process or thread. */
export function targetObjects(target: WaitTarget, context: ModelContext): WaitObject[] {
  const name = (pid: number) => context.names.get(pid);
  switch (target.type) {
    case 'object':
      return [syncWaitObject(target, context)];
    case 'process':
      return [{
        kind: 'process', id: `process:${target.pid}`, name: name(target.pid) ?? null,
        label: `process ${name(target.pid) ?? '?'} (${target.pid})`,
        owner: { pid: target.pid, tid: null, inferred: false, source: 'process handle' },
      }];
    case 'thread':
      return [{
        kind: 'thread', id: `thread:${target.tid}`, name: null,
        label: `thread ${target.tid} of ${name(target.pid) ?? '?'} (${target.pid})`,
        owner: { pid: target.pid, tid: target.tid, inferred: false, source: 'thread handle' },
      }];
    default:
      return [];
  }
}

/** Why a target names no object, where it does not. */
export function whyNoObject(target: WaitTarget): string | undefined {
  switch (target.type) {
    case 'multiple':
      return `${target.call} on ${target.count} handle(s): ThreadLastSystemCall gives only the count, not the handle array, so what it waits on is unknown`;
    case 'address':
      return `NtWaitForAlertByThreadId at ${hex(target.address)}: a critical section, SRW lock or WaitOnAddress, which only Wait Chain Traversal resolves`;
    case 'other':
      return `waits on a ${target.typeName} (handle ${hex(target.handle)}), not a synchronization object`;
    case 'unreadable':
      return target.reason;
    default:
      return undefined;
  }
}

/**
 * The object a WCT chain's first hop names (nodes[0] is the thread asked about, nodes[1] what it
 * waits on), with the thread after it as its owner. Undefined when the chain names no object.
 */
export function chainObject(nodes: readonly WaitChainNode[], pid: number, tid: number, names: ReadonlyMap<number, string>): WaitObject | undefined {
  const object = nodes[1];
  if (!object || object.type === 'thread') return undefined;
  const found: WaitObject = {
    kind: object.type,
    // A named object (a named mutex) by its name; anything else is known only as this thread's wait.
    id: object.name.startsWith('\\') ? object.name : `wct:${pid}:${tid}:${object.type}`,
    name: object.name || null,
    label: object.name ? `${object.type} ${object.name}` : `${object.type} that thread ${tid} of ${names.get(pid) ?? '?'} (${pid}) waits on`,
  };
  const next = nodes[2];
  if (next?.type === 'thread') found.owner = { pid: next.pid, tid: next.tid === 0 ? null : next.tid, inferred: false, source: 'WCT' };
  return found;
}

export function durationOf(wait: ThreadWait): WaitDuration {
  if (wait.waitedMs !== undefined) return { ms: wait.waitedMs, atLeast: false, source: 'os' };
  return {
    ms: null, atLeast: false, source: null,
    unavailable: wait.syscall
      ? 'ThreadLastSystemCall gave no WaitTime (Windows before 8)'
      : (wait.unavailable ?? 'the OS does not say how long the thread has waited'),
  };
}

/**
 * One thread as `why` shows it. `chainHop` asks Wait Chain Traversal for the object, and is
 * called only for a blocked thread whose wait ThreadLastSystemCall did not resolve.
 */
export function threadInspection(wait: ThreadWait, context: ModelContext, chainHop?: () => WaitObject | undefined): ThreadInspection {
  const state = threadState(wait.state);
  const inspection: ThreadInspection = { tid: wait.tid, name: null, state, osState: wait.osState, call: wait.syscall ?? null, wait: null };
  const objects = wait.target ? targetObjects(wait.target, context) : [];
  if (objects.length > 0) {
    inspection.wait = { objects, mode: 'any', duration: durationOf(wait) };
    return inspection;
  }
  const hop = state === 'blocked' ? chainHop?.() : undefined;
  if (hop) {
    inspection.call ??= `WCT ${hop.kind}`;
    inspection.wait = { objects: [hop], mode: 'any', duration: durationOf(wait) };
    return inspection;
  }
  const reason = wait.unavailable ?? (wait.target ? whyNoObject(wait.target) : undefined);
  if (reason && state !== 'running') inspection.unavailable = reason;
  return inspection;
}

/** A process's handles as held objects: one per object, with every handle to it, `owns it` where its mutex owner is in `pid`. */
export function heldObjects(pid: number, handles: readonly SyncHandle[], context: ModelContext): HeldObject[] {
  const byId = new Map<string, { object: WaitObject; handles: bigint[]; owns: boolean }>();
  for (const handle of handles) {
    const object = syncWaitObject(handle, context);
    const held = byId.get(object.id) ?? { object, handles: [], owns: false };
    held.handles.push(handle.handle);
    held.owns ||= object.owner?.pid === pid;
    byId.set(object.id, held);
  }
  return [...byId.values()].map(({ object, handles: values, owns }) => {
    const how = `${values.length > 1 ? 'handles' : 'handle'} ${values.map(hex).join(', ')}`;
    return { object, how: owns ? `owns it; ${how}` : how };
  });
}
