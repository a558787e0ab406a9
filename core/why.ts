// `why`: what a process waits for, the chain onward and a one-line verdict. Runs over one
// WaitAnalysis (wait-analysis.ts), the same `deadlocks` uses, so a cycle found here is one found
// there. For each waiting thread the chain follows owners (a mutex's owner thread, a lock's holder,
// a child to exit) until it reaches a running thread, an actor already on the chain (a cycle), an
// object without a single owner (a semaphore: the processes that could post it are listed with
// what they do), or something the OS does not tell.
import { NativeError, unsupported, type Backend, type NativeErrorKind, type ProcessInspection, type ProcessQuery, type ThreadInspection, type WaitObject, type WaitOwner } from '../native';
import type { Candidate, ChainEnd, ChainStep, WhyDocument, WhyObject, WhyProcessReport, WhyThread } from '../protocol';
import type { GraphNode } from './wait-graph';
import { WaitAnalysis, type AnalysisOptions } from './wait-analysis';
import { durationPhrase, objectPhrase } from './why-words';

export { formatDuration, objectPhrase } from './why-words';

/** Chains longer than this are cut (a chain of processes each waiting for the next). */
export const MAX_CHAIN_STEPS = 32;
/** A name matching more processes: the lowest pids are explained, and the document says so. */
export const MAX_MATCHES = 32;
/** Processes looked at as could-signal candidates of one object at most (each is inspected). */
export const MAX_CANDIDATES = 64;

/** Objects whose holders are the ones that could end a wait: no owner, anyone mapping it may post or wake. */
const HOLDER_KINDS = new Set(['posix-semaphore', 'futex', 'event', 'semaphore', 'timer']);

/** The objects whose holders are worth asking for: those with no owner, by identity (not a private futex word). */
function askableHolders(objects: Iterable<Pick<WaitObject, 'id' | 'kind'>>): string[] {
  const ids = new Set<string>();
  for (const object of objects) if (HOLDER_KINDS.has(object.kind) && !object.id.includes('@')) ids.add(object.id);
  return [...ids];
}

export function whyDocument(backend: Backend, query: ProcessQuery, options: AnalysisOptions = {}): WhyDocument {
  if (!backend.inspector) {
    throw unsupported('why', `the ${backend.platform} backend cannot look into processes' threads yet`);
  }
  const now = options.now ?? Date.now;
  const inspector = backend.inspector();
  try {
    const analysis = new WaitAnalysis(inspector, options);
    const matches = inspector.findProcesses(query).sort((a, b) => a.pid - b.pid);
    if (matches.length === 0) {
      throw new NativeError('not-found', 'why', 'pid' in query ? `no process with pid ${query.pid}` : `no process named ${JSON.stringify(query.name)}`, 'ESRCH');
    }
    const unavailable: Record<string, string> = {};
    if (matches.length > MAX_MATCHES) {
      unavailable.matches = `${matches.length} processes are named ${JSON.stringify((query as { name: string }).name)}: the ${MAX_MATCHES} with the lowest pids are explained; give a pid for another`;
    }
    const reports: WhyProcessReport[] = [];
    for (const info of matches.slice(0, MAX_MATCHES)) {
      const inspected = analysis.inspect(info.pid);
      if (!inspected.ok) {
        // One process asked for: its failure is the answer, with its own exit code.
        if (matches.length === 1) throw new NativeError(inspected.error.kind as NativeErrorKind, 'why', inspected.error.message);
        reports.push(unreadableReport(info, inspected.error));
        continue;
      }
      reports.push(new Explainer(analysis, inspected.inspection).report());
    }
    const incomplete = inspector.incomplete();
    if (incomplete) unavailable.processes = incomplete;
    const document: WhyDocument = { format: 'syncscope-why', version: 1, t: now(), platform: backend.platform, query, reports, unavailable };
    const unreadablePids = inspector.unreadablePids();
    if (unreadablePids.length > 0) document.unreadablePids = unreadablePids;
    return document;
  } finally {
    inspector.close();
  }
}

function unreadableReport(process: WhyProcessReport['process'], error: { kind: string; message: string }): WhyProcessReport {
  return {
    process,
    verdict: { kind: 'unknown', text: `cannot tell: ${error.message}` },
    threads: [],
    holds: [],
    objects: {},
    deadlocks: [],
    unavailable: { process: error.message },
  };
}

// ---- one process --------------------------------------------------------------------------------

interface Walk {
  chain: ChainStep[];
  end: ChainEnd;
  /** The object each step waits for, by step. */
  objects: Array<WaitObject | undefined>;
}

class Explainer {
  readonly #pid: number;
  readonly #objects = new Map<string, WaitObject>();

  constructor(
    private readonly analysis: WaitAnalysis,
    private readonly inspection: ProcessInspection,
  ) {
    this.#pid = inspection.process.pid;
  }

  report(): WhyProcessReport {
    // Who holds the objects this process waits on or holds, asked once for all of them (on Windows
    // each ask walks the system's handle table); the chains and the object table then reuse it.
    const mine = [...this.inspection.threads.flatMap((thread) => thread.wait?.objects ?? []), ...this.inspection.holds.map((held) => held.object)];
    const askFirst = askableHolders(mine);
    if (askFirst.length) this.analysis.holdersOf(askFirst);
    const walks = new Map<number, Walk>();
    const threads: WhyThread[] = this.inspection.threads.map((thread) => {
      if (!thread.wait) return { ...thread, chain: null, end: null };
      for (const object of thread.wait.objects) this.#objects.set(object.id, object);
      const walk = this.#walk(thread);
      walks.set(thread.tid, walk);
      return { ...thread, chain: walk.chain, end: walk.end };
    });
    for (const held of this.inspection.holds) if (!this.#objects.has(held.object.id)) this.#objects.set(held.object.id, held.object);
    const graph = this.analysis.graph();
    const deadlocks = this.analysis.deadlocks(graph).filter((d) => d.chain.some((node) => node.type !== 'object' && node.pid === this.#pid));
    return {
      process: this.inspection.process,
      verdict: this.#verdict(walks),
      threads,
      holds: this.inspection.holds.map((held) => ({ id: held.object.id, how: held.how })),
      objects: this.#objectTable(),
      deadlocks: deadlocks.map((d) => ({ chain: d.chain.map(plainNode), text: d.text })),
      // Processes that could not be read anywhere are said once, in the document's `unavailable`.
      unavailable: { ...this.inspection.unavailable },
    };
  }

  // ---- chains ---------------------------------------------------------------------------------

  #walk(start: ThreadInspection): Walk {
    const chain: ChainStep[] = [];
    const objects: Array<WaitObject | undefined> = [];
    const visited = new Map<string, number>();
    let inspection = this.inspection;
    let thread: ThreadInspection | undefined = start;
    const finish = (end: ChainEnd): Walk => ({ chain, end, objects });

    for (;;) {
      const pid = inspection.process.pid;
      const name = inspection.process.name;
      if (chain.length >= MAX_CHAIN_STEPS) return finish({ reason: 'limit', text: `the chain was cut after ${MAX_CHAIN_STEPS} steps` });
      if (!thread) {
        // A whole process must act (it holds the lock, it is the child to exit): a running
        // thread may, a thread already on the chain closes a cycle, else follow its waiting thread.
        const running = inspection.threads.find((t) => t.state === 'running');
        if (running) {
          chain.push(this.#step(inspection, running));
          objects.push(undefined);
          return finish({ reason: 'running', text: `${who(pid, name, running.tid)} is running` });
        }
        const onChain = inspection.threads.find((t) => visited.has(threadKey(pid, t.tid)));
        thread = onChain ?? pickThread(inspection);
        if (!thread) return finish({ reason: 'exited', text: `${name} (${pid}) has no threads left` });
      }
      const key = threadKey(pid, thread.tid);
      const seen = visited.get(key);
      if (seen !== undefined) {
        return finish({ reason: 'cycle', cycleTo: seen, text: `${who(pid, name, thread.tid)} is already on the chain: a deadlock` });
      }
      visited.set(key, chain.length);
      const step = this.#step(inspection, thread);
      chain.push(step);
      const end = stateEnd(pid, name, thread);
      if (end) {
        objects.push(undefined);
        return finish(end);
      }
      const wait: NonNullable<ThreadInspection['wait']> = thread.wait!;
      const object: WaitObject = wait.objects.find((o) => o.owner) ?? wait.objects[0];
      this.#objects.set(object.id, object);
      step.waitsFor = object.id;
      objects.push(object);
      if (!object.owner) return finish(this.#ownerlessEnd(object, pid, thread.tid));
      step.heldBy = object.owner;
      const next = this.analysis.inspect(object.owner.pid);
      if (!next.ok) {
        const gone = next.error.kind === 'vanished' || next.error.kind === 'not-found';
        return finish({ reason: gone ? 'exited' : 'not-told', text: gone ? `process ${object.owner.pid} has exited` : next.error.message });
      }
      inspection = next.inspection;
      if (object.owner.tid === null) thread = undefined;
      else {
        thread = inspection.threads.find((t) => t.tid === object.owner!.tid);
        if (!thread) return finish({ reason: 'exited', text: `thread ${object.owner.tid} of ${inspection.process.name} (${inspection.process.pid}) has exited` });
      }
    }
  }

  /** A step names the thread it looked at, also where the owner was a whole process. */
  #step(inspection: ProcessInspection, thread: ThreadInspection): ChainStep {
    return {
      pid: inspection.process.pid,
      tid: thread.tid,
      processName: inspection.process.name,
      state: thread.state,
      call: thread.call,
      waitsFor: null,
      heldBy: null,
    };
  }

  /** The end of a chain at an object no one owns: who could end the wait, or why it is not told. */
  #ownerlessEnd(object: WaitObject, pid: number, tid: number): ChainEnd {
    if (object.unavailable?.owner) return { reason: 'not-told', text: `who holds it is not told: ${object.unavailable.owner}` };
    if (object.kind === 'sysv-semaphore') {
      const last = (object.state as { lastPids?: number[] } | undefined)?.lastPids?.filter((p) => p > 0) ?? [];
      return {
        reason: 'no-owner',
        text: `a System V semaphore has no owner: any process allowed to may operate on it${last.length ? `; the last to operate on it: ${[...new Set(last)].join(', ')}` : ''}`,
      };
    }
    if (!HOLDER_KINDS.has(object.kind)) return { reason: 'not-told', text: `the OS does not say who would end a wait on ${object.label}` };
    if (object.kind === 'futex' && object.id.includes('@')) {
      return {
        reason: 'not-told',
        text: 'which thread would wake it is not told: the word records no owner (it is not laid out as a locked pthread mutex: a condition variable, a semaphore, another library\'s lock)',
      };
    }
    const holders = this.analysis.holdersOf([object.id]).get(object.id) ?? [];
    const candidates: Candidate[] = [];
    for (const holder of holders.slice(0, MAX_CANDIDATES)) {
      const candidate = this.#candidate(holder.pid, holder.processName, object.id, pid, tid);
      if (candidate) candidates.push(candidate);
    }
    const verb = object.kind === 'posix-semaphore' || object.kind === 'futex' ? 'map' : 'hold';
    const more = holders.length > MAX_CANDIDATES ? `, and ${holders.length - MAX_CANDIDATES} more not looked at` : '';
    const text = candidates.length
      ? `processes that ${verb} it: ${groupCandidates(candidates)}${more}`
      : `no other process ${verb}s it${object.kind === 'futex' ? '' : ': nothing else can signal it'}`;
    return { reason: 'no-owner', text, candidates };
  }

  /** What a process that could end the wait does now (the waiting thread itself left out). */
  #candidate(pid: number, processName: string, objectId: string, waiterPid: number, waiterTid: number): Candidate | undefined {
    const inspected = this.analysis.inspect(pid);
    if (!inspected.ok) {
      const gone = inspected.error.kind === 'vanished' || inspected.error.kind === 'not-found';
      return { pid, processName, activity: gone ? 'exited' : 'unknown', doing: gone ? 'exited' : `not readable: ${inspected.error.message}` };
    }
    const threads = inspected.inspection.threads.filter((t) => !(pid === waiterPid && t.tid === waiterTid));
    if (threads.length === 0) return undefined;
    if (threads.some((t) => t.state === 'running')) return { pid, processName, activity: 'running', doing: 'running' };
    if (threads.some((t) => t.wait?.objects.some((o) => o.id === objectId))) return { pid, processName, activity: 'waiting-too', doing: 'waiting on it too' };
    const main = threads.find((t) => t.tid === pid) ?? threads[0];
    const end = stateEnd(pid, processName, main);
    if (end?.reason === 'stopped' || end?.reason === 'exited') return { pid, processName, activity: end.reason, doing: end.reason };
    if (main.wait) return { pid, processName, activity: 'blocked', doing: `waiting for ${objectPhrase(main.wait.objects[0])}` };
    return { pid, processName, activity: main.unavailable ? 'unknown' : 'blocked', doing: blockedPhrase(main) };
  }

  // ---- the verdict ----------------------------------------------------------------------------

  #verdict(walks: Map<number, Walk>): WhyProcessReport['verdict'] {
    const threads = this.inspection.threads;
    const waiting = threads.filter((t) => walks.has(t.tid));
    // A thread on the cycle itself says it best; one whose chain only leads into a cycle next.
    const cycledAt = (t: ThreadInspection) => (walks.get(t.tid)!.end.reason === 'cycle' ? walks.get(t.tid)!.end.cycleTo : undefined);
    const cycled = waiting.find((t) => cycledAt(t) === 0) ?? waiting.find((t) => cycledAt(t) !== undefined);
    if (cycled) return { kind: 'deadlocked', text: `deadlocked: ${this.#deadlockSentence(walks.get(cycled.tid)!)}` };
    const main = threads.find((t) => t.tid === this.#pid);
    // A wait on a private futex nobody is known to own (an idle pool's condition variable) is
    // not what a person asks about, unless it is the main thread's.
    const focus =
      (main && walks.has(main.tid) ? main : undefined) ??
      waiting.find((t) => t.wait!.objects.some((o) => o.kind !== 'futex' || o.owner || !o.id.includes('@'))) ??
      (main ? undefined : waiting[0]);
    if (focus) return { kind: 'waiting', text: this.#waitingSentence(focus, walks.get(focus.tid)!) };
    const shown = main ?? threads[0];
    if (!shown) return { kind: 'unknown', text: 'cannot tell: no thread could be read' };
    // A thread whose state the OS does not report (Wine) may be blocked just as well.
    if (shown.unavailable && (shown.state === 'blocked' || shown.state === 'unknown')) return { kind: 'unknown', text: `cannot tell: ${shown.unavailable}` };
    return { kind: 'not-blocked', text: `not blocked on a synchronization object (${shown.state === 'running' ? 'running' : blockedPhrase(shown)})` };
  }

  #waitingSentence(thread: ThreadInspection, walk: Walk): string {
    const parts: string[] = [];
    const first = walk.objects[0]!;
    const subject = thread.tid === this.#pid ? 'waiting for' : `thread ${thread.tid}${thread.name ? ` (${thread.name})` : ''} waiting for`;
    parts.push(`${subject} ${objectPhrase(first)}${this.#heldByPhrase(first, walk.chain[0].heldBy)}${durationPhrase(thread.wait!.duration)}`);
    for (let i = 1; i < walk.chain.length; i++) {
      const step = walk.chain[i];
      const object = walk.objects[i];
      if (!object) break;
      parts.push(`${this.#actor(step)} waits for ${objectPhrase(object)}${this.#heldByPhrase(object, step.heldBy)}`);
    }
    parts.push(this.#endPhrase(walk));
    return parts.join('; ');
  }

  #endPhrase(walk: Walk): string {
    return walk.end.reason === 'running' ? `${this.#actor(walk.chain[walk.chain.length - 1])} is running` : walk.end.text;
  }

  #deadlockSentence(walk: Walk): string {
    const parts: string[] = [];
    walk.chain.forEach((step, i) => {
      const object = walk.objects[i];
      if (!object) return;
      // A whole process held it: name the thread of it that waits on, unless it is the main one.
      const lead = i === 0 ? `thread ${step.tid}` : walk.chain[i - 1].heldBy?.tid === null && step.tid !== step.pid ? `whose thread ${step.tid}` : 'which';
      parts.push(`${lead} waits for ${objectPhrase(object)}${this.#heldByPhrase(object, step.heldBy)}`);
    });
    return parts.join(', ');
  }

  #heldByPhrase(object: WaitObject, owner: WaitOwner | null): string {
    if (!owner || object.kind === 'process' || object.kind === 'thread') return '';
    const whom = owner.pid === this.#pid ? (owner.tid === null ? 'this process' : `thread ${owner.tid} (this process)`) : this.#actor({ pid: owner.pid, tid: owner.tid, processName: this.#name(owner.pid) });
    return ` held by ${whom}${owner.inferred ? ` (inferred from ${owner.source})` : ''}`;
  }

  #actor(step: Pick<ChainStep, 'pid' | 'tid' | 'processName'>): string {
    if (step.pid === this.#pid) return step.tid === null || step.tid === step.pid ? 'this process' : `thread ${step.tid} (this process)`;
    return who(step.pid, step.processName, step.tid);
  }

  #name(pid: number): string {
    const inspected = this.analysis.inspect(pid);
    return inspected.ok ? inspected.inspection.process.name : '?';
  }

  // ---- objects --------------------------------------------------------------------------------

  #objectTable(): Record<string, WhyObject> {
    const ids = [...this.#objects.keys()];
    const askHolders = askableHolders([...this.#objects.values()]);
    const holders = askHolders.length ? this.analysis.holdersOf(askHolders) : new Map();
    const waiters = new Map<string, WhyObject['waiters']>();
    for (const inspection of this.analysis.inspections()) {
      for (const thread of inspection.threads) {
        for (const object of thread.wait?.objects ?? []) {
          if (!this.#objects.has(object.id)) continue;
          const list = waiters.get(object.id) ?? [];
          list.push({ pid: inspection.process.pid, tid: thread.tid, processName: inspection.process.name });
          waiters.set(object.id, list);
        }
      }
    }
    const table: Record<string, WhyObject> = {};
    for (const [id, object] of this.#objects) {
      table[id] = { ...object, holders: holders.get(id) ?? null, waiters: waiters.get(id) ?? [] };
    }
    return table;
  }
}

// ---- helpers ------------------------------------------------------------------------------------

const threadKey = (pid: number, tid: number) => `${pid}:${tid}`;

function who(pid: number, name: string, tid: number | null): string {
  return tid === null || tid === pid ? `${name || '?'} (${pid})` : `thread ${tid} of ${name || '?'} (${pid})`;
}

/** Why a chain ends at this thread, or undefined when it waits on something to follow. */
function stateEnd(pid: number, name: string, thread: ThreadInspection): ChainEnd | undefined {
  const actor = who(pid, name, thread.tid);
  switch (thread.state) {
    case 'running':
      return { reason: 'running', text: `${actor} is running` };
    case 'stopped':
      return { reason: 'stopped', text: `${actor} is stopped (${thread.osState})` };
    case 'exited':
      return { reason: 'exited', text: `${actor} has exited (${thread.osState})` };
    default:
      if (thread.wait) return undefined;
      if (thread.unavailable) return { reason: 'not-told', text: `what ${actor} waits for is not told: ${thread.unavailable}` };
      return { reason: 'blocked', text: `${actor} is ${blockedPhrase(thread)}` };
  }
}

/** `sleeping in read`, `blocked (D (disk sleep))`: a thread blocked on something that is not an object. */
function blockedPhrase(thread: ThreadInspection): string {
  if (thread.state === 'running') return 'running';
  if (thread.unavailable) return `not readable: ${thread.unavailable}`;
  return thread.call ? `sleeping in ${thread.call}` : `blocked (${thread.osState})`;
}

/** The thread a process is most likely stuck in: the main thread if it waits on something, else the first that does. */
function pickThread(inspection: ProcessInspection): ThreadInspection | undefined {
  const main = inspection.threads.find((t) => t.tid === inspection.process.pid);
  if (main?.wait) return main;
  return inspection.threads.find((t) => t.wait) ?? main ?? inspection.threads[0];
}

/** `4101 (running), 4102 and 4103 (waiting on it too)`: pids grouped by what they do. */
function groupCandidates(candidates: Candidate[]): string {
  const groups = new Map<string, number[]>();
  for (const candidate of candidates) groups.set(candidate.doing, [...(groups.get(candidate.doing) ?? []), candidate.pid]);
  return [...groups]
    .map(([doing, pids]) => {
      const list = pids.length === 1 ? String(pids[0]) : `${pids.slice(0, -1).join(', ')} and ${pids[pids.length - 1]}`;
      return `${list} (${doing})`;
    })
    .join(', ');
}

function plainNode(node: GraphNode): GraphNode {
  return { ...node };
}
