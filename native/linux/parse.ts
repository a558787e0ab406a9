// Parsers for the kernel's text files and the glibc semaphore word. Pure: tests feed them
// recorded text. Formats: proc(5) (/proc/locks, /proc/<pid>/maps, /proc/<pid>/syscall,
// /proc/<pid>/fdinfo), sysvipc(5), fs/locks.c lock_get_status().

// ---- The glibc semaphore word ------------------------------------------------------------------

/**
 * glibc on 64-bit (__HAVE_64B_ATOMICS): the first 8 bytes of a sem_t are one little-endian word,
 * value in the low 32 bits, waiters (nwaiters) in the high 32 bits.
 */
export function decodeSemWord(bytes: Uint8Array): { count: number; waiters: number } {
  if (bytes.length < 8) throw new RangeError(`a semaphore word is 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return { count: view.getUint32(0, true), waiters: view.getUint32(4, true) };
}

// ---- Devices -----------------------------------------------------------------------------------

/** Major and minor of a dev_t as the kernel encodes it for stat (new_encode_dev / glibc gnu_dev_*). */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

/** `maj:min` in hex, two digits at least, as /proc/locks and /proc/<pid>/maps write a device. */
export function deviceString(major: number, minor: number): string {
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** Parses `fe:00` (hex) into a canonical device string; undefined when it is not one. */
export function normalizeDevice(text: string): string | undefined {
  const match = /^([0-9a-f]+):([0-9a-f]+)$/i.exec(text);
  if (!match) return undefined;
  return deviceString(Number.parseInt(match[1], 16), Number.parseInt(match[2], 16));
}

// ---- /proc/sysvipc/sem -------------------------------------------------------------------------

export interface SysvSetRow {
  key: number;
  semid: number;
  perms: number;
  nsems: number;
  uid: number;
  gid: number;
  cuid: number;
  cgid: number;
}

/** key semid perms nsems uid gid cuid cgid at the start of a row (the header does not match). */
const SYSV_ROW = /^[ \t]*(-?\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)[ \t]+(\d+)/gm;

/** The rows of /proc/sysvipc/sem (header line skipped; perms is octal there). */
export function parseSysvipcSem(text: string): SysvSetRow[] {
  // One regular expression over the whole text: the scan parses every set each second.
  const rows: SysvSetRow[] = [];
  for (const [, key, semid, perms, nsems, uid, gid, cuid, cgid] of text.matchAll(SYSV_ROW)) {
    rows.push({
      key: Number(key) | 0,
      semid: Number(semid),
      perms: Number.parseInt(perms, 8),
      nsems: Number(nsems),
      uid: Number(uid),
      gid: Number(gid),
      cuid: Number(cuid),
      cgid: Number(cgid),
    });
  }
  return rows;
}

// ---- /proc/locks -------------------------------------------------------------------------------

export type LockType = 'FLOCK' | 'POSIX' | 'OFDLCK';
const LOCK_TYPES = new Set<string>(['FLOCK', 'POSIX', 'OFDLCK']);

export interface LockLine {
  /** The line's number in /proc/locks (shared by a lock and the requests blocked behind it). */
  ordinal: number;
  /** 0 for a granted lock; 1 for a request blocked by it, 2 for one blocked by that request... */
  level: number;
  /** FLOCK, POSIX, OFDLCK, or another type (LEASE, DELEG...) that SyncScope does not sample. */
  type: string;
  mode: string;
  /** As /proc/locks prints it: -1 for OFD locks (the kernel does not record a pid for them). */
  pid: number;
  device: string;
  inode: number;
  start: number;
  /** null: to the end of the file. */
  end: number | null;
}

/**
 * One line of /proc/locks (or a `lock:` line of /proc/<pid>/fdinfo/<fd>, without its prefix).
 * A blocked request at depth L is printed as `N: ` then L-1 spaces then `-> `.
 */
export function parseLockLine(line: string): LockLine | undefined {
  const head = /^\s*(\d+): ( *)(-> )?(.*)$/.exec(line);
  if (!head) return undefined;
  const level = head[3] ? head[2].length + 1 : 0;
  const fields = head[4].trim().split(/\s+/);
  // type, ADVISORY|MANDATORY (or a lease's state), mode, pid, maj:min:inode, start, end
  if (fields.length < 7) return undefined;
  const [type, , mode, pidText, where, startText, endText] = fields;
  const place = /^([0-9a-f]+):([0-9a-f]+):(\d+)$/i.exec(where);
  if (!place || !/^-?\d+$/.test(pidText) || !/^\d+$/.test(startText) || !/^(\d+|EOF)$/.test(endText)) return undefined;
  return {
    ordinal: Number(head[1]),
    level,
    type,
    mode,
    pid: Number(pidText),
    device: deviceString(Number.parseInt(place[1], 16), Number.parseInt(place[2], 16)),
    inode: Number(place[3]),
    start: Number(startText),
    end: endText === 'EOF' ? null : Number(endText),
  };
}

export interface LockRecord {
  /** Stable id, see names.ts: `TYPE:maj:min:inode:start:end[#n]` (the holder is not part of it). */
  id: string;
  lockType: LockType;
  mode: 'READ' | 'WRITE';
  pid: number;
  device: string;
  inode: number;
  start: number;
  end: number | null;
  /** Every request blocked behind this lock, in /proc/locks order, at any depth. */
  blocked: Array<{ pid: number; level: number; lockType: string; mode: string }>;
}

export function lockIdOf(line: Pick<LockLine, 'type' | 'device' | 'inode' | 'start' | 'end'>): string {
  return `${line.type}:${line.device}:${line.inode}:${line.start}:${line.end ?? 'EOF'}`;
}

/**
 * Granted FLOCK, POSIX and OFD locks with the requests blocked behind each. Leases and
 * delegations are left out (no holder blocks on them the same way), and so are lines
 * without an inode (`<none>`).
 */
export function parseLocks(text: string): LockRecord[] {
  const records: LockRecord[] = [];
  const seen = new Map<string, number>();
  let current: LockRecord | undefined;
  for (const raw of text.split('\n')) {
    const line = parseLockLine(raw);
    if (!line) continue;
    if (line.level === 0) {
      current = undefined;
      if (!LOCK_TYPES.has(line.type) || (line.mode !== 'READ' && line.mode !== 'WRITE')) continue;
      const base = lockIdOf(line);
      const copies = (seen.get(base) ?? 0) + 1;
      seen.set(base, copies);
      current = {
        id: copies === 1 ? base : `${base}#${copies}`,
        lockType: line.type as LockType,
        mode: line.mode,
        pid: line.pid,
        device: line.device,
        inode: line.inode,
        start: line.start,
        end: line.end,
        blocked: [],
      };
      records.push(current);
    } else if (current) {
      current.blocked.push({ pid: line.pid, level: line.level, lockType: line.type, mode: line.mode });
    }
  }
  return records;
}

// ---- /proc/<pid>/maps --------------------------------------------------------------------------

export interface MapsLine {
  start: bigint;
  end: bigint;
  /** `rw-s` and the like: read, write, execute, shared or private. */
  perms: string;
  offset: bigint;
  device: string;
  inode: number;
  /** The path as the kernel prints it, with ` (deleted)` when the file was unlinked. */
  path: string;
}

/** `start-end perms offset maj:min inode [path]`; undefined for anything else. */
export function parseMapsLine(line: string): MapsLine | undefined {
  const match = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/i.exec(line);
  if (!match) return undefined;
  return {
    start: BigInt(`0x${match[1]}`),
    end: BigInt(`0x${match[2]}`),
    perms: match[3],
    offset: BigInt(`0x${match[4]}`),
    device: normalizeDevice(match[5])!,
    inode: Number(match[6]),
    path: match[7],
  };
}

/** Every mapping of a maps text, in order (lines that are not one are skipped). */
export function parseMaps(text: string): MapsLine[] {
  const lines: MapsLine[] = [];
  for (const raw of text.split('\n')) {
    const line = parseMapsLine(raw);
    if (line) lines.push(line);
  }
  return lines;
}

// ---- /proc/<pid>/task/<tid>/syscall ------------------------------------------------------------

export interface SyscallLine {
  nr: number;
  args: bigint[];
}

/**
 * `nr arg0 .. arg5 sp pc` for a thread blocked in a system call; undefined for `running`, or
 * `-1 sp pc` (blocked, but not in a system call).
 */
export function parseSyscall(text: string): SyscallLine | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 7 || !/^\d+$/.test(fields[0])) return undefined;
  const args: bigint[] = [];
  for (const field of fields.slice(1, 7)) {
    if (!/^0x[0-9a-f]+$/i.test(field)) return undefined;
    args.push(BigInt(field));
  }
  return { nr: Number(fields[0]), args };
}

/** struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; }, as many as fit. */
export function decodeSembufs(bytes: Uint8Array): Array<{ index: number; op: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const operations: Array<{ index: number; op: number }> = [];
  for (let at = 0; at + 6 <= bytes.byteLength; at += 6) operations.push({ index: view.getUint16(at, true), op: view.getInt16(at + 2, true) });
  return operations;
}

/** The signed int a syscall received in a 64-bit register (a pid or an fd may be -1). */
export function intArg(value: bigint): number {
  return Number(BigInt.asIntN(32, value));
}

// ---- /proc/<pid>/task/<tid>/stat, status, sched ------------------------------------------------

export interface StatLine {
  /** The command name between the parentheses (it may hold spaces and parentheses itself). */
  comm: string;
  /** R running, S sleeping, D disk sleep, T stopped, t traced, Z zombie, X dead, I idle... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks after boot when the thread started (field 22). */
  startTime: number;
  /** The CPU it last ran on (field 39). */
  processor: number;
}

/** proc(5) /proc/<pid>/stat: `pid (comm) state ppid pgrp ...`; undefined when malformed. */
export function parseStat(text: string): StatLine | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // Fields after the command name start at field 3 (state).
  const fields = text.slice(close + 2).trim().split(' ');
  if (fields.length < 37) return undefined;
  const number = (field: number) => Number(fields[field - 3]);
  const line = {
    comm: text.slice(open + 1, close),
    state: fields[0],
    ppid: number(4),
    pgrp: number(5),
    startTime: number(22),
    processor: number(39),
  };
  return [line.ppid, line.pgrp, line.startTime, line.processor].every(Number.isInteger) ? line : undefined;
}

/** The real uid from /proc/<pid>/status (`Uid: real effective saved fs`). */
export function parseStatusUid(text: string): number | undefined {
  const match = /^Uid:\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The thread group (process) of a thread, from /proc/<tid>/status. */
export function parseStatusTgid(text: string): number | undefined {
  const match = /^Tgid:\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/**
 * `se.exec_start` of /proc/<pid>/task/<tid>/sched (CONFIG_SCHED_DEBUG), in nanoseconds: when the
 * task last started running or was last accounted, on its CPU's task clock. Printed as
 * `ms.nnnnnn`; undefined when the line is missing.
 */
export function parseExecStart(text: string): bigint | undefined {
  const match = /^se\.exec_start\s*:\s*(-?\d+)\.(\d{6})\s*$/m.exec(text);
  if (!match) return undefined;
  const ms = BigInt(match[1]);
  return ms * 1_000_000n + (ms < 0n ? -1n : 1n) * BigInt(match[2]);
}

/** /proc/<pid>/cmdline: NUL-separated arguments, joined by spaces (empty for kernel threads). */
export function parseCmdline(text: string): string {
  return text.replace(/\0+$/, '').split('\0').join(' ');
}

// ---- glibc's pthread_mutex_t -------------------------------------------------------------------

/**
 * The head of glibc's `struct __pthread_mutex_s` (sysdeps/nptl/bits/struct_mutex.h, x86_64 and
 * aarch64): int __lock, unsigned __count, int __owner, unsigned __nusers, int __kind.
 */
export interface PthreadMutexHead {
  /** 0 free, 1 locked, 2 locked with waiters (normal mutexes; robust and PI ones store a TID). */
  lock: number;
  count: number;
  /** The owner's TID, recorded by glibc for every kind of mutex while it is locked. */
  owner: number;
  users: number;
  kind: number;
}

export const PTHREAD_MUTEX_HEAD_BYTES = 20;

export function decodePthreadMutexHead(bytes: Uint8Array): PthreadMutexHead {
  if (bytes.length < PTHREAD_MUTEX_HEAD_BYTES) throw new RangeError(`a mutex head is ${PTHREAD_MUTEX_HEAD_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PTHREAD_MUTEX_HEAD_BYTES);
  return {
    lock: view.getInt32(0, true),
    count: view.getUint32(4, true),
    owner: view.getInt32(8, true),
    users: view.getUint32(12, true),
    kind: view.getInt32(16, true),
  };
}

/** glibc's kind bits: the type (normal, recursive, errorcheck, adaptive) and its flags. */
const MUTEX_TYPE_MASK = 0x3;
const MUTEX_ROBUST = 0x10;
const MUTEX_PRIO_INHERIT = 0x20;
const MUTEX_PRIO_PROTECT = 0x40;
const MUTEX_PSHARED = 0x80;
const MUTEX_ELISION = 0x100 | 0x200;
const MUTEX_KNOWN_BITS = MUTEX_TYPE_MASK | MUTEX_ROBUST | MUTEX_PRIO_INHERIT | MUTEX_PRIO_PROTECT | MUTEX_PSHARED | MUTEX_ELISION;
/** FUTEX_PRIVATE_FLAG in the futex op: the word is in this process's private memory. */
export const FUTEX_PRIVATE_FLAG = 128;

/**
 * Whether a futex wait looks like glibc waiting for a locked normal mutex: the wait expects 2
 * (lll_lock_wait sets the word to "locked, with waiters" and waits while it stays so), the word
 * says locked, the kind has no bit glibc does not define and no robust or PI flag (those wait
 * differently), and the pshared bit agrees with the futex being shared or private. An owner TID
 * read from such a word is still an inference: the caller checks the thread lives.
 */
export function looksLikeLockedMutex(head: PthreadMutexHead, expected: number, privateFutex: boolean): boolean {
  if (expected !== 2 || (head.lock !== 1 && head.lock !== 2)) return false;
  if (head.kind < 0 || (head.kind & ~MUTEX_KNOWN_BITS) !== 0) return false;
  if (head.kind & (MUTEX_ROBUST | MUTEX_PRIO_INHERIT | MUTEX_PRIO_PROTECT)) return false;
  if (Boolean(head.kind & MUTEX_PSHARED) === privateFutex) return false;
  return head.owner > 0;
}
