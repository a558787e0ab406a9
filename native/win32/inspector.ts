// The Win32 ProcessInspector (`why`, `deadlocks`): reads a process's threads and what each waits
// on (thread-waits.ts, with Wait Chain Traversal where the OS has it), its event, mutant, semaphore
// and timer handles, named or not (process-objects.ts), and who holds an object (holders.ts), and
// words them through inspection-model.ts. Objects are identified as `list` names them: a named one
// by its NT path, an unnamed one by the handle it was first met through (unnamed-objects.ts), a
// waited process or thread as process:<pid> / thread:<tid>. What the OS does not tell (Wine:
// thread states, ThreadLastSystemCall, wait chains, mutex owners) is said in `unavailable`.
import type { HolderResult, ProcessInspector } from '../backend';
import { NativeError, isNativeError } from '../errors';
import type { HeldObject, ProcessInfo, ProcessInspection, ProcessQuery } from '../types';
import { unopenedProcesses } from './foreign-handles';
import { holdersOfPaths } from './holders';
import { chainObject, heldObjects, threadInspection, threadState, type ModelContext } from './inspection-model';
import { lastSyscallUnsupportedReason } from './last-syscall';
import { listSyncHandles, type Identify } from './process-objects';
import { listProcesses, type ProcessInfo as ListedProcess } from './system-info';
import { readThreadWaits, threadStateName, threadStatesUnsupportedReason } from './thread-waits';
import type { UnnamedObjects } from './unnamed-objects';
import { WaitChainTraversal, waitChainUnsupportedReason } from './wait-chain';
import { multipleWaitsNote } from './waiters';

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
  /** Threads seen in a multiple-object wait, whose handles cannot be read: a cycle through them is unseen. */
  #multipleWaits = 0;
  #waitChains: WaitChainTraversal | undefined;

  constructor(private readonly context: InspectorContext) {}

  #list(): ListedProcess[] {
    this.#processes ??= listProcesses();
    return this.#processes;
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
    const blocked = (p: ListedProcess) => p.threads.some((t) => threadState(threadStateName(t.state)) === 'blocked');
    return this.#list()
      .filter((p) => p.pid !== 0 && p.pid !== process.pid && (!statesKnown || blocked(p)))
      .map((p) => p.pid);
  }

  inspectProcess(pid: number): ProcessInspection {
    const listed = this.#list().find((p) => p.pid === pid);
    if (!listed) throw new NativeError('not-found', 'inspectProcess', `no process ${pid}`, 'STATUS_INVALID_CID');
    const model: ModelContext = {
      sessionId: this.context.sessionId,
      names: new Map(this.#list().map((p) => [p.pid, p.name])),
      mutexOwnerUnsupported: this.context.mutexOwnerUnsupported(),
    };
    const identify: Identify = (ref, kind, copy) => this.context.known.identify(ref, kind, copy);
    const unavailable: Record<string, string> = {};
    const waits = vanishedIfGone(pid, () => readThreadWaits(listed, identify));
    if (waits.statesUnavailable) unavailable.threads = waits.statesUnavailable;
    if (waits.targetsUnavailable) unavailable.waits = waits.targetsUnavailable;
    const chains = this.#chains();
    if (typeof chains === 'string') unavailable.waitChains = chains;
    const threads = waits.threads.map((wait) =>
      threadInspection(wait, model, typeof chains === 'string' ? undefined : () => {
        try {
          return chainObject(chains.chainOf(wait.tid).nodes, pid, wait.tid, model.names);
        } catch {
          return undefined; // the thread moved on, or is out of reach: its state says the rest
        }
      }),
    );
    // Wait Chain Traversal may have named what a multiple-object wait is on; the rest stay unseen.
    this.#multipleWaits += waits.threads.filter((wait, i) => wait.target?.type === 'multiple' && threads[i].wait === null).length;
    let holds: HeldObject[] = [];
    try {
      holds = heldObjects(pid, vanishedIfGone(pid, () => listSyncHandles(listed, identify)).handles, model);
    } catch (error) {
      if (!isNativeError(error) || error.kind !== 'access-denied') throw error;
      this.#unreadable.add(pid);
      unavailable.holds = error.message;
    }
    return { process: processInfo(listed), threads, holds, unavailable };
  }

  objectHolders(ids: string[]): HolderResult {
    const { holders, unreadablePids, searched, unmatched } = holdersOfPaths(ids, this.context.known);
    if (!searched) return unmatched ? { holders, incomplete: unmatched } : { holders };
    for (const pid of unreadablePids) this.#unreadable.add(pid);
    const incomplete = [this.incomplete(), unmatched].filter((gap) => gap !== undefined);
    return { holders, incomplete: incomplete.length ? incomplete.join('; ') : undefined };
  }

  incomplete(): string | undefined {
    const reasons: string[] = [];
    if (this.#unreadable.size > 0) {
      reasons.push(unopenedProcesses(this.#unreadable.size));
    }
    // Asked which processes wait, and none can be told: that empty answer is not the whole truth.
    const waits = lastSyscallUnsupportedReason();
    if (this.#askedForWaiting && waits) reasons.push(`no thread's wait can be told on this OS: ${waits}`);
    if (this.#multipleWaits > 0) reasons.push(`${multipleWaitsNote(this.#multipleWaits)}: a wait through them is not followed`);
    return reasons.length ? reasons.join('; ') : undefined;
  }

  unreadablePids(): number[] {
    return [...this.#unreadable].sort((a, b) => a - b);
  }

  close(): void {
    this.#processes = undefined;
    this.#waitChains?.close();
    this.#waitChains = undefined;
  }

  /** The WCT session of this inspection, or why there is none. */
  #chains(): WaitChainTraversal | string {
    const reason = waitChainUnsupportedReason();
    if (reason) return reason;
    this.#waitChains ??= WaitChainTraversal.open();
    return this.#waitChains;
  }
}

function processInfo(listed: ListedProcess): ProcessInfo {
  return { pid: listed.pid, name: listed.name, parentPid: listed.parentPid > 0 ? listed.parentPid : null, commandLine: null, user: null };
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
