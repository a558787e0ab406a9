// SyncScope's window: object list, detail pane, contention overview and wait-for graph, fed by
// the live update stream.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DeadlockReport, ObjectRecord, RequestOf, SessionInfo, WhyProcessReport } from '../protocol';
import { applyUpdate, connect, type Client, type ConnectionStatus } from './client';
import { waitingProcesses } from './graph-layout';
import { AuditLogDialog } from './components/AuditLog';
import { Budget } from './components/Budget';
import { Contention } from './components/Contention';
import { Demos } from './components/Demos';
import { CreateDialog } from './components/Dialogs';
import { DetailPane } from './components/DetailPane';
import { EngineBanner } from './components/EngineBanner';
import { DeadlockBanner } from './components/DeadlockBanner';
import { ObjectList } from './components/ObjectList';
import { ProcessesView, type ProcessQuery } from './components/ProcessesView';
import { WaitGraph } from './components/WaitGraph';
import type { ListFilter, SortKey } from './model';
import { VisibleRowsReporter } from './visible-rows';

const RATES = [20, 50, 100, 250, 1000];
/** How often the engine is asked for deadlocks (a walk of every waiting process). */
const DEADLOCK_CHECK_MS = 3000;

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function App() {
  const client = useMemo<Client>(() => connect(), []);
  const [session, setSession] = useState<SessionInfo>();
  const [table, setTable] = useState(new Map<string, ObjectRecord>());
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [filter, setFilter] = useState<ListFilter>({ search: '', kind: '', namespace: '', state: 'all', unnamed: 'relevant' });
  const [sort, setSort] = useState<{ key: SortKey; ascending: boolean }>({ key: 'name', ascending: true });
  const [view, setView] = useState<'objects' | 'processes' | 'graph'>('objects');
  const [processQuery, setProcessQuery] = useState<ProcessQuery>();
  const [processReports, setProcessReports] = useState<WhyProcessReport[]>([]);
  const [creating, setCreating] = useState(false);
  const [auditOpen, setAuditOpen] = useState(false);
  const [created, setCreated] = useState(new Set<string>());
  const [notice, setNotice] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const [engine, setEngine] = useState<ConnectionStatus>();

  useEffect(() => client.onStatus(setEngine), [client]);

  // The session is asked again when a restarted engine is back (its rates start from defaults).
  const engineUp = engine?.state === 'running';
  useEffect(() => {
    if (engineUp) client.request('session', {}).then(setSession, (e: unknown) => setNotice(String(e)));
  }, [client, engineUp]);

  // While paused, updates still arrive (and are acknowledged) but are not shown.
  const [held, setHeld] = useState<ObjectRecord[] | undefined>();
  useEffect(() => client.follow((update) => setTable((current) => applyUpdate(current, update))), [client]);
  useEffect(() => setHeld(paused ? [...table.values()] : undefined), [paused]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);

  const records = useMemo(() => held ?? [...table.values()], [held, table]);
  // Unnamed objects the selected process holds stay in the list under the default filter; where the
  // OS's default scan leaves them out (Windows), the engine is asked to track them too.
  const heldBySelected = useMemo(() => new Set(processReports.flatMap((report) => report.holds.map((held) => held.id))), [processReports]);
  const focusedPid = processReports[0]?.process.pid;
  useEffect(() => {
    if (engineUp) void client.request('focusProcess', { pid: focusedPid ?? null }).catch(() => undefined);
  }, [client, focusedPid, engineUp]);

  // The deadlock check behind the banner and the graph: one request every few seconds.
  const [deadlocks, setDeadlocks] = useState<{ report?: DeadlockReport; error?: string }>({});
  useEffect(() => {
    if (paused || !engineUp) return;
    let live = true;
    const load = () =>
      client.request('deadlocks', {}).then(
        (report) => live && setDeadlocks({ report }),
        (e: unknown) => live && setDeadlocks((current) => ({ ...current, error: e instanceof Error ? e.message : String(e) })),
      );
    void load();
    const timer = setInterval(load, DEADLOCK_CHECK_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, paused, engineUp]);
  const waiting = useMemo(() => (deadlocks.report ? waitingProcesses(deadlocks.report) : []), [deadlocks.report]);

  const openProcess = useCallback((pid: number) => {
    setProcessQuery({ pid });
    setView('processes');
  }, []);
  const openObject = useCallback(
    (path: string) => {
      if (!table.has(path)) {
        setNotice(`${path} is not in the object list (SyncScope lists events, mutexes, semaphores, timers and locks; not every kind a thread can wait on)`);
        return;
      }
      setSelected(path);
      setView('objects');
    },
    [table],
  );
  const record = selected ? table.get(selected) : undefined;

  const setRate = useCallback(
    (stateMs: number) => {
      client.request('setRates', { stateMs, watchMs: Math.min(stateMs, 20) }).then(
        (rates) => setSession((s) => s && { ...s, rates }),
        (e: unknown) => setNotice(String(e)),
      );
    },
    [client],
  );

  useEffect(() => {
    if (selected) void client.request('watch', { paths: [selected] }).catch(() => undefined);
  }, [client, selected]);

  // The rows in view get the state rate within the CPU budget: the engine hears of them when they
  // change (debounced), again after an engine restart, and that none are shown in other views.
  const visibleRows = useMemo(
    () => new VisibleRowsReporter((paths) => void client.request('setVisible', { paths }).catch(() => undefined)),
    [client],
  );
  useEffect(() => () => visibleRows.dispose(), [visibleRows]);
  useEffect(() => {
    if (engineUp) visibleRows.resend();
  }, [visibleRows, engineUp]);
  useEffect(() => {
    if (view !== 'objects') visibleRows.update([]);
  }, [visibleRows, view]);
  const onVisibleRows = useCallback((paths: string[]) => visibleRows.update(paths), [visibleRows]);
  const showNotice = useCallback((text: string) => setNotice(text), []);

  const create = async (spec: RequestOf<'create'>) => {
    setCreating(false);
    try {
      const made = await client.request('create', spec);
      setCreated((s) => new Set(s).add(made.path));
      setSelected(made.path);
      setNotice(`Created ${made.kind} ${made.path}`);
    } catch (e) {
      setNotice(`Create failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const exportRecording = async (format: 'json' | 'csv') => {
    try {
      const text = await client.request('exportRecording', { format });
      download(`syncscope-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`, text, format === 'json' ? 'application/json' : 'text/csv');
    } catch (e) {
      setNotice(`Export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  return (
    <div className="app">
      <header className="topbar">
        <h1>SyncScope</h1>
        {session && (
          <span className="session">
            {session.platform}
            {session.readOnly && <span className="badge readonly">read-only</span>}
          </span>
        )}
        <label>
          Sampling
          <select aria-label="Sampling interval" value={session?.rates.stateMs ?? 100} onChange={(e) => setRate(Number(e.target.value))}>
            {RATES.map((ms) => (
              <option key={ms} value={ms}>
                every {ms} ms
              </option>
            ))}
          </select>
        </label>
        <Budget client={client} session={session} engineUp={engineUp} onNotice={showNotice} />
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" disabled={session?.readOnly} onClick={() => setCreating(true)}>
          Create object…
        </button>
        <Demos client={client} disabled={session?.readOnly ?? true} onNotice={setNotice} />
        <button type="button" onClick={() => void exportRecording('json')}>Export JSON</button>
        <button type="button" onClick={() => void exportRecording('csv')}>Export CSV</button>
        <button type="button" onClick={() => setAuditOpen(true)}>Audit log</button>
      </header>
      <EngineBanner status={engine} onRestart={client.restart} />
      <DeadlockBanner report={deadlocks.report} onShow={() => setView('graph')} />
      {notice && (
        <p role="status" className="notice">
          {notice} <button type="button" className="link" onClick={() => setNotice(undefined)} aria-label="Dismiss">×</button>
        </p>
      )}
      <nav className="views" role="tablist" aria-label="Views">
        {(
          [
            ['objects', 'Objects'],
            ['processes', 'Processes'],
            ['graph', 'Wait-for graph'],
          ] as const
        ).map(([key, label]) => (
          <button key={key} type="button" role="tab" aria-selected={view === key} onClick={() => setView(key)}>
            {label}
          </button>
        ))}
      </nav>
      {view === 'objects' && (
        <main className="panes">
          <ObjectList
            records={records}
            filter={filter}
            onFilter={setFilter}
            sort={sort}
            onSort={setSort}
            selected={selected}
            onSelect={setSelected}
            now={now}
            heldBySelected={heldBySelected}
            stateMs={session?.rates.stateMs}
            onVisibleRows={onVisibleRows}
          />
          <div className="side">
            {record ? (
              <DetailPane
                client={client}
                record={record}
                createdByInspector={created.has(record.path)}
                readOnly={session?.readOnly ?? true}
                onActed={() => undefined}
              />
            ) : (
              <p className="muted placeholder">Select an object to see its state, holders, waiters and history.</p>
            )}
            <Contention client={client} onSelect={setSelected} paused={paused} />
          </div>
        </main>
      )}
      {view === 'processes' && (
        <main className="single">
          <ProcessesView
            client={client}
            query={processQuery}
            onQuery={setProcessQuery}
            onOpenObject={openObject}
            waiting={waiting}
            onReports={setProcessReports}
            paused={paused}
          />
        </main>
      )}
      {view === 'graph' && (
        <main className="single">
          <WaitGraph report={deadlocks.report} error={deadlocks.error} onOpenProcess={openProcess} onOpenObject={openObject} />
        </main>
      )}
      {auditOpen && <AuditLogDialog client={client} onClose={() => setAuditOpen(false)} />}
      {creating && session && <CreateDialog platform={session.platform} onCreate={(spec) => void create(spec)} onCancel={() => setCreating(false)} />}
    </div>
  );
}
