// Which handles refer to one kernel object, and how an object without a name is known.
//
// Objects are compared with CompareObjectHandles (kernelbase, Windows 10+; Wine has it) on
// duplicates in this process, never by the handle table's kernel addresses (0 under Wine, hidden
// on recent Windows). An unnamed object is known by the first handle SyncScope saw it through:
// `handle:<pid>:0x<handle>`, labelled "unnamed event, handle 0x1a4 in app.exe (4242)". It is
// opened again by duplicating that handle from that process; when either is gone, it vanished.
import { invalidArgument, unsupported } from '../errors';
import { kernelbase } from './ntdll';

/** One handle in one process. */
export interface HandleRef {
  pid: number;
  handle: bigint;
}

const UNNAMED_PATH = /^handle:(\d+):0x([0-9a-f]+)$/i;

/** The path of an unnamed object known by this handle. */
export function unnamedPath(ref: HandleRef): string {
  return `handle:${ref.pid}:${hex(ref.handle)}`;
}

/** The handle an unnamed object's path names, or undefined when `path` is not such a path. */
export function parseUnnamedPath(path: string): HandleRef | undefined {
  const match = UNNAMED_PATH.exec(path);
  if (!match) return undefined;
  const pid = Number(match[1]);
  const handle = BigInt(`0x${match[2]}`);
  // HANDLE values are 64-bit; pids fit 32 bits. Anything larger is a typo, not an object.
  if (!Number.isSafeInteger(pid) || pid > 0xffffffff || handle > 0xffffffffffffffffn) {
    throw invalidArgument('resolve', `${path} is not a handle of a process (pid or handle out of range)`);
  }
  return { pid, handle };
}

export function isUnnamedPath(path: string): boolean {
  return UNNAMED_PATH.test(path);
}

/**
 * True for a named object's path: an NT path, as object names read. Other ids (an unnamed
 * object's handle:<pid>:0x<h>, a process:<pid>, a wct:... node) never match a handle by name.
 */
export function isNamedPath(path: string): boolean {
  return path.startsWith('\\');
}

/** "unnamed event, handle 0x1a4 in app.exe (4242)". */
export function unnamedLabel(kind: string, ref: HandleRef, processName: string): string {
  return `unnamed ${kind}, handle ${hex(ref.handle)} in ${processName || '?'} (${ref.pid})`;
}

export function hex(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Null when this OS can compare two handles' objects; otherwise why not. */
export function objectComparisonUnsupportedReason(): string | null {
  return kernelbase().CompareObjectHandles
    ? null
    : 'kernelbase has no CompareObjectHandles (Windows before 10): handles of unnamed objects cannot be matched across processes';
}

/** True when two handles of this process refer to the same kernel object. */
export function sameObject(first: bigint, second: bigint): boolean {
  const compare = kernelbase().CompareObjectHandles;
  if (!compare) throw unsupported('CompareObjectHandles', objectComparisonUnsupportedReason()!);
  return compare(first, second) !== 0;
}

