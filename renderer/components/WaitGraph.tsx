// The wait-for graph, drawn: processes, threads and objects as nodes, "waits for" and "held by" as
// edges, laid out left to right by dagre (renderer/graph-layout.ts) and drawn with React Flow
// (pan, zoom, fit). Deadlock cycles are red. A click opens the process (Processes view) or the
// object (object list). What the OS could not tell is said under it, so "no deadlock" reads right.
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node, type NodeMouseHandler } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useState } from 'react';
import type { DeadlockReport } from '../../protocol';
import { aroundDeadlocks, layoutWaitGraph, nodeLabel, type PlacedNode } from '../graph-layout';

/** Past this many nodes the graph opens on the deadlocks and their neighbours. */
const LARGE = 150;

interface Props {
  report?: DeadlockReport;
  error?: string;
  onOpenProcess: (pid: number) => void;
  onOpenObject: (path: string) => void;
}

export function WaitGraph({ report, error, onOpenProcess, onOpenObject }: Props) {
  const total = report ? Object.keys(report.graph.nodes).length : 0;
  const [scope, setScope] = useState<'deadlocks' | 'all'>();
  const effective = scope ?? (report && report.deadlocks.length > 0 && total > LARGE ? 'deadlocks' : 'all');

  const { nodes, edges } = useMemo(() => {
    if (!report) return { nodes: [] as Node[], edges: [] as Edge[] };
    const layout = layoutWaitGraph(report, effective === 'deadlocks' ? aroundDeadlocks(report) : undefined);
    return {
      nodes: layout.nodes.map(
        (placed): Node => ({
          id: placed.id,
          position: { x: placed.x, y: placed.y },
          data: { label: placed.label, placed },
          className: `graph-node ${placed.node.type}${placed.inCycle ? ' in-cycle' : ''}`,
          style: { width: placed.width, height: placed.height },
          draggable: false,
          connectable: false,
          ariaLabel: `${nodeLabel(placed.node)}${placed.inCycle ? ', on a deadlock cycle' : ''}`,
        }),
      ),
      edges: layout.edges.map(
        (edge): Edge => ({
          id: edge.id,
          source: edge.source,
          target: edge.target,
          label: edge.relation,
          className: edge.inCycle ? 'in-cycle' : undefined,
          animated: edge.inCycle,
          markerEnd: { type: MarkerType.ArrowClosed },
          style: edge.inCycle ? { stroke: 'var(--blocked)', strokeWidth: 2 } : undefined,
        }),
      ),
    };
  }, [report, effective]);

  const onNodeClick: NodeMouseHandler = (_event, node) => {
    const placed = (node.data as { placed: PlacedNode }).placed;
    if (placed.node.type === 'object') onOpenObject(placed.node.path);
    else onOpenProcess(placed.node.pid);
  };

  if (error) return <p role="alert">{error}</p>;
  if (!report) return <p className="muted">Building the wait-for graph…</p>;
  return (
    <section className="wait-graph" aria-label="Wait-for graph">
      <div className="toolbar">
        <h2>{report.deadlocks.length ? `${report.deadlocks.length} deadlock${report.deadlocks.length > 1 ? 's' : ''}` : 'No deadlock found'}</h2>
        <span className="muted">
          {nodes.length} of {total} nodes · a click opens a process or an object · scroll to zoom, drag to pan
        </span>
        {report.deadlocks.length > 0 && (
          <label>
            <input type="checkbox" checked={effective === 'deadlocks'} onChange={(e) => setScope(e.target.checked ? 'deadlocks' : 'all')} /> Deadlocks only
          </label>
        )}
      </div>
      {report.deadlocks.map((deadlock, i) => (
        <p key={i} className="cycle-text" role="note">
          {deadlock.text}
        </p>
      ))}
      {nodes.length === 0 ? (
        <p className="muted">Nobody waits on anything SyncScope can see right now.</p>
      ) : (
        <div className="graph-canvas" data-testid="wait-graph-canvas">
          <ReactFlow
            nodes={nodes}
            edges={edges}
            onNodeClick={onNodeClick}
            fitView
            fitViewOptions={{ maxZoom: 1.2, minZoom: 0.4 }}
            minZoom={0.1}
            maxZoom={2.5}
            nodesDraggable={false}
            nodesConnectable={false}
            edgesFocusable={false}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
      )}
      {Object.entries(report.unavailable).map(([what, why]) => (
        <p key={what} className="muted">
          {what} unavailable: {why}
        </p>
      ))}
    </section>
  );
}
