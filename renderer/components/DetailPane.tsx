// The selected object: live state, holders and waiters, charts over a chosen window, and actions.
import { useEffect, useState } from 'react';
import type { HistoryPointMessage, ObjectRecord, RequestOf } from '../../protocol';
import type { Client } from '../client';
import { HistoryCharts } from './Charts';
import { ConfirmDialog } from './Dialogs';
import { IncompleteNote } from './UnreadableProcesses';
import { stateText } from './ObjectList';
import { describeState, describeWaiter } from '../../cli/format';

/** The state with the reason when it cannot be read, and the last state known of a vanished object. */
function detailStateText(record: ObjectRecord): string {
  if (record.goneAt !== undefined) {
    const last = record.state ? describeState(record) : '';
    return `gone since ${new Date(record.goneAt).toLocaleTimeString()}${last ? `; last seen ${last}` : ''}`;
  }
  if (record.error) return `${record.error.kind}: ${record.error.message}`;
  return stateText(record);
}

type ActionName = RequestOf<'act'>['action'];

/** The buttons each kind offers, by accessible name. */
export const ACTION_BUTTONS: Record<string, Array<{ label: string; action: ActionName }>> = {
  event: [
    { label: 'Set', action: 'set' },
    { label: 'Reset', action: 'reset' },
    { label: 'Pulse', action: 'pulse' },
  ],
  semaphore: [
    { label: 'Release', action: 'release' },
    { label: 'Acquire', action: 'acquire' },
  ],
  mutex: [
    { label: 'Acquire', action: 'acquire' },
    { label: 'Release', action: 'release' },
  ],
  timer: [
    { label: 'Set', action: 'set' },
    { label: 'Cancel', action: 'cancel' },
  ],
  'posix-semaphore': [
    { label: 'Release', action: 'release' },
    { label: 'Acquire', action: 'acquire' },
    { label: 'Unlink', action: 'unlink' },
  ],
  'sysv-semaphore': [
    { label: 'Release', action: 'release' },
    { label: 'Acquire', action: 'acquire' },
    { label: 'Unlink', action: 'unlink' },
  ],
};

const WINDOWS = [
  { label: '30 s', ms: 30_000 },
  { label: '5 min', ms: 300_000 },
  { label: '1 h', ms: 3_600_000 },
];

const VALUE_LABEL: Record<string, string> = {
  event: 'Signaled',
  timer: 'Signaled',
  mutex: 'Locked',
  semaphore: 'Count',
  'posix-semaphore': 'Count',
  'sysv-semaphore': 'Sum of values',
  'file-lock': 'Held',
};

function valueMaxOf(record: ObjectRecord): number | undefined {
  if (['event', 'timer', 'mutex', 'file-lock'].includes(record.kind)) return 1;
  const max = (record.state as { max?: number } | undefined)?.max;
  return typeof max === 'number' ? max : undefined;
}

interface Props {
  client: Client;
  record: ObjectRecord;
  createdByInspector: boolean;
  readOnly: boolean;
  onActed: () => void;
}

export function DetailPane({ client, record, createdByInspector, readOnly, onActed }: Props) {
  const [windowMs, setWindowMs] = useState(30_000);
  const [paused, setPaused] = useState(false);
  const [points, setPoints] = useState<HistoryPointMessage[]>([]);
  const [range, setRange] = useState({ from: Date.now() - 30_000, to: Date.now() });
  const [count, setCount] = useState(1);
  const [dueMs, setDueMs] = useState(1000);
  const [pending, setPending] = useState<{ label: string; action: ActionName }>();
  const [result, setResult] = useState<{ ok: boolean; text: string }>();

  useEffect(() => {
    setResult(undefined);
    setPoints([]);
  }, [record.path]);

  useEffect(() => {
    if (paused) return;
    let live = true;
    const load = () => {
      const to = Date.now();
      const from = to - windowMs;
      client
        .request('history', { path: record.path, fromMs: from, toMs: to, maxPoints: 300 })
        .then((next) => {
          if (!live) return;
          setPoints(next);
          setRange({ from, to });
        })
        .catch(() => undefined);
    };
    load();
    const timer = setInterval(load, 500);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, record.path, windowMs, paused]);

  const run = async (action: ActionName, label: string) => {
    setPending(undefined);
    try {
      const outcome = await client.request('act', {
        action,
        name: record.path,
        ...(action === 'release' || action === 'acquire' ? { count } : {}),
        ...(record.kind === 'timer' && action === 'set' ? { dueMs } : {}),
      });
      setResult({ ok: true, text: `${label}: ${outcome.detail}` });
      onActed();
    } catch (error) {
      setResult({ ok: false, text: `${label} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  };

  const buttons = ACTION_BUTTONS[record.kind] ?? [];
  const usesCount = record.kind.includes('semaphore');
  return (
    <section className="detail" aria-label={`Details of ${record.name}`}>
      <header>
        <h2>{record.name}</h2>
        <p className="path">{record.path}</p>
      </header>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{record.kind}</dd>
        <dt>State</dt>
        <dd data-testid="detail-state">{detailStateText(record)}</dd>
        <dt>Holders</dt>
        <dd>
          {record.holders
            ? record.holders.map((h) => `${h.processName} (pid ${h.pid})`).join(', ') || 'none besides SyncScope'
            : record.unavailable?.holders ? `unavailable: ${record.unavailable.holders}` : 'not read yet (every 2 s)'}
          {record.holders && record.unavailable?.holders && <IncompleteNote client={client} what="holders" reason={record.unavailable.holders} />}
        </dd>
        <dt>Waiters</dt>
        <dd>
          {record.waiters
            ? record.waiters.map(describeWaiter).join('; ') || 'none'
            : record.unavailable?.waiters ? `unavailable: ${record.unavailable.waiters}` : 'not read yet (every 2 s)'}
          {record.waiters && record.unavailable?.waiters && <IncompleteNote client={client} what="waiters" reason={record.unavailable.waiters} />}
        </dd>
      </dl>

      {buttons.length > 0 && (
        <div className="actions" role="group" aria-label="Actions">
          {usesCount && (
            <label>
              Count <input type="number" min={1} value={count} onChange={(e) => setCount(Math.max(1, Number(e.target.value)))} />
            </label>
          )}
          {record.kind === 'timer' && (
            <label>
              Due (ms) <input type="number" min={0} value={dueMs} onChange={(e) => setDueMs(Math.max(0, Number(e.target.value)))} />
            </label>
          )}
          {buttons.map(({ label, action }) => (
            <button
              key={label}
              type="button"
              disabled={readOnly || record.goneAt !== undefined}
              title={readOnly ? 'read-only session: start serve with --allow-actions' : undefined}
              onClick={() => (createdByInspector && action !== 'unlink' ? void run(action, label) : setPending({ label, action }))}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      {result && (
        <p role="status" className={result.ok ? 'result ok' : 'result error'}>
          {result.text}
        </p>
      )}

      {!record.state && record.goneAt === undefined && !record.error ? (
        <p className="muted">SyncScope lists objects of this type but does not sample their state.</p>
      ) : (
        <>
          <div className="chart-controls" role="group" aria-label="Chart window">
            {WINDOWS.map((w) => (
              <button key={w.ms} type="button" aria-pressed={windowMs === w.ms} onClick={() => setWindowMs(w.ms)}>
                {w.label}
              </button>
            ))}
            <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
              {paused ? 'Resume' : 'Pause'}
            </button>
          </div>
          <HistoryCharts points={points} from={range.from} to={range.to} valueLabel={VALUE_LABEL[record.kind] ?? 'Value'} valueMax={valueMaxOf(record)} />
        </>
      )}

      {pending && (
        <ConfirmDialog
          message={
            pending.action === 'unlink'
              ? `Unlink ${record.path}? It is removed for every program; those that have it open keep their copy until they close it.`
              : `${pending.label} ${record.path}? SyncScope did not create it: the programs that use it will see the change.`
          }
          onConfirm={() => void run(pending.action, pending.label)}
          onCancel={() => setPending(undefined)}
        />
      )}
    </section>
  );
}
