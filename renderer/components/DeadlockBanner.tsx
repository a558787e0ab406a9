// A deadlock, wherever the user is: its verdict in the header, with a link to the graph.
import type { DeadlockReport } from '../../protocol';

export function DeadlockBanner({ report, onShow }: { report?: DeadlockReport; onShow: () => void }) {
  const first = report?.deadlocks[0];
  if (!first) return null;
  const more = report.deadlocks.length - 1;
  return (
    <div role="alert" className="banner error deadlock">
      <strong>Deadlock.</strong> <span data-testid="deadlock-text">{first.text}</span>
      {more > 0 && <span> (and {more} more)</span>}
      <button type="button" className="link" onClick={onShow}>
        Show it in the wait-for graph
      </button>
    </div>
  );
}
