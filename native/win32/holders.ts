// Who holds a handle to an object: walk the system handle table, copy each event, mutant,
// semaphore and timer handle into this process and match it to the objects asked about: named
// ones by their NT name, any one (named or not) by CompareObjectHandles against a copy of it.
// The table's Object addresses are never used (0 under Wine, hidden on recent Windows).
import type { Holder, SampledKind } from '../types';
import { OpenedProcesses, syncObjectName, walkSyncHandles } from './foreign-handles';
import type { NtHandle } from './handle';
import { isNamedPath, isUnnamedPath, objectComparisonUnsupportedReason, sameObject } from './identity';
import { listHandles, listProcesses } from './system-info';
import type { UnnamedObjects } from './unnamed-objects';

/** An object asked about by identity: a copy of one of its handles in this process. */
export interface ObjectTarget {
  key: string;
  kind: SampledKind;
  copy: NtHandle;
}

/** One handle a process holds to an object. */
export interface HeldHandle extends Holder {
  handle: bigint;
}

export interface HolderScan {
  /** Per path (named objects asked by path) or key (objects asked by identity), every holding handle, by pid. */
  handles: Map<string, HeldHandle[]>;
  /** Processes whose handles could not be read (access denied, exited): the result may miss them. */
  unreadablePids: number[];
}

/**
 * Why the unnamed objects among `paths` cannot be matched to handles on this OS, or undefined
 * when they can (or none is asked about): named ones are still matched by name.
 */
export function unmatchedUnnamed(paths: readonly string[]): string | undefined {
  const reason = paths.some(isUnnamedPath) ? objectComparisonUnsupportedReason() : null;
  return reason ? `holders and waiters of unnamed objects are not matched: ${reason}` : undefined;
}

/**
 * Runs `body` with copies of the unnamed objects among `paths` that are still there (see
 * UnnamedObjects.openTargets), and closes every copy after.
 */
export function withObjectTargets<T>(paths: readonly string[], known: UnnamedObjects, body: (targets: ObjectTarget[]) => T): T {
  // Without CompareObjectHandles an unnamed object matches nothing (unmatchedUnnamed says so).
  const targets = objectComparisonUnsupportedReason() === null ? known.openTargets(paths) : [];
  try {
    return body(targets);
  } finally {
    for (const target of targets) target.copy.close();
  }
}

/**
 * Matches copies of handles to the objects asked about: named ones by their NT name (any case),
 * any one (named or not) by CompareObjectHandles against a target of the same kind.
 */
export class ObjectMatcher {
  /** Lower-case name -> the path as asked. */
  readonly #named = new Map<string, string>();

  constructor(paths: Iterable<string>, readonly targets: readonly ObjectTarget[]) {
    for (const path of paths) this.#named.set(path.toLowerCase(), path);
  }

  /** The named paths asked about, one per name whatever its case (the last spelling given). */
  get paths(): IterableIterator<string> {
    return this.#named.values();
  }

  /** Calls `found` with the path or key of each object asked about that `copy`, of `kind`, refers to. */
  match(copy: NtHandle, kind: SampledKind, found: (key: string) => void): void {
    if (this.#named.size > 0) {
      const name = syncObjectName(copy.value, kind);
      const path = name ? this.#named.get(name.toLowerCase()) : undefined;
      if (path !== undefined) found(path);
    }
    for (const target of this.targets) {
      if (target.kind === kind && sameObject(target.copy.value, copy.value)) found(target.key);
    }
  }
}

/** The processes of a scan's handles, one entry per pid. */
export function holdersOf(handles: readonly HeldHandle[]): Holder[] {
  const byPid = new Map<number, Holder>();
  for (const held of handles) if (!byPid.has(held.pid)) byPid.set(held.pid, { pid: held.pid, processName: held.processName });
  return [...byPid.values()];
}

/**
 * Finds the processes (other than this one) that hold handles to each of the given object paths
 * and to each object target.
 */
export function findHolders(paths: Iterable<string>, objects: readonly ObjectTarget[] = []): HolderScan {
  const matcher = new ObjectMatcher(paths, objects);
  const handles = new Map<string, HeldHandle[]>();
  for (const path of matcher.paths) handles.set(path, []);
  for (const target of objects) handles.set(target.key, []);
  if (handles.size === 0) return { handles, unreadablePids: [] };

  const names = new Map(listProcesses().map((p) => [p.pid, p.name]));
  const add = (key: string, pid: number, handle: bigint) => {
    handles.get(key)!.push({ pid, processName: names.get(pid) ?? '', handle });
  };
  const processes = new OpenedProcesses();
  let unreadablePids: number[];
  try {
    ({ unreadablePids } = walkSyncHandles(listHandles(), 'system-table', (pid) => processes.get(pid), ({ entry, kind, copy }) => {
      matcher.match(copy, kind, (key) => add(key, entry.pid, entry.handle));
    }));
  } finally {
    processes.close();
  }
  for (const list of handles.values()) list.sort((a, b) => a.pid - b.pid || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0));
  return { handles, unreadablePids };
}

export interface PathHolders {
  /** Every path asked about, with the processes holding it. */
  holders: Map<string, Holder[]>;
  /** Processes whose handles could not be read (access denied, exited): the result may miss them. */
  unreadablePids: number[];
  /** False when there was nothing to look for: no named path, and no unnamed object still there. */
  searched: boolean;
  /** Why the unnamed objects asked about were not matched (no CompareObjectHandles), where so. */
  unmatched?: string;
}

/**
 * The processes (other than this one) holding each of `paths`, in one walk of the handle table:
 * named objects (NT paths) by name, unnamed ones (handle:<pid>:0x<h>) by identity through
 * `known`. An unnamed object that has vanished, and any other id, has none.
 */
export function holdersOfPaths(paths: readonly string[], known: UnnamedObjects): PathHolders {
  return withObjectTargets(paths, known, (targets) => {
    const named = paths.filter(isNamedPath);
    const scan = findHolders(named, targets);
    const holders = new Map(paths.map((path) => [path, holdersOf(scan.handles.get(path) ?? [])]));
    const unmatched = unmatchedUnnamed(paths);
    return { holders, unreadablePids: scan.unreadablePids, searched: named.length > 0 || targets.length > 0, ...(unmatched ? { unmatched } : {}) };
  });
}
