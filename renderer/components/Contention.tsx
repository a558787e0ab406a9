// The most contended objects, each with a sparkline of its recent history.
import { memo, useEffect, useState } from 'react';
import type { HistoryPointMessage, ResponseOf } from '../../protocol';
import type { Client } from '../client';
import { Sparkline } from './Charts';

type Metrics = ResponseOf<'contention'>[number];
const WINDOW_MS = 30_000;

// Memoized: it reloads its own data each second; the stream updates that re-render the window
// around it change none of its props.
export const Contention = memo(function Contention({
  client,
  onSelect,
  paused,
}: {
  client: Client;
  onSelect: (path: string) => void;
  paused: boolean;
}) {
  const [ranked, setRanked] = useState<Metrics[]>([]);
  const [sparks, setSparks] = useState<Record<string, HistoryPointMessage[]>>({});
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    if (paused) return;
    let live = true;
    const load = async () => {
      const to = Date.now();
      const top = await client.request('contention', { windowMs: WINDOW_MS, limit: 10 });
      const lines = await Promise.all(
        top.map((m) => client.request('history', { path: m.path, fromMs: to - WINDOW_MS, toMs: to, maxPoints: 60 })),
      );
      if (!live) return;
      setRanked(top);
      setSparks(Object.fromEntries(top.map((m, i) => [m.path, lines[i]])));
      setNow(to);
    };
    void load().catch(() => undefined);
    const timer = setInterval(() => void load().catch(() => undefined), 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, paused]);

  return (
    <section className="contention" aria-label="Most contended">
      <h2>Most contended (last 30 s)</h2>
      {ranked.length === 0 ? (
        <p className="muted">No contention seen yet.</p>
      ) : (
        <ol>
          {ranked.map((m) => (
            <li key={m.path}>
              <button type="button" className="link" onClick={() => onSelect(m.path)} title={m.path}>
                {m.path.split('\\').pop()?.split('/').pop()}
              </button>
              <span className="kind">{m.kind}</span>
              <span title="share of time a waiter would block">{Math.round(m.busyShare * 100)}% busy</span>
              <span>{m.transitionsPerSec.toFixed(1)}/s</span>
              {m.waitersMean !== undefined && <span>{m.waitersMean.toFixed(1)} waiting</span>}
              <Sparkline points={sparks[m.path] ?? []} to={now} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
});
