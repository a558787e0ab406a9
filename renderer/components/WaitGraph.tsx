// The wait-for graph: every edge (waiter → what it waits for → who holds it), with deadlock
// cycles highlighted and the OS's blind spots stated.
import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../protocol';
import type { Client } from '../client';

type Report = ResponseOf<'deadlocks'>;
type Node = Report['graph']['nodes'][string];

function label(node: Node | undefined, id: string): string {
  if (!node) return id;
  switch (node.type) {
    case 'process':
      return `${node.name ?? '?'} (pid ${node.pid})`;
    case 'thread':
      return `thread ${node.tid} of ${node.name ?? '?'} (pid ${node.pid})`;
    case 'object':
      return node.label ? `${node.kind} on ${node.label}` : `${node.kind} ${node.path}`;
  }
}

const keyOf = (node: Node) =>
  node.type === 'process' ? `p:${node.pid}` : node.type === 'thread' ? `t:${node.pid}:${node.tid}` : `o:${node.path}`;

export function WaitGraph({ client, paused }: { client: Client; paused: boolean }) {
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (paused) return;
    let live = true;
    const load = () =>
      client
        .request('deadlocks', {})
        .then((next) => live && (setReport(next), setError(undefined)))
        .catch((e: unknown) => live && setError(String(e)));
    void load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, paused]);

  if (error) return <p role="alert">{error}</p>;
  if (!report) return <p className="muted">Building the wait-for graph…</p>;
  const cycleEdges = new Set<string>();
  for (const deadlock of report.deadlocks) {
    for (let i = 0; i + 1 < deadlock.chain.length; i++) cycleEdges.add(`${keyOf(deadlock.chain[i])}>${keyOf(deadlock.chain[i + 1])}`);
  }
  return (
    <section className="wait-graph" aria-label="Wait-for graph">
      <h2>{report.deadlocks.length ? `${report.deadlocks.length} deadlock(s)` : 'No deadlock found'}</h2>
      {report.deadlocks.map((deadlock, i) => (
        <ol key={i} className="cycle" aria-label={`Deadlock ${i + 1}`}>
          {deadlock.chain.map((node, j) => (
            <li key={j}>{label(node, keyOf(node))}</li>
          ))}
        </ol>
      ))}
      {report.graph.edges.length > 0 && (
        <table className="edges">
          <thead>
            <tr>
              <th>Waiting</th>
              <th>for</th>
            </tr>
          </thead>
          <tbody>
            {report.graph.edges.map(([from, to]) => (
              <tr key={`${from}>${to}`} className={cycleEdges.has(`${from}>${to}`) ? 'in-cycle' : undefined}>
                <td>{label(report.graph.nodes[from], from)}</td>
                <td>{label(report.graph.nodes[to], to)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {Object.entries(report.unavailable).map(([what, why]) => (
        <p key={what} className="muted">
          {what} unavailable: {why}
        </p>
      ))}
    </section>
  );
}
