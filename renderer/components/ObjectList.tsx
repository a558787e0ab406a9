// The object list: search, filters, sortable columns, live badges, and rows that flash on change.
// Virtualized: only the rows in view are in the DOM, so 10,000 objects stay smooth.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { ObjectRecord } from '../../protocol';
import { describeInterval, describeState } from '../../cli/format';
import { filterRecords, isBlocked, namespaceOf, sortRecords, waiterCount, type ListFilter, type SortKey } from '../model';

const ROW_HEIGHT = 30;
const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Name' },
  { key: 'kind', label: 'Kind' },
  { key: 'state', label: 'State' },
  { key: 'holders', label: 'Holders' },
  { key: 'changed', label: 'Changed' },
];

export function stateText(record: ObjectRecord): string {
  if (record.goneAt !== undefined) return 'gone';
  if (record.error) return record.error.kind;
  return describeState(record);
}

interface Props {
  records: ObjectRecord[];
  filter: ListFilter;
  onFilter: (filter: ListFilter) => void;
  sort: { key: SortKey; ascending: boolean };
  onSort: (sort: { key: SortKey; ascending: boolean }) => void;
  selected?: string;
  onSelect: (path: string) => void;
  now: number;
  /** Unnamed objects the selected process (Processes view) holds: shown by the default filter. */
  heldBySelected: ReadonlySet<string>;
  /** The state rate: an object sampled less often than this shows its interval. */
  stateMs?: number;
  /** The paths of the rows in view, after every render (the caller sends only changes). */
  onVisibleRows?: (paths: string[]) => void;
}

export function ObjectList({ records, filter, onFilter, sort, onSort, selected, onSelect, now, heldBySelected, stateMs, onVisibleRows }: Props) {
  const kinds = useMemo(() => [...new Set(records.map((r) => r.kind))].sort(), [records]);
  const namespaces = useMemo(() => [...new Set(records.map(namespaceOf))].sort(), [records]);
  const rows = useMemo(
    () => sortRecords(filterRecords(records, filter, heldBySelected), sort.key, sort.ascending, stateText),
    [records, filter, sort, heldBySelected],
  );
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const selectedIndex = rows.findIndex((r) => r.path === selected);

  // The rows on screen (the virtualizer's range leaves out the overscan); they get the state rate.
  useEffect(() => {
    if (!onVisibleRows) return;
    const range = virtualizer.range;
    const shown = range ? rows.slice(range.startIndex, range.endIndex + 1) : virtualizer.getVirtualItems().map((item) => rows[item.index]);
    onVisibleRows(shown.filter(Boolean).map((record) => record.path));
  });

  const onKeyDown = (event: KeyboardEvent) => {
    const move = { ArrowDown: 1, ArrowUp: -1, PageDown: 15, PageUp: -15, Home: -Infinity, End: Infinity }[event.key];
    if (move === undefined || rows.length === 0) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(rows.length - 1, (selectedIndex < 0 ? 0 : selectedIndex) + move));
    onSelect(rows[next].path);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  return (
    <section className="list" aria-label="Objects">
      <div className="toolbar">
        <input
          type="search"
          placeholder="Search by name"
          aria-label="Search by name"
          value={filter.search}
          onChange={(e) => onFilter({ ...filter, search: e.target.value })}
        />
        <select aria-label="Kind" value={filter.kind} onChange={(e) => onFilter({ ...filter, kind: e.target.value })}>
          <option value="">All kinds</option>
          {kinds.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <select aria-label="Namespace" value={filter.namespace} onChange={(e) => onFilter({ ...filter, namespace: e.target.value })}>
          <option value="">All namespaces</option>
          {namespaces.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <select aria-label="State filter" value={filter.state} onChange={(e) => onFilter({ ...filter, state: e.target.value as ListFilter['state'] })}>
          <option value="all">Any state</option>
          <option value="blocked">Blocked only</option>
          <option value="waiters">With waiters</option>
        </select>
        <label className="toggle" title="Objects without a name (an unlinked semaphore, an unnamed event): by default only those someone waits on or the process selected in Processes holds">
          <input
            type="checkbox"
            checked={filter.unnamed === 'relevant'}
            onChange={(e) => onFilter({ ...filter, unnamed: e.target.checked ? 'relevant' : 'all' })}
          />{' '}
          Unnamed: only waited on or held
        </label>
        <span className="count" aria-live="polite">
          {rows.length} of {records.length}
        </span>
      </div>
      <div role="grid" aria-rowcount={rows.length + 1} aria-label="Object list" className="grid">
        <div role="row" className="row header">
          {COLUMNS.map((column) => (
            <div
              key={column.key}
              role="columnheader"
              className={`cell ${column.key}`}
              aria-sort={sort.key === column.key ? (sort.ascending ? 'ascending' : 'descending') : 'none'}
            >
              <button type="button" onClick={() => onSort({ key: column.key, ascending: sort.key === column.key ? !sort.ascending : true })}>
                {column.label}
                {sort.key === column.key ? (sort.ascending ? ' ▲' : ' ▼') : ''}
              </button>
            </div>
          ))}
        </div>
        <div ref={scroller} className="scroller" tabIndex={0} onKeyDown={onKeyDown} aria-label="Rows">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const record = rows[item.index];
              const recent = now - record.changedAt < 1000;
              return (
                <div
                  key={record.path}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={record.path === selected}
                  className={`row${record.path === selected ? ' selected' : ''}${record.goneAt !== undefined ? ' gone' : ''}`}
                  style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => onSelect(record.path)}
                  title={record.path}
                >
                  {/* Keyed by the change time, so the flash animation restarts on each change. */}
                  {recent && <span key={record.changedAt} className="flash" aria-hidden="true" />}
                  <div role="gridcell" className="cell name">{displayName(record)}</div>
                  <div role="gridcell" className="cell kind">{record.kind}</div>
                  <StateCell record={record} stateMs={stateMs} />
                  <div role="gridcell" className="cell holders">
                    {record.holders ? record.holders.map((h) => `${h.processName}(${h.pid})`).join(' ') : record.state ? '?' : ''}
                  </div>
                  <div role="gridcell" className="cell changed">{ago(now - record.changedAt)}</div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </section>
  );
}

/**
 * The badge and the state; where the budget samples the object less often than the state rate, how
 * often (the state then ellipsizes, not the interval beside it).
 */
function StateCell({ record, stateMs }: { record: ObjectRecord; stateMs?: number }) {
  // A gone or unreadable object's row says that, not how often it is looked at.
  const interval = record.goneAt === undefined && !record.error && stateMs !== undefined ? describeInterval(record.intervalMs, stateMs) : '';
  if (!interval) {
    return (
      <div role="gridcell" className="cell state">
        <Badge record={record} />
        {stateText(record)}
      </div>
    );
  }
  return (
    <div role="gridcell" className="cell state with-interval">
      <Badge record={record} />
      <span className="state-text">{stateText(record)}</span>
      <span className="interval" title="Sampled less often than the state rate, within the CPU budget">
        {interval}
      </span>
    </div>
  );
}

/** What a waiter arriving now would meet, in the kind's own words. */
function Badge({ record }: { record: ObjectRecord }) {
  if (record.goneAt !== undefined) return <span className="badge gone">gone</span>;
  if (record.error) return <span className="badge error" title={record.error.message}>{record.error.kind}</span>;
  if (!record.state) return null;
  const blocked = isBlocked(record);
  const waiters = waiterCount(record);
  const words: Record<string, [string, string]> = {
    mutex: ['held', 'free'],
    'file-lock': ['held', 'free'],
    event: ['unsignaled', 'signaled'],
    timer: ['unsignaled', 'signaled'],
  };
  const [busy, idle] = words[record.kind] ?? ['empty', 'available'];
  const text = blocked ? busy : idle;
  return <span className={`badge ${blocked ? 'blocked' : 'free'}`}>{waiters ? `${text} · ${waiters} waiting` : text}</span>;
}

/** A file lock's id means little to a person; the locked file does. */
export function displayName(record: ObjectRecord): string {
  const file = record.kind === 'file-lock' ? (record.state as { path?: string } | undefined)?.path : undefined;
  return file || record.name;
}

export function ago(ms: number): string {
  if (ms < 1000) return 'now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  return `${Math.floor(ms / 3_600_000)} h ago`;
}
