// The wait-for graph laid out for drawing: nodes placed left to right in wait order by dagre (a
// layered layout, like Graphviz's dot), edges named by what they mean, and every node and edge on
// a deadlock cycle marked. Pure: no React, no DOM; the component draws what this returns.
import dagre from '@dagrejs/dagre';
import type { DeadlockReport } from '../protocol';

type GraphNode = DeadlockReport['graph']['nodes'][string];

export interface PlacedNode {
  id: string;
  node: GraphNode;
  label: string;
  /** Top-left corner and size, in graph units. */
  x: number;
  y: number;
  width: number;
  height: number;
  inCycle: boolean;
}

export interface PlacedEdge {
  id: string;
  source: string;
  target: string;
  /** What the edge says: `waits for`, `held by`, `blocked in`, `waits for child`. */
  relation: string;
  inCycle: boolean;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const nodeKey = (node: GraphNode) =>
  node.type === 'process' ? `p:${node.pid}` : node.type === 'thread' ? `t:${node.pid}:${node.tid}` : `o:${node.path}`;

export function nodeLabel(node: GraphNode): string {
  switch (node.type) {
    case 'process':
      return `${node.name ?? 'process'} (${node.pid})`;
    case 'thread':
      return `thread ${node.tid} of ${node.name ?? '?'} (${node.pid})`;
    case 'object':
      return node.label ? `${node.kind}: ${node.label}` : `${node.kind}: ${node.path.split(/[\\/]/).pop() || node.path}`;
  }
}

function relationOf(from: GraphNode | undefined, to: GraphNode | undefined): string {
  if (from?.type === 'object') return 'held by';
  if (to?.type === 'object') return 'waits for';
  if (from?.type === 'process' && to?.type === 'thread') return 'blocked in';
  if (from?.type === 'process' && to?.type === 'process') return 'waits for child';
  return 'waits for';
}

const CHAR_WIDTH = 7;
const NODE_HEIGHT = 36;
const MAX_LABEL = 48;

/** A private futex word nobody is known to own: an idle pool's condition variable, not a hang. */
function isIdleWait(report: DeadlockReport, id: string, outgoing: Map<string, string[]>): boolean {
  const node = report.graph.nodes[id];
  return node?.type === 'object' && node.kind === 'futex' && node.path.includes('@') && !(outgoing.get(id)?.length);
}

/** Processes worth picking first: those on a deadlock, then those waiting on something that is not idle. */
export function waitingProcesses(report: DeadlockReport, limit = 12): Array<{ pid: number; name?: string }> {
  const outgoing = new Map<string, string[]>();
  for (const [from, to] of report.graph.edges) outgoing.set(from, [...(outgoing.get(from) ?? []), to]);
  const found = new Map<number, { pid: number; name?: string }>();
  const add = (node: GraphNode | undefined) => {
    if (node && node.type !== 'object' && !found.has(node.pid)) found.set(node.pid, { pid: node.pid, name: node.name });
  };
  for (const deadlock of report.deadlocks) deadlock.chain.forEach(add);
  for (const [from, to] of report.graph.edges) {
    const waiter = report.graph.nodes[from];
    if (waiter?.type === 'thread' && !isIdleWait(report, to, outgoing)) add(waiter);
  }
  return [...found.values()].slice(0, limit);
}

interface Drawn {
  nodes: Map<string, { node: GraphNode; label: string }>;
  edges: PlacedEdge[];
}

/**
 * What is worth drawing, said once: a process whose only node is its main thread is one node; a
 * wait for a process or thread to exit is an edge to it, not an object node between; a private
 * futex word nobody is known to own (an idle thread pool's condition variable, in every program)
 * is left out with the threads that only wait on it. Deadlock cycles are kept whole.
 */
function simplify(report: DeadlockReport, cycleNodes: Set<string>, cycleEdges: Set<string>): Drawn {
  const { nodes, edges } = report.graph;
  const outgoing = new Map<string, string[]>();
  for (const [from, to] of edges) outgoing.set(from, [...(outgoing.get(from) ?? []), to]);
  const alias = new Map<string, string>();
  const relationOverride = new Map<string, string>();
  const threadsOf = new Map<number, string[]>();
  for (const [id, node] of Object.entries(nodes)) if (node.type === 'thread') threadsOf.set(node.pid, [...(threadsOf.get(node.pid) ?? []), id]);
  /** Main threads drawn in their process's place. */
  const standsForProcess = new Set<string>();
  for (const [id, node] of Object.entries(nodes)) {
    const targets = outgoing.get(id) ?? [];
    // A process whose one drawn thread is its main thread: draw the thread, named as the process.
    if (node.type === 'process') {
      const threads = threadsOf.get(node.pid) ?? [];
      const only = threads.length === 1 ? nodes[threads[0]] : undefined;
      if (only?.type === 'thread' && only.tid === node.pid) {
        alias.set(id, threads[0]);
        standsForProcess.add(threads[0]);
      }
    }
    // "waits for child flock (4101) to exit": an edge to that process.
    if (node.type === 'object' && (node.kind === 'process' || node.kind === 'thread') && targets.length === 1) {
      alias.set(id, targets[0]);
      relationOverride.set(id, node.kind === 'process' ? 'waits for it to exit' : 'waits for it to end');
    }
  }
  const resolve = (id: string) => {
    let seen = 0;
    while (alias.has(id) && seen++ < 4) id = alias.get(id)!;
    return id;
  };
  const idleObject = (id: string) => isIdleWait(report, id, outgoing) && !cycleNodes.has(id);
  // A thread that waits on nothing but idle words goes with them (and then its process, if that was all).
  const idle = (id: string) => {
    if (idleObject(id)) return true;
    const targets = nodes[id]?.type === 'thread' ? (outgoing.get(id) ?? []) : [];
    return targets.length > 0 && targets.every(idleObject) && !cycleNodes.has(id);
  };

  const drawn: Drawn = { nodes: new Map(), edges: [] };
  const seen = new Set<string>();
  for (const [from, to] of edges) {
    if (idle(to) || idle(from)) continue;
    const source = resolve(from);
    const target = resolve(to);
    if (source === target) continue;
    const relation = relationOverride.get(to) ?? relationOf(nodes[from], nodes[to]);
    const id = `${source}>${target}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const inCycle = cycleEdges.has(`${from}>${to}`);
    drawn.edges.push({ id, source, target, relation, inCycle });
  }
  const label = (id: string) => {
    const node = nodes[id];
    return node.type === 'thread' && standsForProcess.has(id) ? `${node.name ?? 'process'} (${node.pid})` : nodeLabel(node);
  };
  const keep = (id: string) => {
    if (drawn.nodes.has(id) || !nodes[id]) return;
    const full = label(id);
    drawn.nodes.set(id, { node: nodes[id], label: full.length > MAX_LABEL ? `${full.slice(0, MAX_LABEL - 1)}…` : full });
  };
  for (const edge of drawn.edges) {
    keep(edge.source);
    keep(edge.target);
  }
  return drawn;
}

function place(drawn: Drawn, rankdir: 'LR' | 'TB', cycleNodes: Set<string>): Layout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir, nodesep: 28, ranksep: rankdir === 'LR' ? 70 : 50, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const [id, { label }] of drawn.nodes) graph.setNode(id, { width: Math.max(90, label.length * CHAR_WIDTH + 24), height: NODE_HEIGHT });
  for (const edge of drawn.edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const nodes: PlacedNode[] = graph.nodes().map((id) => {
    const placed = graph.node(id);
    const { node, label } = drawn.nodes.get(id)!;
    return { id, node, label, x: placed.x - placed.width / 2, y: placed.y - placed.height / 2, width: placed.width, height: placed.height, inCycle: cycleNodes.has(id) };
  });
  const size = graph.graph();
  return { nodes, edges: drawn.edges, width: size.width ?? 0, height: size.height ?? 0 };
}

/**
 * Lays out the report's graph for a canvas of the given aspect (width / height): left to right
 * or top to bottom, whichever shows it larger. `only` keeps just these node ids.
 */
export function layoutWaitGraph(report: DeadlockReport, only?: ReadonlySet<string>, aspect = 2.5): Layout {
  const cycleNodes = new Set<string>();
  const cycleEdges = new Set<string>();
  for (const deadlock of report.deadlocks) {
    const keys = deadlock.chain.map(nodeKey);
    keys.forEach((key) => cycleNodes.add(key));
    for (let i = 0; i + 1 < keys.length; i++) cycleEdges.add(`${keys[i]}>${keys[i + 1]}`);
  }
  const scoped: DeadlockReport = only
    ? {
        ...report,
        graph: {
          nodes: Object.fromEntries(Object.entries(report.graph.nodes).filter(([id]) => only.has(id))),
          edges: report.graph.edges.filter(([from, to]) => only.has(from) && only.has(to)),
        },
      }
    : report;
  const drawn = simplify(scoped, cycleNodes, cycleEdges);
  const across = place(drawn, 'LR', cycleNodes);
  // Large graphs: one layout is enough work.
  if (drawn.nodes.size > 150) return across;
  const down = place(drawn, 'TB', cycleNodes);
  const scale = (layout: Layout) => Math.min(aspect / Math.max(layout.width, 1), 1 / Math.max(layout.height, 1));
  return scale(down) > scale(across) ? down : across;
}
/** The nodes of every deadlock and their neighbours one edge away: the part worth showing first. */
export function aroundDeadlocks(report: DeadlockReport): Set<string> {
  const cycles = new Set(report.deadlocks.flatMap((deadlock) => deadlock.chain.map(nodeKey)));
  const keep = new Set(cycles);
  for (const [source, target] of report.graph.edges) {
    if (cycles.has(source) || cycles.has(target)) {
      keep.add(source);
      keep.add(target);
    }
  }
  return keep;
}
