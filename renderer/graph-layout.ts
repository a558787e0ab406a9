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

/**
 * Lays out the report's graph. `only` keeps just these node ids (and the edges between them);
 * without it, every node.
 */
export function layoutWaitGraph(report: DeadlockReport, only?: ReadonlySet<string>): Layout {
  const cycleNodes = new Set<string>();
  const cycleEdges = new Set<string>();
  for (const deadlock of report.deadlocks) {
    const keys = deadlock.chain.map(nodeKey);
    keys.forEach((key) => cycleNodes.add(key));
    for (let i = 0; i + 1 < keys.length; i++) cycleEdges.add(`${keys[i]}>${keys[i + 1]}`);
  }
  const keep = (id: string) => (only ? only.has(id) : id in report.graph.nodes);

  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 80, marginx: 16, marginy: 16 });
  graph.setDefaultEdgeLabel(() => ({}));
  const labels = new Map<string, string>();
  for (const [id, node] of Object.entries(report.graph.nodes)) {
    if (!keep(id)) continue;
    const full = nodeLabel(node);
    const label = full.length > MAX_LABEL ? `${full.slice(0, MAX_LABEL - 1)}…` : full;
    labels.set(id, label);
    graph.setNode(id, { width: Math.max(90, label.length * CHAR_WIDTH + 24), height: NODE_HEIGHT });
  }
  const edges: PlacedEdge[] = [];
  for (const [source, target] of report.graph.edges) {
    if (!labels.has(source) || !labels.has(target) || source === target) continue;
    const id = `${source}>${target}`;
    graph.setEdge(source, target);
    edges.push({ id, source, target, relation: relationOf(report.graph.nodes[source], report.graph.nodes[target]), inCycle: cycleEdges.has(id) });
  }
  dagre.layout(graph);

  const nodes: PlacedNode[] = [];
  for (const id of graph.nodes()) {
    const placed = graph.node(id);
    nodes.push({
      id,
      node: report.graph.nodes[id],
      label: labels.get(id)!,
      x: placed.x - placed.width / 2,
      y: placed.y - placed.height / 2,
      width: placed.width,
      height: placed.height,
      inCycle: cycleNodes.has(id),
    });
  }
  const size = graph.graph();
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
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
