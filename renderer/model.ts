// Pure view logic for the object list: filtering, sorting, and what "blocked" means per kind.
import { isUnnamedPath, type ObjectRecord } from '../protocol';
import { busyOf, levelOf } from '../core/levels';

export type StateFilter = 'all' | 'blocked' | 'waiters';
export type SortKey = 'name' | 'kind' | 'state' | 'changed' | 'holders';

export interface ListFilter {
  search: string;
  kind: string;
  namespace: string;
  state: StateFilter;
  /**
   * Objects without a name: `relevant` (the default) shows those someone waits on or the selected
   * process holds; a process can hold thousands that explain nothing. `all` shows every one.
   */
  unnamed: 'relevant' | 'all';
}

export function namespaceOf(record: Pick<ObjectRecord, 'path' | 'name'>): string {
  // An unnamed object's path is an identity, not a folder and a name.
  if (isUnnamedPath(record.path)) return '(unnamed)';
  return record.path.slice(0, Math.max(0, record.path.length - record.name.length - 1));
}

export function waiterCount(record: ObjectRecord): number {
  if (record.waiters) return record.waiters.length;
  const level = levelOf(record.kind, record.state);
  return Number.isNaN(level.waiters) ? 0 : level.waiters;
}

/** A waiter arriving now would block: a locked mutex, an unsignaled event, a drained semaphore. */
export function isBlocked(record: ObjectRecord): boolean {
  if (!record.state || record.goneAt !== undefined) return false;
  const level = levelOf(record.kind, record.state);
  return busyOf(record.kind, level.value, level.max) >= 1;
}

/** An unnamed object worth listing under the default filter: waited on, or held by the selected process. */
export function unnamedRelevant(record: ObjectRecord, heldBySelected: ReadonlySet<string>): boolean {
  return waiterCount(record) > 0 || heldBySelected.has(record.path);
}

export function filterRecords(records: Iterable<ObjectRecord>, filter: ListFilter, heldBySelected: ReadonlySet<string> = new Set()): ObjectRecord[] {
  const search = filter.search.trim().toLowerCase();
  const out: ObjectRecord[] = [];
  for (const record of records) {
    if (filter.unnamed === 'relevant' && isUnnamedPath(record.path) && !unnamedRelevant(record, heldBySelected)) continue;
    if (search && !record.path.toLowerCase().includes(search) && !record.name.toLowerCase().includes(search)) continue;
    if (filter.kind && record.kind !== filter.kind) continue;
    if (filter.namespace && namespaceOf(record) !== filter.namespace) continue;
    if (filter.state === 'blocked' && !isBlocked(record)) continue;
    if (filter.state === 'waiters' && waiterCount(record) === 0) continue;
    out.push(record);
  }
  return out;
}

export function sortRecords(records: ObjectRecord[], key: SortKey, ascending: boolean, describe: (r: ObjectRecord) => string): ObjectRecord[] {
  const value = (r: ObjectRecord): string | number => {
    switch (key) {
      case 'name':
        return r.name.toLowerCase();
      case 'kind':
        return r.kind;
      case 'state':
        return describe(r);
      case 'changed':
        return r.changedAt;
      case 'holders':
        return r.holders?.length ?? -1;
    }
  };
  const sign = ascending ? 1 : -1;
  // Each record's key is computed once, not at each of the ~n log n comparisons: the list sorts
  // 10,000 records at every stream update.
  const keyed = records.map((record) => ({ record, key: value(record) }));
  keyed.sort((a, b) => {
    const order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.record.path.localeCompare(b.record.path);
    return order * sign;
  });
  for (let i = 0; i < keyed.length; i++) records[i] = keyed[i].record;
  return records;
}
