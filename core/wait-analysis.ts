// One analysis of who waits for what, over a backend's ProcessInspector. `why` follows chains
// through it and `deadlocks` finds the cycles of its wait-for graph, so both see the same objects,
// named or not (an unlinked semaphore, a futex word), and the same owners.
import { isNativeError, messageOf, type Holder, type ProcessInspection, type ProcessInspector, type WaitObject } from '../native';
import { buildWaitGraph, findDeadlocks, type Deadlock, type WaitFacts, type WaitGraph } from './wait-graph';

export type Inspected = { ok: true; inspection: ProcessInspection } | { ok: false; error: { kind: string; message: string } };

/** When the live engine first saw a thread wait on an object (ms since epoch), if it did. */
export type WaitSince = (pid: number, tid: number, objectId: string) => number | undefined;

export interface AnalysisOptions {
  /** The live engine's first sightings: a wait it has watched for longer than the scheduler tells is said with its figure. */
  waitSince?: WaitSince;
  now?: () => number;
}

function errorOf(error: unknown): { kind: string; message: string } {
  if (isNativeError(error)) return { kind: error.kind, message: error.message };
  return { kind: 'internal', message: messageOf(error) };
}

export class WaitAnalysis {
  readonly #inspections = new Map<number, Inspected>();
  readonly #holders = new Map<string, Holder[]>();
  #holdersIncomplete: string | undefined;
  readonly #now: () => number;

  constructor(
    readonly inspector: ProcessInspector,
    private readonly options: AnalysisOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** One process, inspected once per analysis; an error (gone, refused) is kept as the answer. */
  inspect(pid: number): Inspected {
    let inspected = this.#inspections.get(pid);
    if (!inspected) {
      try {
        const inspection = this.inspector.inspectProcess(pid);
        this.#applySightings(inspection);
        inspected = { ok: true, inspection };
      } catch (error) {
        inspected = { ok: false, error: errorOf(error) };
      }
      this.#inspections.set(pid, inspected);
    }
    return inspected;
  }

  /** Every process inspected so far that could be read. */
  inspections(): ProcessInspection[] {
    const result: ProcessInspection[] = [];
    for (const inspected of this.#inspections.values()) if (inspected.ok) result.push(inspected.inspection);
    return result;
  }

  /** Processes holding each object, asked of the inspector once per object. */
  holdersOf(ids: readonly string[]): Map<string, Holder[]> {
    const missing = ids.filter((id) => !this.#holders.has(id));
    if (missing.length > 0) {
      const result = this.inspector.objectHolders(missing);
      for (const id of missing) this.#holders.set(id, result.holders.get(id) ?? []);
      if (result.incomplete) this.#holdersIncomplete = result.incomplete;
    }
    return new Map(ids.map((id) => [id, this.#holders.get(id)!]));
  }

  get holdersIncomplete(): string | undefined {
    return this.#holdersIncomplete;
  }

  /** The wait-for facts of every inspected process: each waiting thread → its objects → their owners. */
  facts(): WaitFacts {
    const facts: WaitFacts = { waits: [], owners: [], childWaits: [], objectKinds: {}, objectLabels: {}, processNames: {} };
    const owned = new Set<string>();
    const addObject = (object: WaitObject) => {
      facts.objectKinds![object.id] = object.kind;
      facts.objectLabels![object.id] = graphLabel(object);
      if (object.owner && !owned.has(object.id)) {
        owned.add(object.id);
        facts.owners.push({ object: object.id, pid: object.owner.pid, tid: object.owner.tid ?? undefined });
      }
    };
    for (const inspection of this.inspections()) {
      facts.processNames![inspection.process.pid] = inspection.process.name;
      for (const thread of inspection.threads) {
        if (!thread.wait) continue;
        for (const object of thread.wait.objects) {
          addObject(object);
          facts.waits.push({ pid: inspection.process.pid, tid: thread.tid, object: object.id });
        }
      }
    }
    return facts;
  }

  graph(): WaitGraph {
    return buildWaitGraph(this.facts());
  }

  deadlocks(graph = this.graph()): Deadlock[] {
    return findDeadlocks(graph);
  }

  /**
   * Where the live engine has watched a wait for longer than the scheduler's lower bound (or the
   * scheduler could not tell), its figure is the better "at least".
   */
  #applySightings(inspection: ProcessInspection): void {
    const since = this.options.waitSince;
    if (!since) return;
    const now = this.#now();
    for (const thread of inspection.threads) {
      const wait = thread.wait;
      if (!wait) continue;
      let first: number | undefined;
      for (const object of wait.objects) {
        const seen = since(inspection.process.pid, thread.tid, object.id);
        if (seen !== undefined && (first === undefined || seen < first)) first = seen;
      }
      if (first === undefined) continue;
      const ms = Math.max(0, now - first);
      if (wait.duration.ms === null || (wait.duration.atLeast && ms > wait.duration.ms)) {
        wait.duration = { ms, atLeast: true, source: 'sampler' };
      }
    }
  }
}

/** A graph node's label: a file lock by its file (as `deadlocks` always printed it), anything else by its own label. */
function graphLabel(object: WaitObject): string {
  if (object.kind === 'file-lock') {
    const path = (object.state as { path?: unknown } | undefined)?.path;
    if (typeof path === 'string' && path) return path;
  }
  return object.label;
}
