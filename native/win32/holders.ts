// Who holds a handle to an object: walk the system handle table, duplicate each candidate
// handle into this process and read its type and name. The table's Object addresses are never
// used (0 under Wine, hidden on recent Windows without SeDebugPrivilege).
import type { Holder } from '../types';
import { NtHandle, handleSlot, takeHandle } from './handle';
import { addressOf, ntdll } from './ntdll';
import { ntSuccess } from './ntstatus';
import { listHandles, listProcesses } from './system-info';
import {
  CURRENT_PROCESS,
  DUPLICATE_SAME_ACCESS,
  ObjectNameInformation,
  ObjectTypeInformation,
  PROCESS_DUP_HANDLE,
  clientId,
  objectAttributes,
  readUnicodeString,
} from './structs';

const SAMPLED_TYPE_NAMES = new Set(['Event', 'Mutant', 'Semaphore', 'Timer']);

const queryBuffer = Buffer.alloc(64 * 1024);
const queryBase = addressOf(queryBuffer);

/** Type and name of a handle in this process (OBJECT_TYPE_INFORMATION / OBJECT_NAME_INFORMATION start with a UNICODE_STRING). */
function objectString(handle: bigint, infoClass: number): string | undefined {
  const status = ntdll().NtQueryObject(handle, infoClass, queryBuffer, queryBuffer.length, null);
  return ntSuccess(status) ? readUnicodeString(queryBuffer, 0, queryBase) : undefined;
}

export function objectTypeName(handle: bigint): string | undefined {
  return objectString(handle, ObjectTypeInformation);
}

export function objectName(handle: bigint): string | undefined {
  return objectString(handle, ObjectNameInformation);
}

export function openProcess(pid: number, access: number): NtHandle | undefined {
  const slot = handleSlot();
  const status = ntdll().NtOpenProcess(slot, access, objectAttributes(null), clientId(pid));
  return ntSuccess(status) ? takeHandle(slot) : undefined;
}

/** Copies another process's handle into this one; undefined when the OS refuses. */
export function duplicateFrom(process: NtHandle, handle: bigint): NtHandle | undefined {
  const slot = handleSlot();
  const status = ntdll().NtDuplicateObject(process.value, handle, CURRENT_PROCESS, slot, 0, 0, DUPLICATE_SAME_ACCESS);
  return ntSuccess(status) ? takeHandle(slot) : undefined;
}

export interface HolderScan {
  holders: Map<string, Holder[]>;
  /** Processes whose handles could not be read (access denied, exited): the result may miss them. */
  unreadablePids: number[];
}

/** Finds the processes (other than this one) that hold handles to each of the given object paths. */
export function findHolders(paths: Iterable<string>): HolderScan {
  const wanted = new Map<string, string>();
  for (const path of paths) wanted.set(path.toLowerCase(), path);
  const holders = new Map<string, Holder[]>();
  for (const path of wanted.values()) holders.set(path, []);
  const unreadable = new Set<number>();
  if (wanted.size === 0) return { holders, unreadablePids: [] };

  const names = new Map(listProcesses().map((p) => [p.pid, p.name]));
  const self = process.pid;
  // Type indexes are per boot; learn them from the first handle of each index (0 = not reported).
  const typeByIndex = new Map<number, string>();
  const processes = new Map<number, NtHandle | undefined>();
  try {
    for (const entry of listHandles()) {
      if (entry.pid === self || unreadable.has(entry.pid)) continue;
      const knownType = entry.typeIndex !== 0 ? typeByIndex.get(entry.typeIndex) : undefined;
      if (knownType !== undefined && !SAMPLED_TYPE_NAMES.has(knownType)) continue;
      let owner = processes.get(entry.pid);
      if (!processes.has(entry.pid)) {
        owner = openProcess(entry.pid, PROCESS_DUP_HANDLE);
        processes.set(entry.pid, owner);
      }
      if (!owner) {
        unreadable.add(entry.pid);
        continue;
      }
      const copy = duplicateFrom(owner, entry.handle);
      if (!copy) continue;
      try {
        const typeName = knownType ?? objectTypeName(copy.value);
        if (typeName === undefined) continue;
        if (entry.typeIndex !== 0) typeByIndex.set(entry.typeIndex, typeName);
        // Only the sampled types: asking a file handle its name can block forever.
        if (!SAMPLED_TYPE_NAMES.has(typeName)) continue;
        const name = objectName(copy.value);
        const path = name === undefined ? undefined : wanted.get(name.toLowerCase());
        if (path === undefined) continue;
        const list = holders.get(path)!;
        if (!list.some((h) => h.pid === entry.pid)) {
          list.push({ pid: entry.pid, processName: names.get(entry.pid) ?? '' });
        }
      } finally {
        copy.close();
      }
    }
  } finally {
    for (const handle of processes.values()) handle?.close();
  }
  for (const list of holders.values()) list.sort((a, b) => a.pid - b.pid);
  return { holders, unreadablePids: [...unreadable].sort((a, b) => a - b) };
}
