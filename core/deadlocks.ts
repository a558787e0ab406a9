// Deadlocks: the cycles of the wait-for graph. Where the backend has a process inspector, the
// graph comes from the same analysis as `why` (every process with a thread in a decoded wait, its
// objects identified, named or not, and their owners); elsewhere from object reports (waiters,
// mutex owners, file-lock holders).
import type { Backend } from '../native';
import type { DeadlockReport, ObjectRecord } from '../protocol';
import { listReports } from './inspect';
import { WaitAnalysis } from './wait-analysis';
import { buildWaitGraph, findDeadlocks, type WaitFacts, type WaitGraph } from './wait-graph';
import { messageOf } from '../native/errors';

type Report = Pick<ObjectRecord, 'kind' | 'path' | 'state' | 'holders' | 'waiters' | 'unavailable'>;

/** Wait facts from object reports: waiters, mutex owners, file-lock holders and waiters. */
export function waitFactsOf(reports: Report[]): WaitFacts {
  const facts: WaitFacts = { waits: [], owners: [], childWaits: [], objectKinds: {}, objectLabels: {}, processNames: {} };
  for (const report of reports) {
    facts.objectKinds![report.path] = report.kind;
    for (const holder of report.holders ?? []) facts.processNames![holder.pid] = holder.processName;
    for (const waiter of report.waiters ?? []) {
      facts.processNames![waiter.pid] = waiter.processName;
      facts.waits.push({ pid: waiter.pid, tid: waiter.tid, object: report.path });
    }
    const state = report.state as Record<string, unknown> | undefined;
    if (!state) continue;
    if (report.kind === 'mutex' && state.locked && typeof state.ownerProcessId === 'number') {
      facts.owners.push({
        object: report.path,
        pid: state.ownerProcessId,
        tid: typeof state.ownerThreadId === 'number' ? state.ownerThreadId : undefined,
      });
    }
    if (report.kind === 'file-lock') {
      if (typeof state.path === 'string' && state.path) facts.objectLabels![report.path] = state.path;
      facts.owners.push({ object: report.path, pid: state.holderPid as number });
      // Waiters already listed with thread ids are not added again as whole processes.
      const known = new Set((report.waiters ?? []).map((w) => w.pid));
      for (const pid of state.waiterPids as number[]) if (!known.has(pid)) facts.waits.push({ pid, object: report.path });
    }
  }
  return facts;
}

/** Deadlocks now, with what the OS could not tell (so that none found is read with care). */
export function detectDeadlocks(backend: Backend, now: () => number = Date.now): DeadlockReport {
  const unavailable: Record<string, string> = {};
  const unreadable = new Set<number>();
  const graph = backend.inspector ? graphFromInspections(backend, unavailable, unreadable) : graphFromReports(backend, unavailable, unreadable);
  // Only where the OS has mutexes is a missing owner a blind spot, whichever source the graph has.
  if (backend.sampledKinds.includes('mutex')) {
    const { mutexOwner } = backend.capabilities();
    if (!mutexOwner.supported) unavailable.mutexOwner = mutexOwner.reason ?? 'unsupported';
  }
  const edges: Array<[string, string]> = [];
  for (const [from, targets] of graph.edges) for (const to of targets) edges.push([from, to]);
  const report: DeadlockReport = { t: now(), deadlocks: findDeadlocks(graph), graph: { nodes: Object.fromEntries(graph.nodes), edges }, unavailable };
  if (unreadable.size > 0) report.unreadablePids = [...unreadable].sort((a, b) => a - b);
  return report;
}

/** Every process with a thread in a decoded wait, inspected once; owners are followed from there. */
function graphFromInspections(backend: Backend, unavailable: Record<string, string>, unreadablePids: Set<number>): WaitGraph {
  const inspector = backend.inspector!();
  try {
    const analysis = new WaitAnalysis(inspector);
    const pending = inspector.waitingProcesses();
    const queued = new Set(pending);
    const ownersUnknown = new Set<string>();
    /** Threads whose wait could not be read (Wine: no ThreadLastSystemCall), by reason. */
    const waitsUnknown = new Map<string, number>();
    let unreadable = 0;
    while (pending.length > 0) {
      const inspected = analysis.inspect(pending.pop()!);
      if (!inspected.ok) {
        if (inspected.error.kind === 'access-denied') unreadable++;
        continue;
      }
      const processWide = inspected.inspection.unavailable.waits;
      if (processWide) waitsUnknown.set(processWide, (waitsUnknown.get(processWide) ?? 0) + 1);
      for (const thread of inspected.inspection.threads) {
        if (thread.unavailable && !processWide) waitsUnknown.set(thread.unavailable, (waitsUnknown.get(thread.unavailable) ?? 0) + 1);
        for (const object of thread.wait?.objects ?? []) {
          if (object.unavailable?.owner) ownersUnknown.add(object.unavailable.owner);
          // An owner that waits on nothing we decode ends the chain; one that does is inspected.
          const owner = object.owner?.pid;
          if (owner !== undefined && !queued.has(owner)) {
            queued.add(owner);
            pending.push(owner);
          }
        }
      }
    }
    const incomplete = inspector.incomplete();
    for (const pid of inspector.unreadablePids()) unreadablePids.add(pid);
    if (incomplete || unreadable) unavailable.waiters = `incomplete: ${incomplete ?? `${unreadable} waiting process(es) could not be read`}`;
    if (waitsUnknown.size > 0) {
      const [[reason, count]] = [...waitsUnknown].sort((a, b) => b[1] - a[1]);
      const total = [...waitsUnknown.values()].reduce((a, b) => a + b, 0);
      unavailable.waits = `incomplete: what ${total} thread(s) or process(es) wait for could not be read; for example: ${reason}${count < total ? ` (${count} of them)` : ''}`;
    }
    if (ownersUnknown.size > 0) {
      const [first] = ownersUnknown;
      unavailable.owners = `incomplete: ${ownersUnknown.size} wait(s) name no owner, so a cycle through them cannot be seen; for example: ${first}`;
    }
    return analysis.graph();
  } finally {
    inspector.close();
  }
}

function graphFromReports(backend: Backend, unavailable: Record<string, string>, unreadablePids: Set<number>): WaitGraph {
  const reports = listReports(backend, { holders: true });
  const sampled = reports.filter((r) => backend.sampledKinds.includes(r.kind) && !r.error);
  try {
    const result = backend.waiters(sampled.map((r) => r.path));
    for (const report of sampled) report.waiters = result.waiters.get(report.path) ?? [];
    if (result.incomplete) unavailable.waiters = `incomplete: ${result.incomplete}`;
    for (const pid of result.unreadablePids ?? []) unreadablePids.add(pid);
  } catch (error) {
    unavailable.waiters = messageOf(error);
  }
  const facts = waitFactsOf(reports);
  if (backend.childWaits) {
    try {
      facts.childWaits = backend.childWaits();
    } catch (error) {
      unavailable.childWaits = messageOf(error);
    }
  } else {
    unavailable.childWaits = `the ${backend.platform} backend cannot see which child a process waits for`;
  }
  return buildWaitGraph(facts);
}
