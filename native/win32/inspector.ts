// The Win32 ProcessInspector (`why`, `deadlocks`): a process's threads and what each waits on,
// its event, mutant, semaphore and timer handles, named or not, and who holds an object. Objects
// are identified as `list` names them: a named one by its NT path, an unnamed one by the handle
// it was first met through (unnamed-objects.ts), a waited process or thread as process:<pid> /
// thread:<tid>. What the OS does not tell (Wine: thread states, ThreadLastSystemCall, wait chains,
// mutex owners) is said, with the call and status, in the `unavailable` fields.
import type { HolderResult, ProcessInspector } from '../backend';
import { NativeError, isNativeError, type NativeErrorData } from '../errors';
import type {
  HeldObject,
  MutexState,
  ObjectState,
  ProcessInfo,
  ProcessInspection,
  ProcessQuery,
  SampledKind,
  ThreadInspection,
  ThreadState,
  WaitDuration,
  WaitObject,
} from '../types';
import { unreadableHandles } from './foreign-handles';
import { findHolders, holdersOf, type ObjectTarget } from './holders';
import { hex, isUnnamedPath, parseUnnamedPath } from './identity';
import { lastSyscallUnsupportedReason } from './last-syscall';
import { GLOBAL_DIRECTORY, sessionDirectory, splitPath } from './names';
import { listSyncHandles, openUnnamed, type Identify, type SyncHandle } from './process-objects';
import { listProcesses, type ProcessInfo as ListedProcess } from './system-info';
import { readThreadWaits, threadStateName, threadStatesUnsupportedReason, type ThreadWait, type ThreadStateName, type WaitTarget } from './thread-waits';
import type { UnnamedObjects } from './unnamed-objects';
import { labelOf } from './unnamed-scan';
import { WaitChainTraversal, waitChainUnsupportedReason, type WaitChainNode } from './wait-chain';

const RUNNING_STATES = new Set<ThreadStateName>(['initialized', 'ready', 'running', 'standby', 'transition', 'deferred-ready', 'waiting-for-process-in-swap']);

function threadState(state: ThreadStateName): ThreadState {
  if (state === 'waiting' || state === 'gate-wait') return 'blocked';
  if (state === 'terminated') return 'exited';
  return RUNNING_STATES.has(state) ? 'running' : 'unknown';
}

export interface InspectorContext {
  known: UnnamedObjects;
  sessionId: number;
  /** Why a mutex's owner is unknown on this OS; null where MutantOwnerInformation works. */
  mutexOwnerUnsupported: () => string | null;
}

export class Win32Inspector implements ProcessInspector {
  #processes: ListedProcess[] | undefined;
  readonly #unreadable = new Set<number>();
  #askedForWaiting = false;
  #waitChains: WaitChainTraversal | null | undefined;

  constructor(private readonly context: InspectorContext) {}

  #list(): ListedProcess[] {
    this.#processes ??= listProcesses();
    return this.#processes;
  }

  #names(): Map<number, string> {
    return new Map(this.#list().map((p) => [p.pid, p.name]));
  }

  findProcesses(query: ProcessQuery): ProcessInfo[] {
    if ('pid' in query) {
      const found = this.#list().find((p) => p.pid === query.pid);
      return found ? [processInfo(found)] : [];
    }
    const wanted = query.name.toLowerCase();
    const withExe = wanted.endsWith('.exe') ? wanted : `${wanted}.exe`;
    return this.#list()
      .filter((p) => p.pid !== process.pid && (p.name.toLowerCase() === wanted || p.name.toLowerCase() === withExe))
      .map(processInfo);
  }

  waitingProcesses(): number[] {
    this.#askedForWaiting = true;
    // Without ThreadLastSystemCall no wait is decoded: none to offer (incomplete() says why).
    if (lastSyscallUnsupportedReason() !== null) return [];
    const statesKnown = threadStatesUnsupportedReason() === null;
    return this.#list()
      .filter((p) => p.pid !== 0 && p.pid !== process.pid && (!statesKnown || p.threads.some((t) => threadState(threadStateName(t.state)) === 'blocked')))
      .map((p) => p.pid);
  }

  inspectProcess(pid: number): ProcessInspection {
    const listed = this.#list().find((p) => p.pid === pid);
    if (!listed) throw new NativeError('not-found', 'inspectProcess', `no process ${pid}`, 'STATUS_INVALID_CID');
    const names = this.#names();
    const identify: Identify = (ref, kind, copy) => this.context.known.identify(ref, kind, copy);
    const unavailable: Record<string, string> = {};
    const waits = vanishedIfGone(pid, () => readThreadWaits(pid, identify));
    if (waits.statesUnavailable) unavailable.threads = waits.statesUnavailable;
    if (waits.targetsUnavailable) unavailable.waits = waits.targetsUnavailable;
    const chains = this.#chains();
    if (typeof chains === 'string') unavailable.waitChains = chains;
    const threads = waits.threads.map((wait) => this.#thread(pid, wait, names, typeof chains === 'string' ? undefined : chains));
    let holds: HeldObject[] = [];
    try {
      holds = this.#holds(pid, vanishedIfGone(pid, () => listSyncHandles(pid, identify)), names);
    } catch (error) {
      if (!isNativeError(error) || error.kind !== 'access-denied') throw error;
      this.#unreadable.add(pid);
      unavailable.holds = error.message;
    }
    return { process: processInfo(listed), threads, holds, unavailable };
  }

  objectHolders(ids: string[]): HolderResult {
    const named = ids.filter((id) => id.startsWith('\\'));
    const targets: ObjectTarget[] = [];
    const holders = new Map(ids.map((id) => [id, [] as ReturnType<typeof holdersOf>]));
    try {
      for (const id of ids) {
        const ref = parseUnnamedPath(id);
        if (!ref) continue;
        try {
          const object = openUnnamed(ref, this.context.known.kindOf(id));
          targets.push({ key: id, kind: object.kind, copy: object.handle });
        } catch (error) {
          if (!isNativeError(error) || error.kind !== 'vanished') throw error;
        }
      }
      if (named.length === 0 && targets.length === 0) return { holders };
      const scan = findHolders(named, targets);
      for (const [key, handles] of scan.handles) holders.set(key, holdersOf(handles));
      for (const pid of scan.unreadablePids) this.#unreadable.add(pid);
    } finally {
      for (const target of targets) target.copy.close();
    }
    return { holders, incomplete: this.incomplete() };
  }

  incomplete(): string | undefined {
    const reasons: string[] = [];
    if (this.#unreadable.size > 0) {
      const pids = [...this.#unreadable].sort((a, b) => a - b);
      reasons.push(`${unreadableHandles(pids)}; run as their user or elevated`);
    }
    // Asked which processes wait, and none can be told: that empty answer is not the whole truth.
    const waits = lastSyscallUnsupportedReason();
    if (this.#askedForWaiting && waits) reasons.push(`no thread's wait can be told on this OS: ${waits}`);
    return reasons.length ? reasons.join('; ') : undefined;
  }

  close(): void {
    this.#processes = undefined;
    if (this.#waitChains) this.#waitChains.close();
    this.#waitChains = undefined;
  }

  /** The WCT session of this inspection, or why there is none. */
  #chains(): WaitChainTraversal | string {
    const reason = waitChainUnsupportedReason();
    if (reason) return reason;
    this.#waitChains ??= WaitChainTraversal.open();
    return this.#waitChains;
  }

  #thread(pid: number, wait: ThreadWait, names: ReadonlyMap<number, string>, chains: WaitChainTraversal | undefined): ThreadInspection {
    const state = threadState(wait.state);
    const inspection: ThreadInspection = { tid: wait.tid, name: null, state, osState: wait.osState, call: wait.syscall ?? null, wait: null };
    const objects = wait.target ? this.#targetObjects(wait.target, names) : [];
    if (objects.length > 0) {
      inspection.wait = { objects, mode: 'any', duration: durationOf(wait) };
      return inspection;
    }
    // WCT tells what ThreadLastSystemCall's first argument does not: critical sections, ALPC, COM, SendMessage.
    if (chains && state === 'blocked') {
      const hop = this.#firstHop(chains, pid, wait.tid, names);
      if (hop) {
        inspection.call ??= `WCT ${hop.kind}`;
        inspection.wait = { objects: [hop], mode: 'any', duration: durationOf(wait) };
        return inspection;
      }
    }
    const reason = wait.unavailable ?? (wait.target ? whyNoObject(wait.target) : undefined);
    if (reason && state !== 'running') inspection.unavailable = reason;
    return inspection;
  }

  /** The object a WCT chain's first hop names, with the thread after it as owner. */
  #firstHop(chains: WaitChainTraversal, pid: number, tid: number, names: ReadonlyMap<number, string>): WaitObject | undefined {
    let nodes: WaitChainNode[];
    try {
      nodes = chains.chainOf(tid).nodes;
    } catch {
      return undefined; // the thread moved on or is out of reach: its state says the rest
    }
    const object = nodes[1];
    if (!object || object.type === 'thread') return undefined;
    const next = nodes[2];
    const label = object.name ? `${object.type} ${object.name}` : `${object.type} thread ${tid} of ${names.get(pid) ?? '?'} (${pid}) waits on`;
    const found: WaitObject = {
      kind: object.type,
      id: object.name && object.name.startsWith('\\') ? object.name : `wct:${pid}:${tid}:${object.type}`,
      name: object.name || null,
      label,
    };
    if (next?.type === 'thread' && next.tid !== 0) found.owner = { pid: next.pid, tid: next.tid, inferred: false, source: 'WCT' };
    else if (next?.type === 'thread') found.owner = { pid: next.pid, tid: null, inferred: false, source: 'WCT' };
    return found;
  }

  #targetObjects(target: WaitTarget, names: ReadonlyMap<number, string>): WaitObject[] {
    switch (target.type) {
      case 'object':
        return [this.#syncObject(target.kind, target.path, target.identity, target.state, names)];
      case 'process':
        return [{
          kind: 'process', id: `process:${target.pid}`, name: names.get(target.pid) ?? null,
          label: `process ${names.get(target.pid) ?? '?'} (${target.pid})`,
          owner: { pid: target.pid, tid: null, inferred: false, source: 'process handle' },
        }];
      case 'thread':
        return [{
          kind: 'thread', id: `thread:${target.tid}`, name: null,
          label: `thread ${target.tid} of ${names.get(target.pid) ?? '?'} (${target.pid})`,
          owner: { pid: target.pid, tid: target.tid, inferred: false, source: 'thread handle' },
        }];
      default:
        return [];
    }
  }

  #syncObject(kind: SampledKind, path: string | undefined, identity: string | undefined, state: ObjectState | undefined, names: ReadonlyMap<number, string>, error?: NativeErrorData): WaitObject {
    const id = path ?? identity ?? '';
    const object: WaitObject = path
      ? { kind, id, name: splitPath(path).name, label: `${kind} ${this.#userName(path)}` }
      : { kind, id, name: null, label: isUnnamedPath(id) ? labelOf(id, kind, names) : `unnamed ${kind}` };
    if (state) object.state = state;
    const missing: Record<string, string> = {};
    if (!state) missing.state = error?.message ?? 'the state could not be read';
    if (kind === 'mutex' && state && (state as MutexState).locked) {
      const mutex = state as MutexState;
      if (mutex.ownerProcessId !== undefined && mutex.ownerThreadId !== undefined) {
        object.owner = { pid: mutex.ownerProcessId, tid: mutex.ownerThreadId, inferred: false, source: 'MutantOwnerInformation' };
      } else {
        missing.owner = this.context.mutexOwnerUnsupported() ?? 'the OS did not say which thread owns it';
      }
    }
    if (Object.keys(missing).length) object.unavailable = missing;
    return object;
  }

  /** `Local\Foo` for this session, `Global\Foo` for the global directory, else the full path. */
  #userName(path: string): string {
    const { directory, name } = splitPath(path);
    if (directory.toLowerCase() === sessionDirectory(this.context.sessionId).toLowerCase() && directory !== GLOBAL_DIRECTORY) return `Local\\${name}`;
    if (directory === GLOBAL_DIRECTORY) return `Global\\${name}`;
    return path;
  }

  #holds(pid: number, list: { handles: SyncHandle[] }, names: ReadonlyMap<number, string>): HeldObject[] {
    const byId = new Map<string, { object: WaitObject; handles: bigint[]; owns: boolean }>();
    for (const handle of list.handles) {
      const object = this.#syncObject(handle.kind, handle.path, handle.identity, handle.state, names, handle.error);
      const held = byId.get(object.id) ?? { object, handles: [], owns: false };
      held.handles.push(handle.handle);
      held.owns ||= object.owner?.pid === pid;
      byId.set(object.id, held);
    }
    return [...byId.values()].map(({ object, handles, owns }) => {
      const how = `${handles.length > 1 ? 'handles' : 'handle'} ${handles.map(hex).join(', ')}`;
      return { object, how: owns ? `owns it; ${how}` : how };
    });
  }
}

function processInfo(listed: ListedProcess): ProcessInfo {
  return { pid: listed.pid, name: listed.name, parentPid: listed.parentPid > 0 ? listed.parentPid : null, commandLine: null, user: null };
}

function durationOf(wait: ThreadWait): WaitDuration {
  if (wait.waitedMs !== undefined) return { ms: wait.waitedMs, atLeast: false, source: 'os' };
  return {
    ms: null, atLeast: false, source: null,
    unavailable: wait.syscall
      ? 'ThreadLastSystemCall gave no WaitTime (Windows before 8)'
      : (wait.unavailable ?? 'the OS does not say how long the thread has waited'),
  };
}

function whyNoObject(target: WaitTarget): string | undefined {
  switch (target.type) {
    case 'multiple':
      return `NtWaitForMultipleObjects on ${target.count} handle(s): the handles are in the thread's memory, which SyncScope does not read`;
    case 'address':
      return `NtWaitForAlertByThreadId at ${hex(target.address)}: a critical section, SRW lock or WaitOnAddress, which only Wait Chain Traversal resolves`;
    case 'sleep':
      return undefined;
    case 'other':
      return `waits on a ${target.typeName} (handle ${hex(target.handle)}), not a synchronization object`;
    case 'unreadable':
      return target.reason;
    default:
      return undefined;
  }
}

/** Runs a read of one process; a process that exits meanwhile is vanished, not "not found". */
function vanishedIfGone<T>(pid: number, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isNativeError(error) && error.kind === 'not-found') {
      throw new NativeError('vanished', 'inspectProcess', `process ${pid} exited while it was read`, error.code);
    }
    throw error;
  }
}

