// The Linux ProcessInspector: one process's threads and what each waits for, read from /proc.
//
// Each thread's /proc/<pid>/task/<tid>/syscall names the call it is blocked in (waiters.ts lists
// which ones mean a wait on an object). The object is then identified:
//   futex on a /dev/shm/sem.* mapping     the POSIX semaphore (named, or unlinked: sem-inode:)
//   futex in another shared file mapping  the word, by file and offset (futex:<dev>:<ino>+0x..)
//   futex in private memory               the word, by process and address (futex:<pid>@0x..)
//   semop / semtimedop                    the System V set; what it asks from its sembuf array
//   flock / fcntl(F_SETLKW, F_OFD_SETLKW) the lock it is blocked behind (/proc/locks)
//   wait4 / waitid                        the child process(es)
// A futex word laid out as glibc's pthread_mutex_t names its owner (the TID glibc stores beside
// it), an inference reported only when that thread lives; a word holding the TID of a live thread
// of the process is pthread_join waiting for it. Reading words needs the process's memory
// (process_vm_readv: root, or ptrace rights); where refused, the owner is unavailable with why.
//
// An inspector reads each file at most once (maps, the lock list, the children table, the scan of
// every thread for lock waits), so following a chain through many processes reads the system once.
import fs from 'node:fs';
import path from 'node:path';
import type { HolderResult, ProcessInspector } from '../backend';
import { NativeError, invalidArgument, messageOf } from '../errors';
import {
  describeOperations,
  MAX_WAITER_OPERATIONS,
  type HeldObject,
  type Holder,
  type ProcessInfo,
  type ProcessInspection,
  type ProcessQuery,
  type ThreadInspection,
  type ThreadState,
  type ThreadWait,
  type WaitDuration,
  type WaitObject,
} from '../types';
import { fdHoldsLock, lockHolderPids, lockState, readLockRecords } from './file-locks';
import { formatKey, parseTarget, SEM_FILE_SIZE, SEM_INODE_PREFIX, SEM_PATH_PREFIX, semInodeOf, semInodePath } from './names';
import {
  PTHREAD_MUTEX_HEAD_BYTES,
  decodePthreadMutexHead,
  decodeSembufs,
  looksLikeLockedMutex,
  parseCmdline,
  parseMaps,
  parseStat,
  parseSyscall,
  parseStatusTgid,
  parseStatusUid,
  type LockRecord,
  type MapsLine,
  type StatLine,
} from './parse';
import { readSemaphoreOnce, semFileId } from './posix-semaphores';
import { ProcessNames, describeDenied, fdPath, fdTarget, listFds, listPids, listTids, newTally, readProc, type ReadTally } from './procfs';
import { readProcessMemory } from './remote-memory';
import { timeSinceLastRan, type BlockedThreadRef } from './sched-clock';
import { SysvSemaphoreSet } from './sysv-semaphores';
import { syscallName, syscallTable } from './syscalls';
import { fileKey, mappingLabel, namedSemaphoreFiles, readThroughMapper, semaphoreMappings } from './unlinked-semaphores';
import { decodeBlockedCall, matchLockWaiters, scanBlockedThreads, type BlockedCall, type BlockedThreads } from './waiters';

const STATE_WORDS: Record<string, string> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk sleep',
  I: 'idle',
  T: 'stopped',
  t: 'tracing stop',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  W: 'paging',
  P: 'parked',
  K: 'wakekill',
};

function threadState(letter: string): ThreadState {
  if (letter === 'R') return 'running';
  if ('SDIWPK'.includes(letter)) return 'blocked';
  if (letter === 'T' || letter === 't') return 'stopped';
  if ('ZXx'.includes(letter)) return 'exited';
  return 'unknown';
}

const hex = (value: bigint | number) => `0x${value.toString(16)}`;
const withoutDeleted = (file: string) => file.replace(/ \(deleted\)$/, '');

/** A decoded wait before its duration is known. */
type PendingWait = Omit<ThreadWait, 'duration'>;

export class LinuxInspector implements ProcessInspector {
  readonly #names = new ProcessNames();
  readonly #tally: ReadTally = newTally();
  readonly #mapsText = new Map<number, string | undefined>();
  readonly #mapsLines = new Map<number, MapsLine[] | undefined>();
  #pids: number[] | undefined;
  #blocked: BlockedThreads | undefined;
  #locks: LockRecord[] | undefined;
  #lockOfThread: Map<string, LockRecord> | undefined;
  #namedSemaphores: Map<string, string> | undefined;
  #stats = new Map<number, StatLine | undefined>();

  // ---- ProcessInspector ---------------------------------------------------------------------------

  findProcesses(query: ProcessQuery): ProcessInfo[] {
    if ('pid' in query) {
      if (!Number.isInteger(query.pid) || query.pid <= 0) return [];
      // A thread id finds its process.
      const owner = this.#processOf(query.pid);
      // A process's status, read to find it, also holds its uid; a thread's process has its own.
      const info = owner && this.#processInfo(owner.tgid, owner.tgid === query.pid ? owner.status : undefined);
      return info ? [info] : [];
    }
    const name = query.name;
    if (name.length === 0 || name.includes('/') || name.includes('\0')) return [];
    const found: ProcessInfo[] = [];
    for (const pid of this.#allPids()) {
      if (pid === process.pid) continue;
      const comm = this.#names.get(pid);
      let matches = comm === name || (name.length > 15 && comm === name.slice(0, 15));
      if (!matches) {
        const argv0 = readProc(`/proc/${pid}/cmdline`, pid)?.split('\0')[0];
        matches = argv0 !== undefined && argv0 !== '' && path.basename(argv0) === name;
      }
      if (!matches) continue;
      const info = this.#processInfo(pid);
      if (info) found.push(info);
    }
    return found;
  }

  waitingProcesses(): number[] {
    const blocked = this.#blockedScan();
    const pids = new Set<number>();
    for (const list of [blocked.futex, blocked.semop, blocked.locks, blocked.children]) for (const wait of list) pids.add(wait.pid);
    return [...pids].sort((a, b) => a - b);
  }

  inspectProcess(pid: number): ProcessInspection {
    if (!Number.isInteger(pid) || pid <= 0) throw invalidArgument('inspect', `bad pid ${pid}`);
    const info = this.#processInfo(pid);
    if (!info) {
      if (fs.existsSync(`/proc/${pid}`)) {
        throw new NativeError('access-denied', 'inspect', `cannot read /proc/${pid}/stat of process ${pid}`, 'EACCES');
      }
      throw new NativeError('not-found', 'inspect', `no process with pid ${pid}`, 'ESRCH');
    }
    if (threadState(this.#stat(pid)!.state) === 'exited') {
      const parent = info.parentPid ? `: its parent ${this.#who(info.parentPid)} has not reaped it` : '';
      throw new NativeError('vanished', 'inspect', `process ${pid} (${info.name}) has exited (a zombie${parent})`, 'ESRCH');
    }
    const unavailable: Record<string, string> = {};
    const threads: ThreadInspection[] = [];
    const pending = new Map<number, PendingWait>();
    let denied = 0;
    for (const tid of listTids(pid, this.#tally)) {
      const thread = this.#inspectThread(pid, tid, info, pending);
      if (!thread) continue;
      if (thread.unavailable?.includes('EACCES')) denied++;
      threads.push(thread);
    }
    if (threads.length === 0) {
      throw new NativeError('vanished', 'inspect', `process ${pid} (${info.name}) exited while it was being read`, 'ESRCH');
    }
    if (denied === threads.length) {
      throw new NativeError(
        'access-denied',
        'inspect',
        `cannot see what process ${pid} (${info.name}, uid ${info.user ?? '?'}) waits for: its /proc/${pid}/task/*/syscall files are refused (EACCES); run as its user or root`,
        'EACCES',
      );
    }
    this.#attachDurations(pid, threads, pending, unavailable);
    const holds = this.#holds(pid, unavailable);
    return { process: info, threads, holds, unavailable };
  }

  objectHolders(ids: string[]): HolderResult {
    const holders = new Map<string, Holder[]>();
    const byFile = new Map<string, string[]>();
    const writableOnly = new Set<string>();
    for (const id of ids) {
      holders.set(id, []);
      const file = this.#fileOfObject(id);
      if (file) {
        const key = fileKey(file.device, file.inode);
        byFile.set(key, [...(byFile.get(key) ?? []), id]);
        if (!id.startsWith('futex:')) writableOnly.add(id);
      } else if (id.startsWith('lock:')) {
        holders.set(id, this.#lockHolders(id.slice('lock:'.length)));
      } else {
        const privateFutex = /^futex:(\d+)@/.exec(id);
        if (privateFutex) holders.set(id, [this.#holder(Number(privateFutex[1]))]);
      }
    }
    if (byFile.size > 0) {
      // maps prints `maj:min inode` between spaces: a text search finds the processes worth parsing.
      const needles = [...byFile.keys()].map((key) => ` ${key.replace('/', ' ')} `);
      for (const pid of this.#allPids()) {
        if (pid === process.pid) continue;
        const text = this.#maps(pid);
        if (!text || !needles.some((needle) => text.includes(needle))) continue;
        for (const line of this.#mapsLinesOf(pid) ?? []) {
          if (line.inode === 0 || line.perms[3] !== 's') continue;
          for (const id of byFile.get(fileKey(line.device, line.inode)) ?? []) {
            if (writableOnly.has(id) && line.perms[1] !== 'w') continue;
            const list = holders.get(id)!;
            if (!list.some((h) => h.pid === pid)) list.push(this.#holder(pid));
          }
        }
      }
    }
    return { holders, ...describeDenied(this.#tally) };
  }

  incomplete(): string | undefined {
    return describeDenied(this.#tally).incomplete;
  }

  unreadablePids(): number[] {
    return describeDenied(this.#tally).unreadablePids ?? [];
  }

  close(): void {
    this.#mapsText.clear();
    this.#mapsLines.clear();
    this.#stats.clear();
    this.#pids = undefined;
    this.#blocked = undefined;
    this.#locks = undefined;
    this.#lockOfThread = undefined;
    this.#namedSemaphores = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ---- processes and threads --------------------------------------------------------------------

  #allPids(): number[] {
    return (this.#pids ??= listPids());
  }

  #stat(pid: number, tid = pid): StatLine | undefined {
    const key = tid === pid ? pid : -tid;
    if (!this.#stats.has(key)) {
      const text = readProc(tid === pid ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, pid);
      this.#stats.set(key, text === undefined ? undefined : parseStat(text));
    }
    return this.#stats.get(key);
  }

  /**
   * The process a pid or thread id belongs to, with the id's status text it was read from
   * (/proc/<tid> exists for every thread, listed or not).
   */
  #processOf(id: number): { tgid: number; status: string } | undefined {
    const status = readProc(`/proc/${id}/status`, id);
    if (status === undefined) return undefined;
    const tgid = parseStatusTgid(status);
    return tgid === undefined ? undefined : { tgid, status };
  }

  /**
   * Read afresh (a process asked about may have exited since its stat was cached); `status` when
   * the caller has just read /proc/<pid>/status.
   */
  #processInfo(pid: number, status?: string): ProcessInfo | undefined {
    this.#stats.delete(pid);
    const stat = this.#stat(pid);
    if (!stat) return undefined;
    const cmdline = readProc(`/proc/${pid}/cmdline`, pid);
    status ??= readProc(`/proc/${pid}/status`, pid);
    const uid = status === undefined ? undefined : parseStatusUid(status);
    const commandLine = cmdline === undefined ? null : parseCmdline(cmdline);
    return {
      pid,
      // The comm stat holds, trimmed as ProcessNames trims /proc/<pid>/comm (holders show that one).
      name: stat.comm.trimEnd() || stat.comm,
      parentPid: stat.ppid > 0 ? stat.ppid : null,
      commandLine: commandLine || null,
      user: uid === undefined ? null : String(uid),
    };
  }

  #holder(pid: number): Holder {
    return { pid, processName: this.#names.get(pid) };
  }

  #who(pid: number): string {
    return `${this.#names.get(pid) || '?'} (${pid})`;
  }

  #inspectThread(pid: number, tid: number, info: ProcessInfo, pending: Map<number, PendingWait>): ThreadInspection | undefined {
    const stat = this.#stat(pid, tid);
    if (!stat) return undefined; // ended while we read
    const thread: ThreadInspection = {
      tid,
      name: stat.comm || null,
      state: threadState(stat.state),
      osState: `${stat.state} (${STATE_WORDS[stat.state] ?? 'unknown'})`,
      call: null,
      wait: null,
    };
    if (thread.state !== 'blocked') return thread;
    const file = `/proc/${pid}/task/${tid}/syscall`;
    let text: string;
    try {
      text = fs.readFileSync(file, 'latin1');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      if (code === 'ENOENT' || code === 'ESRCH') return undefined;
      if (code === 'EACCES' || code === 'EPERM') this.#tally.denied.add(pid);
      thread.unavailable = `${file}: ${code}${code === 'EACCES' || code === 'EPERM' ? ` (another user's process: run as uid ${info.user ?? '?'} or root)` : ''}`;
      return thread;
    }
    if (text.trim() === 'running') {
      thread.state = 'running';
      return thread;
    }
    const call = parseSyscall(text);
    if (!call) return thread; // blocked, but not in a system call
    thread.call = syscallName(call.nr);
    const table = syscallTable();
    if (!table) {
      thread.unavailable = `blocked system calls are decoded on x64 and arm64 only, not ${process.arch}`;
      return thread;
    }
    try {
      const wait = this.#decodeWait(pid, tid, decodeBlockedCall(call, table));
      if (wait) pending.set(tid, wait);
    } catch (error) {
      thread.unavailable = `what ${thread.call} waits for could not be read: ${messageOf(error)}`;
    }
    return thread;
  }

  #decodeWait(pid: number, tid: number, blocked: BlockedCall | undefined): PendingWait | undefined {
    switch (blocked?.kind) {
      case 'futex':
        return { objects: [this.#futexObject(pid, blocked.address, blocked.privateFutex, blocked.expected)], mode: 'any' };
      case 'semop':
        return this.#sysvWait(pid, blocked.semid, blocked.sops, blocked.nsops);
      case 'lock':
        return this.#lockWait(pid, tid, blocked.fd);
      case 'child':
        return this.#childWait(pid, blocked.child, blocked.call);
      default:
        return undefined;
    }
  }

  // ---- futex words ------------------------------------------------------------------------------

  #futexObject(pid: number, address: bigint, privateFutex: boolean, expected: number): WaitObject {
    const lines = this.#mapsLinesOf(pid);
    const mapping = lines?.find((m) => address >= m.start && address < m.end);
    const unavailable: Record<string, string> = {};
    if (mapping && mapping.inode !== 0 && mapping.perms[3] === 's') {
      const offset = mapping.offset + (address - mapping.start);
      if (mapping.path.startsWith(SEM_PATH_PREFIX) && offset < BigInt(SEM_FILE_SIZE)) return this.#semaphoreObject(pid, mapping);
      const file = withoutDeleted(mapping.path);
      const where = file === '/dev/zero' || file.startsWith('/SYSV') || file === '' ? 'shared anonymous memory' : file;
      const object: WaitObject = {
        kind: 'futex',
        id: `futex:${mapping.device}:${mapping.inode}+${hex(offset)}`,
        name: null,
        label: `futex word in ${where} at offset ${hex(offset)}`,
      };
      this.#inferOwner(pid, address, privateFutex, expected, object, where, offset);
      return object;
    }
    const object: WaitObject = {
      kind: 'futex',
      id: `futex:${pid}@${hex(address)}`,
      name: null,
      label: `futex word at ${hex(address)} in ${this.#who(pid)}`,
    };
    if (!lines) unavailable.identity = `/proc/${pid}/maps could not be read: the word is named by its address only`;
    this.#inferOwner(pid, address, privateFutex, expected, object);
    if (Object.keys(unavailable).length) object.unavailable = { ...object.unavailable, ...unavailable };
    return object;
  }

  /**
   * The owner of a futex word laid out as glibc's pthread_mutex_t, or the thread pthread_join
   * waits for; only threads that live now are named, and marked inferred.
   */
  #inferOwner(pid: number, address: bigint, privateFutex: boolean, expected: number, object: WaitObject, sharedWhere?: string, offset?: bigint): void {
    const bytes = readProcessMemory(pid, address, PTHREAD_MUTEX_HEAD_BYTES);
    if (!bytes) {
      object.unavailable = {
        owner: `the word's memory in ${this.#who(pid)} could not be read (process_vm_readv refused: needs root or ptrace rights over it), so its owner is not known`,
      };
      return;
    }
    const head = decodePthreadMutexHead(bytes);
    if (looksLikeLockedMutex(head, expected, privateFutex)) {
      const label = sharedWhere ? `pthread mutex in ${sharedWhere} at offset ${hex(offset!)}` : `pthread mutex at ${hex(address)} in ${this.#who(pid)}`;
      object.label = label;
      const ownerPid = this.#processOf(head.owner)?.tgid;
      const sameMemory = sharedWhere !== undefined || ownerPid === pid;
      if (ownerPid !== undefined && sameMemory) {
        object.owner = { pid: ownerPid, tid: head.owner, inferred: true, source: 'glibc pthread_mutex_t.__owner' };
      } else {
        object.unavailable = {
          owner:
            ownerPid === undefined
              ? `glibc records thread ${head.owner} as its owner, and no such thread lives: the mutex was left locked by a thread that ended`
              : `glibc records thread ${head.owner} as its owner, which belongs to another process (${ownerPid}): not trusted for a private word`,
        };
      }
      return;
    }
    // pthread_join waits while the word (the joined thread's TID, cleared by the kernel when it exits) holds it.
    if (head.lock === expected && expected > 0 && sharedWhere === undefined && fs.existsSync(`/proc/${pid}/task/${expected}`)) {
      object.kind = 'thread';
      object.id = `thread:${expected}`;
      object.label = `thread ${expected} (${this.#stat(pid, expected)?.comm ?? '?'}) of ${this.#who(pid)} to exit`;
      object.owner = { pid, tid: expected, inferred: true, source: 'pthread_join: the word is the thread id' };
    }
  }

  // ---- POSIX semaphores -------------------------------------------------------------------------

  /** A semaphore by its mapping: the name's path if a /dev/shm name has this inode, else sem-inode:. */
  #semaphoreObject(pid: number, mapping: MapsLine): WaitObject {
    const named = this.#namedPathOf(mapping);
    const object: WaitObject = named
      ? { kind: 'posix-semaphore', id: named, name: named.slice(SEM_PATH_PREFIX.length), label: `sem.${named.slice(SEM_PATH_PREFIX.length)}` }
      : { kind: 'posix-semaphore', id: semInodePath(mapping.device, mapping.inode), name: null, label: mappingLabel(mapping) };
    try {
      object.state = named ? readSemaphoreOnce(named) : readThroughMapper({ pid, line: mapping });
    } catch (error) {
      object.unavailable = { state: messageOf(error) };
    }
    return object;
  }

  #namedPathOf(mapping: MapsLine): string | undefined {
    const key = fileKey(mapping.device, mapping.inode);
    if (!mapping.path.endsWith(' (deleted)')) {
      // The name the mapping shows, if it is still this file.
      const id = semFileId(mapping.path);
      if (id && fileKey(id.device, id.inode) === key) return mapping.path;
    }
    // The creator's mapping shows glibc's temporary name as deleted even when the file has a name.
    return (this.#namedSemaphores ??= namedSemaphoreFiles()).get(key);
  }

  // ---- System V ---------------------------------------------------------------------------------

  #sysvWait(pid: number, semid: number, sops: bigint, nsops: number): PendingWait {
    const object: WaitObject = { kind: 'sysv-semaphore', id: `sysv:${semid}`, name: String(semid), label: `System V semaphore set ${semid}` };
    try {
      const state = new SysvSemaphoreSet(semid).sample();
      object.state = state;
      object.label = `System V semaphore set ${semid}${state.key !== 0 ? ` (key ${formatKey(state.key)})` : ''}`;
    } catch (error) {
      object.unavailable = { state: messageOf(error) };
    }
    const count = Math.min(nsops, MAX_WAITER_OPERATIONS);
    const bytes = count > 0 ? readProcessMemory(pid, sops, count * 6) : undefined;
    const wait: PendingWait = { objects: [object], mode: 'all' };
    if (bytes) wait.detail = describeOperations(decodeSembufs(bytes));
    else object.unavailable = { ...object.unavailable, operations: `the semop's operations in ${this.#who(pid)} could not be read (needs root or ptrace rights)` };
    return wait;
  }

  // ---- file locks -------------------------------------------------------------------------------

  #lockRecords(): LockRecord[] {
    return (this.#locks ??= readLockRecords());
  }

  #lockWait(pid: number, tid: number, fd: number): PendingWait {
    this.#lockOfThread ??= this.#matchLockWaits();
    const record = this.#lockOfThread.get(`${pid}:${tid}`);
    const target = fdTarget(pid, fd, this.#tally);
    if (!record) {
      const file = fdPath(pid, fd);
      return {
        objects: [
          {
            kind: 'file-lock',
            id: target ? `lock-wait:${target.device}:${target.inode}` : `lock-wait:${pid}:${fd}`,
            name: null,
            label: `a lock on ${file ?? `descriptor ${fd}`}`,
            unavailable: { owner: '/proc/locks lists no blocked request of this thread behind a granted lock (it may have just been granted)' },
          },
        ],
        mode: 'any',
      };
    }
    return { objects: [this.#lockObject(record)], mode: 'any', detail: `${record.blocked.find((b) => b.pid === pid)?.mode ?? record.mode} lock` };
  }

  #lockObject(record: LockRecord): WaitObject {
    const state = lockState(record, () => 0);
    const range = `${record.start}-${record.end ?? 'EOF'}`;
    const object: WaitObject = {
      kind: 'file-lock',
      id: `lock:${record.id}`,
      name: record.id,
      label: `${record.lockType} ${record.mode} lock on ${state.path || `inode ${record.inode} of device ${record.device}`} (${range})`,
      state,
    };
    if (state.holderPid > 0) object.owner = { pid: state.holderPid, tid: null, inferred: false, source: '/proc/locks' };
    else object.unavailable = { owner: 'no live process holds it by /proc/locks or by a descriptor this user may read' };
    return object;
  }

  /** Which granted lock each blocked thread waits behind, by `pid:tid` (one scan of every thread). */
  #matchLockWaits(): Map<string, LockRecord> {
    const records = this.#lockRecords();
    const byThread = new Map<string, LockRecord>();
    const matched = matchLockWaiters(records, this.#blockedScan());
    for (const record of records) {
      for (const thread of matched.get(record.id) ?? []) if (thread) byThread.set(`${thread.pid}:${thread.tid}`, record);
    }
    return byThread;
  }

  #lockHolders(id: string): Holder[] {
    const record = this.#lockRecords().find((r) => r.id === id);
    if (!record) return [];
    const pids = new Set(lockHolderPids(record, this.#tally));
    if (record.pid > 0 && fs.existsSync(`/proc/${record.pid}`)) pids.add(record.pid);
    pids.delete(process.pid);
    return [...pids].sort((a, b) => a - b).map((pid) => this.#holder(pid));
  }

  // ---- children ---------------------------------------------------------------------------------

  /** child > 0: that child; -1: any child; 0: any in the caller's group; < -1: any in group -child. */
  #childWait(pid: number, child: number, call: string): PendingWait | undefined {
    let children: number[];
    if (child > 0) children = [child];
    else {
      const group = child === 0 ? this.#stat(pid)?.pgrp : child < -1 ? -child : undefined;
      children = this.#childrenOf(pid).filter((c) => group === undefined || this.#stat(c)?.pgrp === group);
    }
    if (children.length === 0) return undefined;
    const objects = children.map((c): WaitObject => ({
      kind: 'process',
      id: `process:${c}`,
      name: this.#names.get(c) || null,
      label: `child ${this.#who(c)} to exit`,
      owner: { pid: c, tid: null, inferred: false, source: call },
    }));
    return { objects, mode: 'any', ...(child <= 0 ? { detail: child === -1 ? 'any child' : 'any child of the process group' } : {}) };
  }

  /** Children of every thread of the process (CONFIG_PROC_CHILDREN), else every process's parent pid. */
  #childrenOf(pid: number): number[] {
    const children = new Set<number>();
    let told = false;
    for (const tid of listTids(pid, this.#tally)) {
      const text = readProc(`/proc/${pid}/task/${tid}/children`, pid);
      if (text === undefined) continue;
      told = true;
      for (const child of text.split(' ')) if (/^\d+$/.test(child)) children.add(Number(child));
    }
    if (!told) for (const candidate of this.#allPids()) if (this.#stat(candidate)?.ppid === pid) children.add(candidate);
    return [...children].sort((a, b) => a - b);
  }

  // ---- what a process holds ---------------------------------------------------------------------

  #holds(pid: number, unavailable: Record<string, string>): HeldObject[] {
    const held: HeldObject[] = [];
    const text = this.#maps(pid);
    if (text === undefined) {
      unavailable.holds = `/proc/${pid}/maps could not be read (another user's process: run as its user or root): the semaphores it maps are not known`;
    } else {
      const seen = new Set<string>();
      for (const line of semaphoreMappings(text)) {
        if (line.perms[1] !== 'w' || seen.has(fileKey(line.device, line.inode))) continue;
        seen.add(fileKey(line.device, line.inode));
        held.push({ object: this.#semaphoreObject(pid, line), how: 'maps it writable' });
      }
    }
    let records: LockRecord[];
    try {
      records = this.#lockRecords();
    } catch (error) {
      unavailable.locks = messageOf(error);
      return held;
    }
    const lockedInodes = new Set(records.map((r) => fileKey(r.device, r.inode)));
    const heldIds = new Set<string>();
    for (const record of records) if (record.pid === pid) heldIds.add(record.id);
    if (lockedInodes.size > 0) {
      for (const fd of listFds(pid, this.#tally)) {
        const target = fdTarget(pid, fd, this.#tally);
        if (!target || !lockedInodes.has(fileKey(target.device, target.inode))) continue;
        for (const record of records) {
          if (!heldIds.has(record.id) && record.device === target.device && record.inode === target.inode && fdHoldsLock(pid, fd, record, this.#tally)) {
            heldIds.add(record.id);
          }
        }
      }
    }
    for (const record of records) if (heldIds.has(record.id)) held.push({ object: this.#lockObject(record), how: `holds the ${record.mode} lock` });
    return held;
  }

  // ---- durations --------------------------------------------------------------------------------

  #attachDurations(pid: number, threads: ThreadInspection[], pending: Map<number, PendingWait>, unavailable: Record<string, string>): void {
    const refs: BlockedThreadRef[] = [];
    for (const thread of threads) {
      const cpu = this.#stat(pid, thread.tid)?.processor;
      if (pending.has(thread.tid) && cpu !== undefined) refs.push({ pid, tid: thread.tid, cpu });
    }
    const since = timeSinceLastRan(refs);
    for (const thread of threads) {
      const wait = pending.get(thread.tid);
      if (!wait) continue;
      const measured = since.get(thread.tid);
      let duration: WaitDuration;
      if (measured && 'ms' in measured) duration = { ms: measured.ms, atLeast: true, source: 'scheduler' };
      else {
        const reason = measured?.unavailable ?? 'the CPU it last ran on is not known';
        duration = { ms: null, atLeast: false, source: null, unavailable: reason };
        unavailable.duration ??= reason;
      }
      thread.wait = { ...wait, duration };
    }
  }

  // ---- files read once --------------------------------------------------------------------------

  #maps(pid: number): string | undefined {
    if (!this.#mapsText.has(pid)) this.#mapsText.set(pid, readProc(`/proc/${pid}/maps`, pid, this.#tally));
    return this.#mapsText.get(pid);
  }

  #mapsLinesOf(pid: number): MapsLine[] | undefined {
    if (!this.#mapsLines.has(pid)) {
      const text = this.#maps(pid);
      this.#mapsLines.set(pid, text === undefined ? undefined : parseMaps(text));
    }
    return this.#mapsLines.get(pid);
  }

  #blockedScan(): BlockedThreads {
    if (!this.#blocked) {
      this.#blocked = scanBlockedThreads();
      for (const pid of this.#blocked.tally.denied) this.#tally.denied.add(pid);
    }
    return this.#blocked;
  }

  /** The file behind a semaphore or shared futex id, by device and inode. */
  #fileOfObject(id: string): { device: string; inode: number } | undefined {
    const futex = /^futex:([0-9a-f]+:[0-9a-f]+):(\d+)\+/.exec(id);
    if (futex) return { device: futex[1], inode: Number(futex[2]) };
    if (id.startsWith(SEM_INODE_PREFIX)) return semInodeOf(id);
    if (!id.startsWith('/')) return undefined;
    try {
      const target = parseTarget(id);
      if (target.kind === 'posix-semaphore') return semFileId(target.path);
    } catch {
      // not a semaphore id
    }
    return undefined;
  }
}

