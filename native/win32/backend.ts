import os from 'node:os';
import type { ActionRequest, ActionResult, CreateSpec, CreatedObject, ReleasedAtExit } from '../actions';
import type { Backend, HolderResult, SampledObject, WaiterResult } from '../backend';
import { isNativeError, unsupported } from '../errors';
import type { Capability, CapabilityReport, ObjectEntry, SampledKind, Waiter } from '../types';
import { createObject, performAction } from './actions';
import { MutexLeases, win32WaitThreads } from './waits';
import { PendingWaits } from '../wait-thread';
import { DirectoryWalk, directoryQueryForm, listDirectory } from './directory';
import { handleSlot, takeHandle } from './handle';
import { unopenedProcesses } from './foreign-handles';
import { holdersOfPaths, unmatchedUnnamed, withObjectTargets } from './holders';
import { isNamedPath, isUnnamedPath, objectComparisonUnsupportedReason, parseUnnamedPath, unnamedPath } from './identity';
import { Win32Inspector } from './inspector';
import { enableDebugPrivilege } from './privilege';
import { architectureNote } from '../architecture';
import { lastSyscallUnsupportedReason } from './last-syscall';
import { processSnapshotUnsupportedReason } from './process-handles';
import { openUnnamed } from './process-objects';
import { threadStatesUnsupportedReason } from './thread-waits';
import { waitChainUnsupportedReason } from './wait-chain';
import { UnnamedObjects } from './unnamed-objects';
import { WAITED_SCOPE, parseUnnamedScope, scanHeldUnnamed, scanWaitedUnnamed } from './unnamed-scan';
import { GLOBAL_DIRECTORY, resolveObjectPath, sessionDirectory, validateCreateName } from './names';
import { ntdll } from './ntdll';
import { check, statusName, ntSuccess } from './ntstatus';
import { SAMPLED_KINDS, openForQuery } from './objects';
import { listHandles } from './system-info';
import {
  CURRENT_PROCESS,
  GENERIC_ALL_SYNC,
  ProcessHandleCount,
  ProcessSessionInformation,
} from './structs';
import { findWaiters } from './waiters';
import { probe } from '../capability';

const processInfo = Buffer.alloc(4);
/** How long a scan of the unnamed objects waited on is reused. */
const WAITED_SCAN_MS = 2000;

function currentSessionId(): number {
  check(
    ntdll().NtQueryInformationProcess(CURRENT_PROCESS, ProcessSessionInformation, processInfo, 4, null),
    'NtQueryInformationProcess(ProcessSessionInformation)',
  );
  return processInfo.readUInt32LE(0);
}

export class Win32Backend implements Backend {
  readonly platform = 'win32' as const;
  readonly sampledKinds = SAMPLED_KINDS;
  readonly sessionId = currentSessionId();
  readonly #pending = new PendingWaits();
  readonly #leases = new MutexLeases(this.#pending);
  readonly #unnamed = new UnnamedObjects();
  #waited: { at: number; entries: ObjectEntry[] } | undefined;
  /** Sliced scans: each directory's walk, the listings the current round has finished, and each directory's last whole listing. */
  readonly #walks = new Map<string, DirectoryWalk>();
  readonly #round = new Map<string, ObjectEntry[]>();
  readonly #walked = new Map<string, ObjectEntry[]>();
  #capabilities: CapabilityReport | undefined;

  constructor() {
    // Before any other process is opened: with it, an elevated SyncScope reads services too.
    enableDebugPrivilege();
  }

  defaultScopes(): string[] {
    const local = sessionDirectory(this.sessionId);
    const directories = local === GLOBAL_DIRECTORY ? [GLOBAL_DIRECTORY] : [GLOBAL_DIRECTORY, local];
    return this.capabilities().waiters.supported ? [...directories, WAITED_SCOPE] : directories;
  }

  heldObjectsScope(pid: number): string {
    return `unnamed:${pid}`;
  }

  /**
   * Object directories, and unnamed objects on demand: `unnamed:<pid>` (those a process holds),
   * `unnamed:waited` (those some thread waits on; a default scope where the OS tells waits).
   */
  scan(scopes = this.defaultScopes()): ObjectEntry[] {
    return this.#listScopes(scopes, listDirectory);
  }

  /** Every scope's entries, a directory's from `directoryEntries`, the unnamed scopes' as they are now. */
  #listScopes(scopes: string[], directoryEntries: (directory: string) => ObjectEntry[]): ObjectEntry[] {
    const entries = scopes.flatMap((scope) => {
      const unnamed = parseUnnamedScope(scope);
      if (unnamed === undefined) return directoryEntries(scope);
      return unnamed === 'waited' ? this.#waitedRecently() : scanHeldUnnamed(unnamed, this.#unnamed);
    });
    // One unnamed object held by two processes asked for (or held and waited on) is listed once.
    const seen = new Set<string>();
    return entries.filter((entry) => !isUnnamedPath(entry.path) || (!seen.has(entry.path) && seen.add(entry.path)));
  }

  /**
   * The scan in slices of about `sliceMs` (the sampler's, under its budget) where a whole listing
   * is expensive: Wine answers one directory entry per call, 0.9 s for 10,000 entries. Each call
   * walks on from where the last stopped; the listing of every scope comes back once the last
   * directory's walk ends (undefined until then). Where the OS lists many entries per call (or
   * before the first listing has found out), a call is the whole scan.
   */
  scanInSlices(scopes = this.defaultScopes(), sliceMs: number): ObjectEntry[] | undefined {
    if (directoryQueryForm() !== 'one') return this.scan(scopes);
    const until = performance.now() + sliceMs;
    for (const scope of scopes) {
      if (parseUnnamedScope(scope) !== undefined || this.#round.has(scope)) continue;
      let walk = this.#walks.get(scope);
      if (!walk) this.#walks.set(scope, (walk = new DirectoryWalk(scope)));
      const listed = walk.step(Math.max(0, until - performance.now()));
      if (!listed) return undefined;
      this.#round.set(scope, this.#withoutFalseMisses(scope, listed));
      if (performance.now() >= until && scopes.some((other) => parseUnnamedScope(other) === undefined && !this.#round.has(other))) return undefined;
    }
    const entries = this.#listScopes(scopes, (directory) => this.#round.get(directory) ?? []);
    this.#round.clear();
    return entries;
  }

  /**
   * A walk spread over time may miss an entry (one removed before its context shifts the rest):
   * an object of a sampled kind that the last walk of this directory listed and this one did not
   * is opened by name, and kept if it is still there.
   */
  #withoutFalseMisses(directory: string, listed: ObjectEntry[]): ObjectEntry[] {
    const previous = this.#walked.get(directory);
    this.#walked.set(directory, listed);
    if (!previous) return listed;
    const names = new Set(listed.map((entry) => entry.name));
    for (const entry of previous) {
      if (names.has(entry.name) || !(SAMPLED_KINDS as readonly string[]).includes(entry.kind)) continue;
      try {
        openForQuery(entry.path, entry.kind as SampledKind).close();
        listed.push(entry);
      } catch (error) {
        // Gone (not-found) is what a walk's miss usually means; any other answer (access denied)
        // says the name is there.
        if (!(isNativeError(error) && error.kind === 'not-found')) listed.push(entry);
      }
    }
    return listed;
  }

  /**
   * The unnamed objects waited on, reused for a moment: the 1 Hz scan would otherwise query every
   * waiting thread of the system each second, as the 0.5 Hz waiters pass does anyway.
   */
  #waitedRecently(): ObjectEntry[] {
    const now = Date.now();
    if (!this.#waited || now - this.#waited.at > WAITED_SCAN_MS) this.#waited = { at: now, entries: scanWaitedUnnamed(this.#unnamed) };
    return this.#waited.entries;
  }

  /** Names resolve as kernel32 resolves them; `handle:<pid>:0x<h>` names an unnamed object by the handle it is known by. */
  resolve(name: string): string {
    const unnamed = parseUnnamedPath(name);
    return unnamed ? unnamedPath(unnamed) : resolveObjectPath(name, this.sessionId, 'open');
  }

  open(name: string, kind?: SampledKind): SampledObject {
    const path = this.resolve(name);
    const unnamed = parseUnnamedPath(path);
    if (!unnamed) return openForQuery(path, kind);
    const object = openUnnamed(unnamed, kind ?? this.#unnamed.kindOf(path));
    this.#unnamed.remember(path, object.kind);
    return object;
  }

  inspector(): Win32Inspector {
    return new Win32Inspector({
      known: this.#unnamed,
      sessionId: this.sessionId,
      mutexOwnerUnsupported: () => this.capabilities().mutexOwner.reason ?? null,
    });
  }

  holders(paths: string[]): HolderResult {
    const { holders, unreadablePids, unmatched } = holdersOfPaths(paths, this.#unnamed);
    const gaps = [unreadablePids.length ? unopenedProcesses(unreadablePids.length) : undefined, unmatched].filter((gap) => gap !== undefined);
    if (gaps.length === 0) return { holders };
    const incomplete = gaps.join('; ');
    return unreadablePids.length ? { holders, incomplete, unreadablePids: [...unreadablePids].sort((a, b) => a - b) } : { holders, incomplete };
  }

  waiters(paths: string[]): WaiterResult {
    const capability = this.capabilities().waiters;
    if (!capability.supported) throw unsupported('waiters', capability.reason ?? 'not supported');
    return withObjectTargets(paths, this.#unnamed, (targets) => {
      const found = findWaiters(paths.filter(isNamedPath), targets);
      for (const path of paths) if (!found.waiters.has(path)) found.waiters.set(path, []);
      const gaps = [found.incomplete, unmatchedUnnamed(paths)].filter((gap) => gap !== undefined);
      return gaps.length ? { ...found, incomplete: gaps.join('; ') } : found;
    });
  }

  act(request: ActionRequest, signal?: AbortSignal): Promise<ActionResult> {
    const path = this.resolve(request.name);
    if (isUnnamedPath(path)) {
      return Promise.reject(unsupported(request.action, `${path} is an unnamed object: SyncScope only reads those (actions take a named object)`));
    }
    return performAction(path, request, { leases: this.#leases, pending: this.#pending, signal });
  }

  create(spec: CreateSpec): CreatedObject {
    validateCreateName(spec.name);
    return createObject(resolveObjectPath(spec.name, this.sessionId, 'create'), spec);
  }

  processHandleCount(): number {
    check(
      ntdll().NtQueryInformationProcess(CURRENT_PROCESS, ProcessHandleCount, processInfo, 4, null),
      'NtQueryInformationProcess(ProcessHandleCount)',
    );
    const reported = processInfo.readUInt32LE(0);
    if (reported > 0) return reported;
    // Wine answers 0; its system handle table lists this process's handles correctly.
    return listHandles().filter((entry) => entry.pid === process.pid).length;
  }

  capabilities(): CapabilityReport {
    this.#capabilities ??= this.#probeCapabilities();
    return this.#capabilities;
  }

  #probeCapabilities(): CapabilityReport {
    const nt = ntdll();
    const withUnnamed = <T>(create: (slot: Buffer) => number, body: (handle: bigint) => T): T => {
      const slot = handleSlot();
      check(create(slot), 'create unnamed object');
      const handle = takeHandle(slot);
      try {
        return body(handle.value);
      } finally {
        handle.close();
      }
    };
    return {
      platform: 'win32',
      osRelease: os.release(),
      architecture: architectureNote('win32', process.arch),
      enumerate: probe(() => {
        listDirectory(GLOBAL_DIRECTORY);
        return null;
      }),
      queryState: probe(() => {
        const scratch = Buffer.alloc(16);
        return withUnnamed((s) => nt.NtCreateEvent(s, GENERIC_ALL_SYNC, null, 0, 0), (h) => {
          check(nt.NtQueryEvent(h, 0, scratch, 8, null), 'NtQueryEvent');
          return null;
        });
      }),
      mutexOwner: probe(() => {
        const scratch = Buffer.alloc(16);
        return withUnnamed((s) => nt.NtCreateMutant(s, GENERIC_ALL_SYNC, null, 1), (h) => {
          const status = nt.NtQueryMutant(h, 1, scratch, 16, null);
          if (ntSuccess(status)) return null;
          return `NtQueryMutant(MutantOwnerInformation) returned ${statusName(status)}: the owner thread of a mutex is unknown`;
        });
      }),
      // Named objects' holders are matched by name everywhere; unnamed ones need CompareObjectHandles,
      // which objectIdentity reports (and each answer about an unnamed object says when missing).
      holders: probe(() => {
        listHandles();
        return null;
      }),
      waiters: probe(lastSyscallUnsupportedReason),
      actions: probe(() =>
        withUnnamed((s) => nt.NtCreateEvent(s, GENERIC_ALL_SYNC, null, 0, 0), (h) => {
          check(nt.NtSetEvent(h, null), 'NtSetEvent');
          check(nt.NtResetEvent(h, null), 'NtResetEvent');
          return null;
        }),
      ),
      handleCount: probe(() => {
        this.processHandleCount();
        return null;
      }),
      processHandleSnapshot: probe(processSnapshotUnsupportedReason),
      threadStates: probe(threadStatesUnsupportedReason),
      objectIdentity: probe(objectComparisonUnsupportedReason),
      waitChains: probe(waitChainUnsupportedReason),
      debugPrivilege: probe(() => {
        const privilege = enableDebugPrivilege();
        return privilege.enabled ? null : privilege.reason;
      }),
    };
  }

  async endWaits(): Promise<ReleasedAtExit[]> {
    await this.#pending.cancelAll();
    const released = await this.#leases.releaseAll();
    await win32WaitThreads.drain();
    return released;
  }

  dispose(): void {
    this.#waited = undefined;
    for (const walk of this.#walks.values()) walk.close();
    this.#walks.clear();
    this.#round.clear();
    this.#pending.cancelNow();
    this.#leases.releaseAllNow();
  }
}

