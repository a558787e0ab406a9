// "Why is this process stuck?": find a process by pid or name; the verdict first, then each thread
// (what it waits on, for how long, who holds it or could signal it, the chain onward and how it
// ends), what the process holds, and what the OS does not tell. Refreshes while shown.
import { useEffect, useState, type FormEvent } from 'react';
import { processQueryOf, type ProcessQueryMessage, type WhyDocument, type WhyObject, type WhyProcessReport, type WhyThread } from '../../protocol';
import { formatDuration, objectPhrase } from '../../core/why-words';
import type { Client } from '../client';

export type ProcessQuery = ProcessQueryMessage;

const REFRESH_MS = 2500;

interface Props {
  client: Client;
  query?: ProcessQuery;
  onQuery: (query: ProcessQuery) => void;
  /** Opens an object in the object list, where it is one. */
  onOpenObject: (id: string) => void;
  /** Processes seen waiting right now (from the wait-for graph), to pick from. */
  waiting: Array<{ pid: number; name?: string }>;
  /** The reports shown, for the object list's "held by the selected process" filter. */
  onReports: (reports: WhyProcessReport[]) => void;
  paused: boolean;
}

export function ProcessesView({ client, query, onQuery, onOpenObject, waiting, onReports, paused }: Props) {
  const [text, setText] = useState(query ? ('pid' in query ? String(query.pid) : query.name) : '');
  const [document, setDocument] = useState<WhyDocument>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!query) return;
    setText('pid' in query ? String(query.pid) : query.name);
    let live = true;
    const load = () => {
      setLoading(true);
      client.request('why', query).then(
        (next) => {
          if (!live) return;
          setDocument(next);
          setError(undefined);
          setLoading(false);
          onReports(next.reports);
        },
        (e: unknown) => {
          if (!live) return;
          setError(e instanceof Error ? e.message : String(e));
          setDocument(undefined);
          setLoading(false);
          onReports([]);
        },
      );
    };
    load();
    const timer = paused ? undefined : setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, query, paused, onReports]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    // The engine checks the query (a pid in range, a name without "/"), and says what is wrong.
    if (text.trim()) onQuery(processQueryOf(text.trim()));
  };

  return (
    <section className="processes" aria-label="Processes">
      <form className="toolbar" onSubmit={submit}>
        <input
          type="search"
          aria-label="Process ID or name"
          placeholder="Process ID or name, e.g. 4242 or python3"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Why is it stuck?</button>
        {loading && <span className="muted">looking…</span>}
      </form>
      {waiting.length > 0 && (
        <p className="waiting-now">
          Waiting now:{' '}
          {waiting.slice(0, 20).map((p) => (
            <button key={p.pid} type="button" className="chip" onClick={() => onQuery({ pid: p.pid })}>
              {p.name ?? 'process'} ({p.pid})
            </button>
          ))}
        </p>
      )}
      {error && <p role="alert" className="error">{error}</p>}
      {!query && !error && <p className="muted placeholder">Give a process ID or name: SyncScope says what each of its threads waits for, who holds it, and where the chain ends.</p>}
      {document?.reports.length === 0 && <p className="muted">No such process.</p>}
      {document?.reports.map((report) => (
        <ProcessReport key={report.process.pid} report={report} onPid={(pid) => onQuery({ pid })} onOpenObject={onOpenObject} />
      ))}
      {document &&
        Object.entries(document.unavailable).map(([what, why]) => (
          <p key={what} className="muted">
            Not told ({what}): {why}
          </p>
        ))}
    </section>
  );
}

function ProcessReport({ report, onPid, onOpenObject }: { report: WhyProcessReport; onPid: (pid: number) => void; onOpenObject: (id: string) => void }) {
  const { process } = report;
  const waiting = report.threads.filter((t) => t.wait || t.unavailable);
  const others = report.threads.length - waiting.length;
  // Threads that wait alike (a pool on one condition, or all of them where the OS tells nothing)
  // are one row, as the CLI shows them.
  const groups = new Map<string, WhyThread[]>();
  for (const thread of waiting) {
    const key = `${thread.osState}|${thread.call}|${thread.wait?.objects.map((o) => o.id).join() ?? ''}|${thread.unavailable ?? ''}|${thread.end?.text ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), thread]);
  }
  return (
    <article className="process-report" aria-label={`${process.name} (${process.pid})`}>
      <h2>
        {process.name} <span className="muted">({process.pid})</span>
      </h2>
      <p className={`verdict ${report.verdict.kind}`} data-testid="verdict">
        {report.verdict.text}
      </p>
      <p className="muted small">
        {process.user !== null && <>user {process.user} · </>}
        {process.parentPid !== null && (
          <>
            parent <button type="button" className="link" onClick={() => onPid(process.parentPid!)}>{process.parentPid}</button> ·{' '}
          </>
        )}
        {process.commandLine ?? ''}
      </p>
      {waiting.length > 0 && (
        <table className="threads">
          <thead>
            <tr>
              <th>Thread</th>
              <th>State</th>
              <th>Waits for</th>
              <th>For</th>
              <th>Chain</th>
            </tr>
          </thead>
          <tbody>
            {[...groups.values()].map((alike) => (
              <ThreadRow key={alike[0].tid} thread={alike[0]} tids={alike.map((t) => t.tid)} report={report} onPid={onPid} onOpenObject={onOpenObject} />
            ))}
          </tbody>
        </table>
      )}
      {others > 0 && <p className="muted">{others} other thread(s) not waiting on a synchronization object.</p>}
      {report.holds.length > 0 && (
        <>
          <h3>Holds</h3>
          <ul className="holds">
            {report.holds.map((held) => {
              const object = report.objects[held.id];
              const waiters = object?.waiters.filter((w) => w.pid !== process.pid) ?? [];
              return (
                <li key={held.id}>
                  <ObjectLink object={object} id={held.id} onOpenObject={onOpenObject} />: {held.how}
                  {waiters.length > 0 && (
                    <>
                      ; waited on by{' '}
                      {waiters.map((w, i) => (
                        <span key={`${w.pid}:${w.tid}`}>
                          {i > 0 && ', '}
                          <button type="button" className="link" onClick={() => onPid(w.pid)}>
                            {w.processName} ({w.pid})
                          </button>
                        </span>
                      ))}
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {Object.entries(report.unavailable).map(([what, why]) => (
        <p key={what} className="muted">
          Not told ({what}): {why}
        </p>
      ))}
    </article>
  );
}

function ObjectLink({ object, id, onOpenObject }: { object?: WhyObject; id: string; onOpenObject: (id: string) => void }) {
  return (
    <button type="button" className="link" title={id} onClick={() => onOpenObject(id)}>
      {object ? objectPhrase(object) : id}
    </button>
  );
}

function ThreadRow({ thread, tids, report, onPid, onOpenObject }: { thread: WhyThread; tids: number[]; report: WhyProcessReport; onPid: (pid: number) => void; onOpenObject: (id: string) => void }) {
  const wait = thread.wait;
  const duration = wait
    ? wait.duration.ms === null
      ? <span className="muted" title={wait.duration.unavailable}>not told</span>
      : `${wait.duration.atLeast ? 'at least ' : ''}${formatDuration(wait.duration.ms)}`
    : '';
  const chain = thread.chain ?? [];
  return (
    <tr className={thread.end?.reason === 'cycle' ? 'in-cycle' : undefined}>
      <td>
        {tids.length > 6 ? `${tids.slice(0, 6).join(', ')} and ${tids.length - 6} more` : tids.join(', ')}
        {thread.name ? <span className="muted"> {thread.name}</span> : null}
      </td>
      <td>
        {thread.osState}
        {thread.call ? <span className="muted"> in {thread.call}</span> : null}
      </td>
      <td>
        {wait ? (
          <>
            {wait.objects.length > 1 && <span className="muted">{wait.mode} of: </span>}
            {wait.objects.map((object, i) => (
              <span key={object.id}>
                {i > 0 && ', '}
                <ObjectLink object={report.objects[object.id] ?? { ...object, holders: null, waiters: [] }} id={object.id} onOpenObject={onOpenObject} />
              </span>
            ))}
            {wait.detail && <span className="muted">: {wait.detail}</span>}
          </>
        ) : (
          <span className="muted">{thread.unavailable ?? ''}</span>
        )}
      </td>
      <td>{duration}</td>
      <td>
        {chain.slice(1).map((step, i) => (
          <span key={i} className="step">
            →{' '}
            <button type="button" className="link" onClick={() => onPid(step.pid)}>
              {step.tid !== null && step.tid !== step.pid ? `thread ${step.tid} of ` : ''}
              {step.processName} ({step.pid})
            </button>{' '}
          </span>
        ))}
        {thread.end && <div className={`end ${thread.end.reason}`}>{thread.end.text}</div>}
        {thread.end?.candidates && thread.end.candidates.length > 0 && (
          <ul className="candidates" aria-label="Could signal it">
            {thread.end.candidates.map((candidate) => (
              <li key={candidate.pid}>
                <button type="button" className="link" onClick={() => onPid(candidate.pid)}>
                  {candidate.processName} ({candidate.pid})
                </button>
                : {candidate.doing}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
