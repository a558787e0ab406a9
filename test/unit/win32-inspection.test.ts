// What `why` is told about a Windows process, from recorded native reads shaped as a real Windows
// returns them (ThreadLastSystemCall targets, MutantOwnerInformation owners, WCT chains) and as
// Wine returns them, then the platform-free analysis over such inspections: an ABBA deadlock
// between two processes through named mutexes, and an unnamed event two processes hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectDeadlocks } from '../../core/deadlocks';
import { whyDocument } from '../../core/why';
import type { Backend, HolderResult, ProcessInspection, ProcessInspector } from '../../native';
import {
  chainObject,
  heldObjects,
  syncWaitObject,
  threadInspection,
  userName,
  type ModelContext,
} from '../../native/win32/inspection-model';
import type { ThreadWait } from '../../native/win32/thread-waits';
import type { WaitChainNode } from '../../native/win32/wait-chain';
import { whyDocumentSchema } from '../../protocol';

const NO_OWNER = 'NtQueryMutant(MutantOwnerInformation) returned STATUS_INVALID_INFO_CLASS: the owner thread of a mutex is unknown';
const context: ModelContext = {
  sessionId: 1,
  names: new Map([[4242, 'app.exe'], [4343, 'worker.exe'], [500, 'svc.exe']]),
  mutexOwnerUnsupported: null,
};
const LOCK_A = '\\Sessions\\1\\BaseNamedObjects\\LockA';
const LOCK_B = '\\BaseNamedObjects\\LockB';

function waitingOn(tid: number, target: ThreadWait['target'], waitedMs = 61_500): ThreadWait {
  return { tid, state: 'waiting', osState: 'Waiting (UserRequest)', syscall: 'NtWaitForSingleObject', waitedMs, target };
}

test('userName: Local\\ for this session, Global\\ for the global directory, else the NT path', () => {
  assert.equal(userName(LOCK_A, 1), 'Local\\LockA');
  assert.equal(userName(LOCK_B, 1), 'Global\\LockB');
  assert.equal(userName('\\Sessions\\2\\BaseNamedObjects\\X', 1), '\\Sessions\\2\\BaseNamedObjects\\X');
  assert.equal(userName('\\BaseNamedObjects\\X', 0), 'Global\\X');
});

test('a thread in NtWaitForSingleObject on a named mutex another thread owns: object, owner, duration', () => {
  const thread = threadInspection(
    waitingOn(100, { type: 'object', handle: 0x1a4n, kind: 'mutex', path: LOCK_A, state: { locked: true, abandoned: false, ownedByCaller: false, ownerProcessId: 4343, ownerThreadId: 200 } }),
    context,
  );
  assert.deepEqual(thread, {
    tid: 100, name: null, state: 'blocked', osState: 'Waiting (UserRequest)', call: 'NtWaitForSingleObject',
    wait: {
      mode: 'any',
      duration: { ms: 61_500, atLeast: false, source: 'os' },
      objects: [{
        kind: 'mutex', id: LOCK_A, name: 'LockA', label: 'mutex Local\\LockA',
        state: { locked: true, abandoned: false, ownedByCaller: false, ownerProcessId: 4343, ownerThreadId: 200 },
        owner: { pid: 4343, tid: 200, inferred: false, source: 'MutantOwnerInformation' },
      }],
    },
  });
});

test('an unnamed event by its identity and label; a waited process and thread are their own owners', () => {
  const event = threadInspection(waitingOn(1, { type: 'object', handle: 0x1a4n, kind: 'event', identity: 'handle:4242:0x1a4', state: { eventType: 'manual', signaled: false } }), context);
  assert.deepEqual(event.wait!.objects, [{
    kind: 'event', id: 'handle:4242:0x1a4', name: null, label: 'unnamed event, handle 0x1a4 in app.exe (4242)',
    state: { eventType: 'manual', signaled: false },
  }]);
  const child = threadInspection(waitingOn(2, { type: 'process', handle: 0x2c0n, pid: 4343 }), context);
  assert.deepEqual(child.wait!.objects, [{
    kind: 'process', id: 'process:4343', name: 'worker.exe', label: 'process worker.exe (4343)',
    owner: { pid: 4343, tid: null, inferred: false, source: 'process handle' },
  }]);
  const thread = threadInspection(waitingOn(3, { type: 'thread', handle: 0x2c4n, pid: 4343, tid: 200 }), context);
  assert.deepEqual(thread.wait!.objects[0].owner, { pid: 4343, tid: 200, inferred: false, source: 'thread handle' });
  assert.equal(thread.wait!.objects[0].id, 'thread:200');
});

test('a locked mutex whose owner the OS does not tell says so; an unreadable state says why', () => {
  const object = syncWaitObject({ kind: 'mutex', identity: 'handle:4242:0x10', state: { locked: true, abandoned: false } }, { ...context, mutexOwnerUnsupported: NO_OWNER });
  assert.deepEqual(object.unavailable, { owner: NO_OWNER });
  assert.equal(object.owner, undefined);
  const free = syncWaitObject({ kind: 'mutex', identity: 'handle:4242:0x10', state: { locked: false, abandoned: false } }, { ...context, mutexOwnerUnsupported: NO_OWNER });
  assert.equal(free.unavailable, undefined, 'a free mutex has no owner to miss');
  const denied = syncWaitObject({ kind: 'semaphore', path: LOCK_B, error: { kind: 'access-denied', code: 'STATUS_ACCESS_DENIED', op: 'NtQuerySemaphore', message: 'NtQuerySemaphore x: access denied (STATUS_ACCESS_DENIED)' } }, context);
  assert.deepEqual(denied.unavailable, { state: 'NtQuerySemaphore x: access denied (STATUS_ACCESS_DENIED)' });
});

test('waits on no object: multiple handles, an address with and without a wait chain, a sleep, a file', () => {
  const multiple = threadInspection({ ...waitingOn(5, { type: 'multiple', call: 'NtWaitForMultipleObjects', count: 3 }), syscall: 'NtWaitForMultipleObjects' }, context);
  assert.equal(multiple.wait, null);
  assert.equal(multiple.call, 'NtWaitForMultipleObjects');
  assert.equal(multiple.unavailable, 'NtWaitForMultipleObjects on 3 handle(s): ThreadLastSystemCall gives only the count, not the handle array, so what it waits on is unknown');
  const address = { ...waitingOn(6, { type: 'address', address: 0x7ff6_1234_5678n }), syscall: 'NtWaitForAlertByThreadId', osState: 'Waiting (WrAlertByThreadId)' };
  assert.match(threadInspection(address, context).unavailable!, /at 0x7ff612345678: a critical section, SRW lock or WaitOnAddress/);
  // WCT resolves it: thread 6 waits on a critical section that thread 200 of worker.exe owns.
  const nodes: WaitChainNode[] = [
    { type: 'thread', status: 'blocked', pid: 4242, tid: 6, waitTime: 900, contextSwitches: 12 },
    { type: 'critical-section', status: 'owned', name: '', timeout: 0, alertable: false },
    { type: 'thread', status: 'blocked', pid: 4343, tid: 200, waitTime: 800, contextSwitches: 3 },
  ];
  const viaChain = threadInspection(address, context, () => chainObject(nodes, 4242, 6, context.names));
  assert.equal(viaChain.call, 'NtWaitForAlertByThreadId');
  assert.deepEqual(viaChain.wait!.objects, [{
    kind: 'critical-section', id: 'wct:4242:6:critical-section', name: null,
    label: 'critical-section that thread 6 of app.exe (4242) waits on',
    owner: { pid: 4343, tid: 200, inferred: false, source: 'WCT' },
  }]);
  const sleep = threadInspection({ ...waitingOn(7, { type: 'sleep' }), syscall: 'NtDelayExecution', osState: 'Waiting (DelayExecution)' }, context);
  assert.deepEqual([sleep.wait, sleep.unavailable, sleep.call], [null, undefined, 'NtDelayExecution']);
  const file = threadInspection({ ...waitingOn(8, { type: 'other', handle: 0x30n, typeName: 'File' }) }, context);
  assert.equal(file.unavailable, 'waits on a File (handle 0x30), not a synchronization object');
});

test('WCT alone: a blocked thread ThreadLastSystemCall did not resolve gets the chain\'s object; a running one is not asked', () => {
  const nodes: WaitChainNode[] = [
    { type: 'thread', status: 'blocked', pid: 4242, tid: 9, waitTime: 10, contextSwitches: 1 },
    { type: 'mutex', status: 'owned', name: LOCK_B, timeout: 0, alertable: false },
    { type: 'thread', status: 'running', pid: 500, tid: 0, waitTime: 0, contextSwitches: 0 },
  ];
  let asked = 0;
  const hop = () => (asked++, chainObject(nodes, 4242, 9, context.names));
  const blocked = threadInspection({ tid: 9, state: 'waiting', osState: 'Waiting (WrAlpcReceive)' }, context, hop);
  assert.equal(blocked.call, 'WCT mutex');
  assert.deepEqual(blocked.wait!.objects[0], {
    kind: 'mutex', id: LOCK_B, name: LOCK_B, label: `mutex ${LOCK_B}`, owner: { pid: 500, tid: null, inferred: false, source: 'WCT' },
  });
  assert.equal(blocked.wait!.duration.ms, null);
  const running = threadInspection({ tid: 10, state: 'running', osState: 'Running' }, context, hop);
  assert.deepEqual([running.wait, running.unavailable, asked], [null, undefined, 1]);
  assert.equal(chainObject(nodes.slice(0, 1), 4242, 9, context.names), undefined, 'a chain of the thread alone names no object');
});

test('Wine: no thread state, no target; every thread says why, none is called running', () => {
  const reason = 'NtQueryInformationThread(ThreadLastSystemCall) returned STATUS_NOT_IMPLEMENTED: the OS does not say which object a thread waits on';
  const thread = threadInspection({ tid: 36, state: 'unknown', osState: 'not reported', unavailable: reason }, context, () => assert.fail('no WCT under Wine'));
  assert.deepEqual(thread, { tid: 36, name: null, state: 'unknown', osState: 'not reported', call: null, wait: null, unavailable: reason });
});

test('heldObjects: one entry per object with every handle to it; a mutex owned in this process says so', () => {
  const held = heldObjects(4242, [
    { handle: 0x1a4n, kind: 'event', grantedAccess: 0x1f0003, identity: 'handle:4242:0x1a4', state: { eventType: 'auto', signaled: false } },
    { handle: 0x1b0n, kind: 'event', grantedAccess: 0x100000, identity: 'handle:4242:0x1a4', state: { eventType: 'auto', signaled: false } },
    { handle: 0x20n, kind: 'mutex', grantedAccess: 0x1f0001, path: LOCK_A, state: { locked: true, abandoned: false, ownerProcessId: 4242, ownerThreadId: 100 } },
    { handle: 0x24n, kind: 'mutex', grantedAccess: 0x1f0001, path: LOCK_B, state: { locked: true, abandoned: false, ownerProcessId: 4343, ownerThreadId: 200 } },
  ], context);
  assert.deepEqual(held.map((h) => [h.object.id, h.how]), [
    ['handle:4242:0x1a4', 'handles 0x1a4, 0x1b0'],
    [LOCK_A, 'owns it; handle 0x20'],
    [LOCK_B, 'handle 0x24'],
  ]);
});

/** A scripted inspector over Windows-shaped inspections (what Win32Inspector returns on Windows). */
function windowsInspector(table: Record<number, ProcessInspection>, holders: Record<string, number[]> = {}): ProcessInspector {
  return {
    findProcesses: (query) => Object.values(table).filter((p) => ('pid' in query ? p.process.pid === query.pid : p.process.name === query.name)).map((p) => p.process),
    waitingProcesses: () => Object.keys(table).map(Number),
    inspectProcess: (pid) => structuredClone(table[pid]),
    objectHolders: (ids): HolderResult => ({
      holders: new Map(ids.map((id) => [id, (holders[id] ?? []).map((pid) => ({ pid, processName: table[pid].process.name }))])),
    }),
    incomplete: () => undefined,
    unreadablePids: () => [],
    close: () => undefined,
  };
}

const windowsBackend = (inspector: ProcessInspector) =>
  ({ platform: 'win32', sampledKinds: ['event', 'mutex', 'semaphore', 'timer'], inspector: () => inspector, capabilities: () => ({ mutexOwner: { supported: true } }) }) as unknown as Backend;

function inspection(pid: number, name: string, threads: ProcessInspection['threads'], holds: ProcessInspection['holds'] = []): ProcessInspection {
  return { process: { pid, name, parentPid: null, commandLine: null, user: null }, threads, holds, unavailable: {} };
}

test('the analysis over Windows inspections: an ABBA deadlock through two named mutexes is found by why and deadlocks', () => {
  const mutex = (path: string, ownerPid: number, ownerTid: number) => ({
    type: 'object' as const, handle: 0x40n, kind: 'mutex' as const, path, state: { locked: true, abandoned: false, ownerProcessId: ownerPid, ownerThreadId: ownerTid },
  });
  const app = inspection(4242, 'app.exe', [threadInspection(waitingOn(100, mutex(LOCK_B, 4343, 200)), context)]);
  const worker = inspection(4343, 'worker.exe', [threadInspection(waitingOn(200, mutex(LOCK_A, 4242, 100)), context)]);
  const inspector = windowsInspector({ 4242: app, 4343: worker });
  const document = whyDocument(windowsBackend(inspector), { name: 'app.exe' });
  whyDocumentSchema.parse(document);
  const [report] = document.reports;
  assert.equal(report.verdict.kind, 'deadlocked');
  assert.equal(
    report.verdict.text,
    'deadlocked: thread 100 waits for mutex Global\\LockB held by thread 200 of worker.exe (4343), which waits for mutex Local\\LockA held by thread 100 (this process)',
  );
  assert.equal(report.deadlocks.length, 1);
  const found = detectDeadlocks(windowsBackend(inspector));
  assert.equal(found.deadlocks.length, 1);
  assert.deepEqual(found.unavailable, {});
});

test('the analysis over Windows inspections: a wait on an unnamed event lists both processes that hold it as could-signal', () => {
  const eventId = 'handle:4242:0x1a4';
  const target = { type: 'object' as const, handle: 0x1a4n, kind: 'event' as const, identity: eventId, state: { eventType: 'manual' as const, signaled: false } };
  const app = inspection(4242, 'app.exe', [threadInspection(waitingOn(100, target), context)], heldObjects(4242, [{ handle: 0x1a4n, kind: 'event', grantedAccess: 0x1f0003, identity: eventId, state: { eventType: 'manual', signaled: false } }], context));
  const worker = inspection(4343, 'worker.exe', [{ tid: 200, name: null, state: 'running', osState: 'Running', call: null, wait: null }]);
  const document = whyDocument(windowsBackend(windowsInspector({ 4242: app, 4343: worker }, { [eventId]: [4242, 4343] })), { pid: 4242 });
  whyDocumentSchema.parse(document);
  const [report] = document.reports;
  assert.equal(report.verdict.kind, 'waiting');
  assert.match(report.verdict.text, /unnamed event, handle 0x1a4 in app\.exe \(4242\)/);
  assert.deepEqual(report.objects[eventId].holders!.map((h) => h.pid), [4242, 4343]);
  const end = report.threads[0].end!;
  assert.equal(end.reason, 'no-owner');
  assert.ok(end.candidates!.some((c) => c.pid === 4343 && c.activity === 'running'), JSON.stringify(end.candidates));
});
