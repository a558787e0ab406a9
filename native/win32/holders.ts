// Who holds a handle to an object: walk the system handle table, copy each event, mutant,
// semaphore and timer handle into this process and match it to the objects asked about: named
// ones by their NT name, any one (named or not) by CompareObjectHandles against a copy of it.
// The table's Object addresses are never used (0 under Wine, hidden on recent Windows).
import type { Holder, SampledKind } from '../types';
import { OpenedProcesses, objectName, walkSyncHandles } from './foreign-handles';
import type { NtHandle } from './handle';
import { sameObject } from './identity';
import { listHandles, listProcesses } from './system-info';


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
  const wanted = new Map<string, string>();
  for (const path of paths) wanted.set(path.toLowerCase(), path);
  const handles = new Map<string, HeldHandle[]>();
  for (const path of wanted.values()) handles.set(path, []);
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
      if (wanted.size > 0) {
        const name = objectName(copy.value);
        const path = name ? wanted.get(name.toLowerCase()) : undefined;
        if (path !== undefined) add(path, entry.pid, entry.handle);
      }
      for (const target of objects) {
        if (target.kind === kind && sameObject(target.copy.value, copy.value)) add(target.key, entry.pid, entry.handle);
      }
    }));
  } finally {
    processes.close();
  }
  for (const list of handles.values()) list.sort((a, b) => a.pid - b.pid || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0));
  return { handles, unreadablePids };
}
