// Unnamed objects in a scan, on demand: `unnamed:<pid>` lists the unnamed events, mutants,
// semaphores and timers process <pid> holds handles to; `unnamed:waited` those some thread waits
// on (where the OS says what a thread waits on). Listing every unnamed object of every process
// would mean copying and comparing every handle of the system each second; a person asking why a
// program hangs starts from that program, or from what is waited on.
import { invalidArgument, unsupported } from '../errors';
import type { ObjectEntry, SampledKind } from '../types';
import { syncObjectName } from './foreign-handles';
import type { HandleRef } from './identity';
import { unnamedObjectLabel } from './inspection-model';
import { lastSyscallUnsupportedReason } from './last-syscall';
import { walkProcessSyncHandles } from './process-objects';
import { listProcesses } from './system-info';
import { typeNameOfKind } from './names';
import type { UnnamedObjects } from './unnamed-objects';
import { walkSingleObjectWaits } from './waiters';

export const UNNAMED_SCOPE_PREFIX = 'unnamed:';
export const WAITED_SCOPE = 'unnamed:waited';

/** The process an `unnamed:<pid>` scope names, 'waited', or undefined when `scope` is no such scope. */
export function parseUnnamedScope(scope: string): number | 'waited' | undefined {
  if (!scope.toLowerCase().startsWith(UNNAMED_SCOPE_PREFIX)) return undefined;
  const rest = scope.slice(UNNAMED_SCOPE_PREFIX.length);
  if (rest.toLowerCase() === 'waited') return 'waited';
  if (/^\d{1,10}$/.test(rest) && Number(rest) <= 0xffffffff) return Number(rest);
  throw invalidArgument('scan', `${scope} is not a scope of unnamed objects: use unnamed:<pid> or ${WAITED_SCOPE}`);
}

function entry(path: string, kind: SampledKind, scope: string, names: ReadonlyMap<number, string>): ObjectEntry {
  return { kind, name: unnamedObjectLabel(path, kind, names), path, directory: scope, typeName: typeNameOfKind(kind) ?? kind };
}

/** The unnamed objects process `pid` holds handles to, each once, in handle order. */
export function scanHeldUnnamed(pid: number, known: UnnamedObjects): ObjectEntry[] {
  const names = new Map(listProcesses().map((p) => [p.pid, p.name]));
  if (!names.has(pid)) throw invalidArgument('scan', `no process ${pid} (scope unnamed:${pid})`);
  const scope = `${UNNAMED_SCOPE_PREFIX}${pid}`;
  const found = new Map<string, ObjectEntry>();
  walkProcessSyncHandles(pid, ({ entry: handle, kind, copy }) => {
    if (syncObjectName(copy.value, kind) !== '') return; // named (listed by its directory), or unreadable
    const ref: HandleRef = { pid, handle: handle.handle };
    const path = known.identify(ref, kind, copy);
    if (!found.has(path)) found.set(path, entry(path, kind, scope, names));
  });
  return [...found.values()];
}

/** The unnamed objects some thread of another process waits on (NtWaitForSingleObject). */
export function scanWaitedUnnamed(known: UnnamedObjects): ObjectEntry[] {
  const reason = lastSyscallUnsupportedReason();
  if (reason) throw unsupported('scan', `${WAITED_SCOPE}: ${reason}`);
  const processes = listProcesses();
  const names = new Map(processes.map((p) => [p.pid, p.name]));
  const found = new Map<string, ObjectEntry>();
  walkSingleObjectWaits(processes, ({ process: proc, handle, copy, kind }) => {
    if (syncObjectName(copy.value, kind) !== '') return;
    const path = known.identify({ pid: proc.pid, handle }, kind, copy);
    if (!found.has(path)) found.set(path, entry(path, kind, WAITED_SCOPE, names));
  });
  return [...found.values()];
}
