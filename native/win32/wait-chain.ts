// Wait Chain Traversal (advapi32, Vista+): for one thread, the chain of threads and objects it
// waits through (mutexes, ALPC, COM, critical sections, SendMessage, process and thread waits),
// and whether the OS found a cycle. Wine 8's OpenThreadWaitChainSession returns NULL with
// ERROR_NOT_SUPPORTED, so support is probed at run time.
import { NativeError, unsupported, type NativeErrorKind, messageOf } from '../errors';
import { advapi32, kernel32, type WaitChainSession as Session } from './ntdll';

// WAITCHAIN_NODE_INFO (Windows SDK wct.h, x64): ObjectType (WCT_OBJECT_TYPE) @0, ObjectStatus
// (WCT_OBJECT_STATUS) @4, then a union @8: LockObject { WCHAR ObjectName[WCT_OBJNAME_LENGTH = 128]
// @8, LARGE_INTEGER Timeout @264, BOOL Alertable @272 } or ThreadObject { DWORD ProcessId @8,
// ThreadId @12, WaitTime @16, ContextSwitches @20 }. 276 bytes padded to 280 (8-byte alignment).
export const WAITCHAIN_NODE_SIZE = 280;
export const WCT_OBJNAME_LENGTH = 128;
export const WCT_MAX_NODE_COUNT = 16;
const NAME_OFFSET = 8;
const TIMEOUT_OFFSET = 264;
const ALERTABLE_OFFSET = 272;
/** WCT_OUT_OF_PROC_FLAG | WCT_OUT_OF_PROC_COM_FLAG | WCT_OUT_OF_PROC_CS_FLAG (WCTP_GETINFO_ALL_FLAGS). */
const WCT_GETINFO_ALL_FLAGS = 0x7;

// WCT_OBJECT_TYPE (from 1) and WCT_OBJECT_STATUS (from 1), in the SDK's order.
const NODE_TYPES = [
  'critical-section', 'send-message', 'mutex', 'alpc', 'com', 'thread-wait', 'process-wait', 'thread',
  'com-activation', 'unknown', 'socket-io', 'smb-io',
] as const;
const NODE_STATUSES = [
  'no-access', 'running', 'blocked', 'pid-only', 'pid-only-rpcss', 'owned', 'not-owned', 'abandoned', 'unknown', 'error',
] as const;
export type WaitChainNodeType = (typeof NODE_TYPES)[number];
export type WaitChainStatus = (typeof NODE_STATUSES)[number];

export type WaitChainNode =
  | {
      type: 'thread';
      status: WaitChainStatus;
      pid: number;
      tid: number;
      /** ThreadObject.WaitTime as the OS gives it (wct.h names no unit). */
      waitTime: number;
      contextSwitches: number;
    }
  | {
      type: Exclude<WaitChainNodeType, 'thread'>;
      status: WaitChainStatus;
      /** The object's name where it has one (a named mutex); '' otherwise. */
      name: string;
      /** LockObject.Timeout and Alertable: documented as reserved, passed on as the OS wrote them. */
      timeout: number;
      alertable: boolean;
    };

export interface WaitChain {
  tid: number;
  nodes: WaitChainNode[];
  /** The OS's verdict: the chain ends where it started (a deadlock). */
  isCycle: boolean;
}

function nodeType(value: number): WaitChainNodeType {
  return NODE_TYPES[value - 1] ?? 'unknown';
}

function nodeStatus(value: number): WaitChainStatus {
  return NODE_STATUSES[value - 1] ?? 'unknown';
}

/** Decodes `count` WAITCHAIN_NODE_INFO records laid out one after another. */
export function decodeWaitChainNodes(buffer: Buffer, count: number): WaitChainNode[] {
  if (!Number.isInteger(count) || count < 0 || count * WAITCHAIN_NODE_SIZE > buffer.length) {
    throw new RangeError(`${count} wait chain nodes need ${count * WAITCHAIN_NODE_SIZE} bytes, got ${buffer.length}`);
  }
  const nodes: WaitChainNode[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * WAITCHAIN_NODE_SIZE;
    const type = nodeType(buffer.readUInt32LE(at));
    const status = nodeStatus(buffer.readUInt32LE(at + 4));
    if (type === 'thread') {
      nodes.push({
        type, status,
        pid: buffer.readUInt32LE(at + 8),
        tid: buffer.readUInt32LE(at + 12),
        waitTime: buffer.readUInt32LE(at + 16),
        contextSwitches: buffer.readUInt32LE(at + 20),
      });
      continue;
    }
    const nameBytes = buffer.subarray(at + NAME_OFFSET, at + NAME_OFFSET + WCT_OBJNAME_LENGTH * 2);
    let end = 0;
    while (end < nameBytes.length && (nameBytes[end] !== 0 || nameBytes[end + 1] !== 0)) end += 2;
    nodes.push({
      type, status,
      name: nameBytes.toString('utf16le', 0, end),
      timeout: Number(buffer.readBigInt64LE(at + TIMEOUT_OFFSET)),
      alertable: buffer.readInt32LE(at + ALERTABLE_OFFSET) !== 0,
    });
  }
  return nodes;
}

const WIN32_ERRORS = new Map<number, [string, NativeErrorKind]>([
  [5, ['ERROR_ACCESS_DENIED', 'access-denied']],
  [50, ['ERROR_NOT_SUPPORTED', 'unsupported']],
  [87, ['ERROR_INVALID_PARAMETER', 'invalid-argument']],
  [120, ['ERROR_CALL_NOT_IMPLEMENTED', 'unsupported']],
  [234, ['ERROR_MORE_DATA', 'os-error']],
  [1168, ['ERROR_NOT_FOUND', 'vanished']],
  [4312, ['ERROR_OBJECT_NOT_FOUND', 'vanished']],
]);

export function win32ErrorName(code: number): string {
  return WIN32_ERRORS.get(code)?.[0] ?? `Win32 error ${code}`;
}

function win32Error(op: string, code: number, what: string): NativeError {
  const [name, kind] = WIN32_ERRORS.get(code) ?? [`Win32 error ${code}`, 'os-error' as const];
  return new NativeError(kind, op, `${op} ${what} failed with ${name} (${code})`, name);
}

/** A synchronous WCT session; close() is idempotent. */
export class WaitChainTraversal implements Disposable {
  #session: Session | null;

  private constructor(session: Session) {
    this.#session = session;
  }

  /** Opens a session, or throws unsupported with the OS's exact answer. */
  static open(): WaitChainTraversal {
    const api = advapi32();
    const missing = (['OpenThreadWaitChainSession', 'GetThreadWaitChain', 'CloseThreadWaitChainSession'] as const).filter((name) => !api[name]);
    const lacking = missing.length ? `advapi32 has no ${missing.join(' and no ')}` : '';
    if (!api.OpenThreadWaitChainSession) throw unsupported('OpenThreadWaitChainSession', `${lacking}: this OS has no Wait Chain Traversal`);
    // Asked even when another call is missing, to report the OS's own answer (Wine 8 lacks Close
    // and answers NULL here, so nothing is opened that could not be closed).
    const session = api.OpenThreadWaitChainSession(0, null);
    if (session === null) {
      const code = kernel32().GetLastError();
      throw unsupported(
        'OpenThreadWaitChainSession',
        `advapi32 OpenThreadWaitChainSession returned NULL with ${win32ErrorName(code)} (${code})${lacking ? ` (and ${lacking})` : ''}: this OS has no Wait Chain Traversal`,
      );
    }
    if (lacking) throw unsupported('OpenThreadWaitChainSession', `${lacking}: this OS has no usable Wait Chain Traversal`);
    return new WaitChainTraversal(session);
  }

  /** The wait chain of thread `tid` (any process), out-of-process COM, ALPC and critical sections included. */
  chainOf(tid: number): WaitChain {
    if (this.#session === null) throw new Error('wait chain session used after close');
    const count = Buffer.alloc(4);
    count.writeUInt32LE(WCT_MAX_NODE_COUNT, 0);
    const nodes = Buffer.alloc(WAITCHAIN_NODE_SIZE * WCT_MAX_NODE_COUNT);
    const cycle = Buffer.alloc(4);
    const ok = advapi32().GetThreadWaitChain!(this.#session, 0, WCT_GETINFO_ALL_FLAGS, tid, count, nodes, cycle);
    if (!ok) throw win32Error('GetThreadWaitChain', kernel32().GetLastError(), `for thread ${tid}`);
    const n = Math.min(count.readUInt32LE(0), WCT_MAX_NODE_COUNT);
    return { tid, nodes: decodeWaitChainNodes(nodes, n), isCycle: cycle.readInt32LE(0) !== 0 };
  }

  close(): void {
    if (this.#session === null) return;
    advapi32().CloseThreadWaitChainSession!(this.#session);
    this.#session = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

let unsupportedReason: string | null | undefined;

/** Null when this OS has Wait Chain Traversal; otherwise why not. Probed once. */
export function waitChainUnsupportedReason(): string | null {
  if (unsupportedReason !== undefined) return unsupportedReason;
  try {
    WaitChainTraversal.open().close();
    unsupportedReason = null;
  } catch (error) {
    unsupportedReason = messageOf(error);
  }
  return unsupportedReason;
}
