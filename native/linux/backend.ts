// The Linux backend: POSIX named semaphores (/dev/shm), System V semaphore sets
// (/proc/sysvipc/sem) and file locks (/proc/locks). Names and paths: see names.ts.
import fs from 'node:fs';
import os from 'node:os';
import type { ActionRequest, ActionResult, AnyCreateSpec, CreatedObject, ReleasedAtExit } from '../actions';
import { PendingWaits } from '../wait-thread';
import type { Backend, FileLease, HolderResult, SampledObject, StateReader, WaiterResult } from '../backend';
import { NativeError, invalidArgument, unsupported } from '../errors';
import { architectureNote } from '../architecture';
import type { Capability, CapabilityReport, FileLockState, Holder, KnownKind, LinuxKind, ObjectEntry, Waiter } from '../types';
import { performAction } from './actions';
import { linuxWaitThreads } from './waits';
import { processFdCount } from './fd';
import { lockFile } from './file-lease';
import { findLock, readLockRecords, sampleLock, scanFileLocks, type LockWaiterPid } from './file-locks';
import { lockHolders, semaphoreHolders } from './holders';
import { ERRNO, PR_SET_PTRACER, lastErrno, libc, threadCpuMs } from './libc';
import { errnoError } from './errno';
import {
  LOCKS_SOURCE,
  MAPS_SOURCE,
  SHM_DIRECTORY,
  SEM_INODE_PREFIX,
  SYSV_SOURCE,
  kindOfPath,
  parseTarget,
  semInodeOf,
  sysvPath,
  type LinuxTarget,
} from './names';
import type { LockRecord } from './parse';
import { createPosixSemaphore, PosixSemaphore, scanPosixSemaphores, semFileId } from './posix-semaphores';
import { ProcessNames, describeDenied, newTally } from './procfs';
import { createSysvSet, readSysvSets, scanSysvSemaphores, SysvSemaphoreSet } from './sysv-semaphores';
import { checkedSemaphoreId } from './mapped-semaphores';
import { LinuxStateReader } from './state-reader';
import { syscallTable } from './syscalls';
import {
  matchChildWaits,
  matchLockWaiters,
  matchSemaphoreWaiters,
  matchSysvWaiters,
  scanBlockedThreads,
  type BlockedThreads,
} from './waiters';
import { probe } from '../capability';
import { LinuxInspector } from './inspector';
import { findUnlinkedSemaphores, mapsOfProcess, namedSemaphoreFiles, UnlinkedSemaphoreObject, unlinkedEntries } from './unlinked-semaphores';

export const LINUX_KINDS: readonly LinuxKind[] = ['posix-semaphore', 'sysv-semaphore', 'file-lock'];

/** 64-bit little-endian glibc targets, where the semaphore word is value | nwaiters << 32. */
const SEM_WORD_ARCHES = new Set(['x64', 'arm64', 'riscv64', 'loong64']);

/**
 * Unlinked semaphores (every process's maps), reused for a moment: the 1 Hz scan would otherwise
 * read every process's maps each second; the holders pass reads them every 2 s anyway.
 */
const UNLINKED_SCAN_MS = 2000;
let recentUnlinked: { at: number; entries: ObjectEntry[] } | undefined;
function unlinkedSemaphoresRecently(): ObjectEntry[] {
  const now = Date.now();
  if (!recentUnlinked || now - recentUnlinked.at > UNLINKED_SCAN_MS) {
    const named = namedSemaphoreFiles(checkedSemaphoreId);
    recentUnlinked = { at: now, entries: unlinkedEntries(findUnlinkedSemaphores(named, mapsOfProcess())) };
  }
  return recentUnlinked.entries;
}

/** One pass over every thread, reused for a moment (OFD waiters are resolved at sample time). */
let recentScan: { at: number; blocked: BlockedThreads } | undefined;
function blockedThreadsRecently(): BlockedThreads {
  const now = Date.now();
  if (!recentScan || now - recentScan.at > 1000) recentScan = { at: now, blocked: scanBlockedThreads() };
  return recentScan.blocked;
}

/**
 * Names the pid of a blocked OFD lock request (the kernel prints -1), by matching blocked threads
 * once per read of /proc/locks, and only when some request needs it.
 */
function lockWaiterResolver(): LockWaiterPid {
  let matchedFor: LockRecord[] | undefined;
  let matched = new Map<string, Array<{ pid: number } | undefined>>();
  return (records, record, index) => {
    if (matchedFor !== records) {
      matched = matchLockWaiters(records, blockedThreadsRecently());
      matchedFor = records;
    }
    return matched.get(record.id)?.[index]?.pid ?? 0;
  };
}

/** A file lock found in /proc/locks; each sample reads the list again. */
class FileLockObject implements SampledObject {
  readonly kind = 'file-lock';
  readonly path: string;
  readonly #waiterPid = lockWaiterResolver();

  constructor(readonly name: string) {
    this.path = `lock:${name}`;
    findLock(name);
  }

  sample(): FileLockState {
    return sampleLock(this.name, readLockRecords(), this.#waiterPid);
  }

  close(): void {}
}

export class LinuxBackend implements Backend {
  readonly platform = 'linux' as const;
  readonly sampledKinds: readonly string[] = LINUX_KINDS;
  #capabilities: CapabilityReport | undefined;
  readonly #pending = new PendingWaits();

  threadCpuMs(): number {
    return threadCpuMs();
  }

  defaultScopes(): string[] {
    return [SHM_DIRECTORY, SYSV_SOURCE, LOCKS_SOURCE, MAPS_SOURCE];
  }

  scan(scopes = this.defaultScopes()): ObjectEntry[] {
    return scopes.flatMap((scope) => {
      switch (scope.replace(/\/+$/, '')) {
        case SHM_DIRECTORY:
          return scanPosixSemaphores((path) => checkedSemaphoreId(path) !== undefined);
        case SYSV_SOURCE:
          return scanSysvSemaphores();
        case LOCKS_SOURCE:
          return scanFileLocks();
        case MAPS_SOURCE:
          return unlinkedSemaphoresRecently();
        default:
          throw invalidArgument('scan', `unknown scope ${scope}: Linux scopes are ${this.defaultScopes().join(', ')}`);
      }
    });
  }

  /** A name as typed, with a System V key looked up. */
  #target(name: string): Exclude<LinuxTarget, { kind: 'sysv-key' }> {
    const target = parseTarget(name);
    if (target.kind !== 'sysv-key') return target;
    const rows = readSysvSets().filter((row) => row.key === target.key);
    if (rows.length === 0) {
      throw new NativeError('not-found', 'resolve', `no System V semaphore set with key ${name.slice('sysv:key='.length)}`, 'ENOENT');
    }
    const semid = rows[0].semid;
    return { kind: 'sysv-semaphore', semid, path: sysvPath(semid), name: String(semid) };
  }

  resolve(name: string): string {
    return this.#target(name).path;
  }

  open(name: string, kind?: KnownKind): SampledObject {
    const target = this.#target(name);
    const targetKind = kindOfPath(target.path);
    if (kind && kind !== targetKind) {
      throw new NativeError('wrong-type', 'open', `${target.path} is a ${targetKind}, not a ${kind}`, 'EFTYPE');
    }
    switch (target.kind) {
      case 'posix-semaphore':
        return new PosixSemaphore(target.name);
      case 'sysv-semaphore':
        return new SysvSemaphoreSet(target.semid);
      case 'file-lock':
        return new FileLockObject(target.name);
      case 'sem-inode':
        return new UnlinkedSemaphoreObject(target.path, target.device, target.inode);
    }
  }

  inspector(): LinuxInspector {
    return new LinuxInspector();
  }

  openReader(): StateReader {
    return new LinuxStateReader(lockWaiterResolver());
  }

  holders(paths: string[]): HolderResult {
    const names = new ProcessNames();
    const tally = newTally();
    const byKind = groupByKind(paths);
    const holders = new Map<string, Holder[]>();
    for (const path of paths) holders.set(path, []);

    for (const [path, list] of semaphoreHolders(semaphoresByFile(byKind['posix-semaphore']), names, tally)) holders.set(path, list);

    if (byKind['file-lock'].length > 0) {
      const wanted = new Set(byKind['file-lock'].map((p) => p.slice('lock:'.length)));
      const records = readLockRecords().filter((r) => wanted.has(r.id));
      for (const [id, list] of lockHolders(records, names, tally)) holders.set(`lock:${id}`, list);
    }
    return { holders, ...describeDenied(tally) };
  }

  waiters(paths: string[]): WaiterResult {
    const capability = this.capabilities().waiters;
    if (!capability.supported) throw unsupported('waiters', capability.reason ?? 'not supported');
    const result = new Map<string, Waiter[]>();
    for (const path of paths) result.set(path, []);
    if (paths.length === 0) return { waiters: result };
    const names = new ProcessNames();
    const blocked = scanBlockedThreads();
    const byKind = groupByKind(paths);

    for (const [path, list] of matchSemaphoreWaiters(blocked, semaphoresByFile(byKind['posix-semaphore']), names)) result.set(path, list);

    const sets = new Map<number, string>();
    for (const path of byKind['sysv-semaphore']) sets.set(Number(path.slice('sysv:'.length)), path);
    for (const [path, list] of matchSysvWaiters(blocked, sets, names)) result.set(path, list);

    if (byKind['file-lock'].length > 0) {
      const records = readLockRecords();
      const matched = matchLockWaiters(records, blocked);
      for (const path of byKind['file-lock']) {
        const threads = matched.get(path.slice('lock:'.length)) ?? [];
        const list: Waiter[] = [];
        for (const thread of threads) if (thread) list.push({ ...thread, processName: names.get(thread.pid) });
        result.set(path, list);
      }
    }
    // Threads of processes whose /proc files this user may not read are not seen.
    return { waiters: result, ...describeDenied(blocked.tally) };
  }

  childWaits(): Array<{ parentPid: number; parentTid?: number; childPid: number }> {
    const capability = this.capabilities().waiters;
    if (!capability.supported) throw unsupported('childWaits', capability.reason ?? 'not supported');
    return matchChildWaits(scanBlockedThreads());
  }

  /** Always settles: a bad name or a refused action is a rejection, never a synchronous throw. */
  /**
   * Lets `pid` read this process's threads and memory where Yama's ptrace_scope 1 would allow only
   * its ancestors (the app's engine is a demo worker's sibling, not its parent). Without Yama
   * there is nothing to allow: prctl says EINVAL, and that is not an error.
   */
  allowInspectionBy(pid: number): void {
    if (libc().prctl(PR_SET_PTRACER, pid, 0, 0, 0) === 0) return;
    const errno = lastErrno();
    if (errno !== ERRNO.EINVAL) throw errnoError(errno, 'prctl(PR_SET_PTRACER)', `pid ${pid}`);
  }

  lockFile(path: string, exclusive: boolean): Promise<FileLease> {
    return lockFile(path, exclusive);
  }

  async act(request: ActionRequest, signal?: AbortSignal): Promise<ActionResult> {
    return performAction(this.#target(request.name), request, { pending: this.#pending, signal });
  }

  create(spec: AnyCreateSpec): CreatedObject {
    switch (spec.kind) {
      case 'posix-semaphore':
        return createPosixSemaphore(spec.name, spec.count ?? 0, spec.mode);
      case 'sysv-semaphore':
        return createSysvSet(spec.name, spec.nsems, spec.count, spec.mode);
      default:
        throw unsupported('create', `Linux has no ${spec.kind} object: it creates posix-semaphore and sysv-semaphore`);
    }
  }

  processHandleCount(): number {
    return processFdCount();
  }

  capabilities(): CapabilityReport {
    this.#capabilities ??= this.#probeCapabilities();
    return this.#capabilities;
  }

  #probeCapabilities(): CapabilityReport {
    const readable = (path: string) => {
      try {
        fs.accessSync(path, fs.constants.R_OK);
        return null;
      } catch (error) {
        return `${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
      }
    };
    return {
      platform: 'linux',
      osRelease: os.release(),
      architecture: architectureNote('linux', process.arch),
      enumerate: probe(() => {
        const problems = [SHM_DIRECTORY, SYSV_SOURCE, LOCKS_SOURCE].map(readable).filter((p) => p !== null);
        return problems.length ? `cannot read ${problems.join('; ')}` : null;
      }),
      queryState: probe(() => {
        const version = libc().gnu_get_libc_version();
        if (!SEM_WORD_ARCHES.has(process.arch) || os.endianness() !== 'LE') {
          return `POSIX semaphore words are decoded for 64-bit little-endian glibc only, not ${process.arch}`;
        }
        return version ? null : 'not glibc: the POSIX semaphore layout is unknown';
      }),
      mutexOwner: {
        supported: false,
        reason:
          'Linux has no named kernel mutex: semaphores have no owner (holders are the processes that map or use them), and a file lock names its holder pid in its state',
      },
      holders: probe(() => readable('/proc/self/maps') ?? readable(`/proc/self/fdinfo`)),
      waiters: probe(() => {
        if (!syscallTable()) return `blocked system calls are decoded on x64 and arm64 only, not ${process.arch}`;
        return readable(`/proc/self/task/${process.pid}/syscall`);
      }),
      actions: probe(() => {
        libc();
        return null;
      }),
      handleCount: probe(() => {
        processFdCount();
        return null;
      }),
    };
  }

  /** Linux holds nothing past an action (units taken are gone): only pending waits end. */
  async endWaits(): Promise<ReleasedAtExit[]> {
    await this.#pending.cancelAll();
    await linuxWaitThreads.drain();
    return [];
  }

  dispose(): void {
    this.#pending.cancelNow();
    recentScan = undefined;
    recentUnlinked = undefined;
  }
}

/** Semaphore paths by `device/inode` (holders and waiters are found by file, not name). */
function semaphoresByFile(paths: string[]): Map<string, string> {
  const byFile = new Map<string, string>();
  for (const path of paths) {
    const id = path.startsWith(SEM_INODE_PREFIX) ? semInodeOf(path) : (checkedSemaphoreId(path) ?? semFileId(path));
    if (id) byFile.set(`${id.device}/${id.inode}`, path);
  }
  return byFile;
}

/** Paths by kind; a path that is not a valid Linux object path (never reached the OS) is left out. */
function groupByKind(paths: string[]): Record<LinuxKind, string[]> {
  const groups: Record<LinuxKind, string[]> = { 'posix-semaphore': [], 'sysv-semaphore': [], 'file-lock': [] };
  for (const path of paths) {
    try {
      const target = parseTarget(path);
      if (target.kind !== 'sysv-key' && target.path === path) groups[kindOfPath(path)].push(path);
    } catch {
      // not one of ours
    }
  }
  return groups;
}
