// The platform-free `why` analysis on recorded inspections: verdicts, chains, candidates, cycles,
// errors, and the live engine's sightings. The inspections are shaped as native/linux returns them
// (see test/linux/why.test.ts for the same against real programs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectDeadlocks } from '../../core/deadlocks';
import { WaitClock } from '../../core/wait-clock';
import { MAX_CANDIDATES, MAX_MATCHES, formatDuration, whyDocument } from '../../core/why';
import { NativeError, type Backend, type HolderResult, type ProcessInspection, type ProcessInspector, type ThreadInspection, type WaitObject } from '../../native';
import { deadlockReportSchema, whyDocumentSchema } from '../../protocol';

type Table = Record<number, ProcessInspection | NativeError>;

function inspectorOf(table: Table, holders: Record<string, number[]> = {}): ProcessInspector {
  const name = (pid: number) => {
    const entry = table[pid];
    return entry instanceof NativeError || !entry ? '?' : entry.process.name;
  };
  return {
    findProcesses: (query) => {
      const pids = Object.keys(table).map(Number);
      const found = 'pid' in query ? pids.filter((p) => p === query.pid) : pids.filter((p) => name(p) === query.name);
      return found.map((pid) => {
        const entry = table[pid];
        return entry instanceof NativeError ? { pid, name: query.toString(), parentPid: null, commandLine: null, user: null } : entry.process;
      });
    },
    waitingProcesses: () => Object.keys(table).map(Number).filter((pid) => !(table[pid] instanceof NativeError)),
    inspectProcess: (pid) => {
      const entry = table[pid];
      if (!entry) throw new NativeError('not-found', 'inspect', `no process with pid ${pid}`);
      if (entry instanceof NativeError) throw entry;
      return structuredClone(entry);
    },
    objectHolders: (ids): HolderResult => ({
      holders: new Map(ids.map((id) => [id, (holders[id] ?? []).map((pid) => ({ pid, processName: name(pid) }))])),
    }),
    incomplete: () => undefined,
    unreadablePids: () => [],
    close: () => undefined,
  };
}

function backendOf(inspector: ProcessInspector): Backend {
  return { platform: 'linux', sampledKinds: [], inspector: () => inspector } as unknown as Backend;
}

const at = (ms: number) => ({ ms, atLeast: true, source: 'scheduler' as const });

function proc(pid: number, name: string, threads: ThreadInspection[], holds: ProcessInspection['holds'] = []): ProcessInspection {
  return { process: { pid, name, parentPid: 1, commandLine: null, user: '0' }, threads, holds, unavailable: {} };
}

function waiting(tid: number, objects: WaitObject[], ms: number | null = 42_000, call = 'futex'): ThreadInspection {
  return {
    tid,
    name: null,
    state: 'blocked',
    osState: 'S (sleeping)',
    call,
    wait: { objects, mode: 'any', duration: ms === null ? { ms: null, atLeast: false, source: null, unavailable: 'not told' } : at(ms) },
  };
}

const sleeping = (tid: number, call: string): ThreadInspection => ({ tid, name: null, state: 'blocked', osState: 'S (sleeping)', call, wait: null });
const running = (tid: number): ThreadInspection => ({ tid, name: null, state: 'running', osState: 'R (running)', call: null, wait: null });

const sem: WaitObject = { kind: 'posix-semaphore', id: 'sem-inode:00:1b:7', name: null, label: 'sem.XXXXXX (deleted)', state: { count: 0, waiters: 2 } };

test('a semaphore without owner: the verdict lists who maps it and what each does', () => {
  const table: Table = {
    4100: proc(4100, 'python3', [waiting(4100, [sem])]),
    4101: proc(4101, 'python3', [running(4101)]),
    4102: proc(4102, 'python3', [waiting(4102, [sem])]),
    4103: proc(4103, 'python3', [waiting(4103, [sem])]),
  };
  const document = whyDocument(backendOf(inspectorOf(table, { [sem.id]: [4100, 4101, 4102, 4103] })), { pid: 4100 }, { now: () => 5 });
  whyDocumentSchema.parse(document);
  const [report] = document.reports;
  assert.deepEqual(report.verdict, {
    kind: 'waiting',
    text: 'waiting for semaphore sem.XXXXXX (deleted, count 0) for at least 42 s; processes that map it: 4101 (running), 4102 and 4103 (waiting on it too)',
  });
  assert.equal(report.threads[0].end!.reason, 'no-owner');
  assert.deepEqual(report.objects[sem.id].holders!.map((h) => h.pid), [4100, 4101, 4102, 4103]);
  assert.deepEqual(report.objects[sem.id].waiters.map((w) => w.pid), [4100, 4102, 4103]);
  assert.equal(document.t, 5);
});

test('a cycle between two processes: deadlocked, said from the thread on it, and found by deadlocks too', () => {
  const lockA: WaitObject = { kind: 'futex', id: 'futex:fe:00:9+0x0', name: null, label: 'lock A', owner: { pid: 4242, tid: null, inferred: false, source: '/proc/locks' } };
  const lockB: WaitObject = { kind: 'futex', id: 'futex:fe:00:9+0x40', name: null, label: 'lock B', owner: { pid: 800, tid: 812, inferred: true, source: 'glibc pthread_mutex_t.__owner' } };
  const table: Table = {
    800: proc(800, 'app', [sleeping(800, 'epoll_wait'), waiting(812, [lockA])]),
    4242: proc(4242, 'other', [sleeping(4242, 'read'), waiting(4243, [lockB])]),
  };
  const inspector = inspectorOf(table);
  const [report] = whyDocument(backendOf(inspector), { pid: 800 }).reports;
  assert.deepEqual(report.verdict, {
    kind: 'deadlocked',
    text: 'deadlocked: thread 812 waits for lock A held by other (4242), whose thread 4243 waits for lock B held by thread 812 (this process) (inferred from glibc pthread_mutex_t.__owner)',
  });
  const thread = report.threads.find((t) => t.tid === 812)!;
  assert.equal(thread.end!.reason, 'cycle');
  assert.equal(thread.end!.cycleTo, 0);
  assert.equal(report.deadlocks.length, 1);

  const deadlocks = deadlockReportSchema.parse(detectDeadlocks(backendOf(inspector), () => 1));
  assert.equal(deadlocks.deadlocks.length, 1);
  const keys = deadlocks.deadlocks[0].chain.map((n) => (n.type === 'object' ? n.path : n.type === 'thread' ? `t${n.tid}` : `p${n.pid}`));
  // The same cycle, whichever node it is told from.
  const ring = keys.slice(0, -1);
  const from = ring.indexOf('t812');
  assert.deepEqual([...ring.slice(from), ...ring.slice(0, from)], ['t812', lockA.id, 'p4242', 't4243', lockB.id]);
});

test('deadlocks says what it could not read: threads whose wait is not told, owners not told', () => {
  const word: WaitObject = { kind: 'futex', id: 'futex:9@0x10', name: null, label: 'a word', unavailable: { owner: 'memory could not be read' } };
  const blind: ThreadInspection = { ...sleeping(31, 'NtWaitForSingleObject'), unavailable: 'ThreadLastSystemCall: STATUS_NOT_IMPLEMENTED' };
  const table: Table = { 9: proc(9, 'a', [waiting(9, [word])]), 30: proc(30, 'b', [blind]) };
  const report = detectDeadlocks(backendOf(inspectorOf(table)), () => 1);
  assert.deepEqual(report.deadlocks, []);
  assert.equal(report.unavailable.waits, 'incomplete: what 1 thread(s) or process(es) wait for could not be read; for example: ThreadLastSystemCall: STATUS_NOT_IMPLEMENTED');
  assert.equal(report.unavailable.owners, 'incomplete: 1 wait(s) name no owner, so a cycle through them cannot be seen; for example: memory could not be read');
});

test('a child to exit: the chain through the child, to where it runs or sleeps', () => {
  const child: WaitObject = { kind: 'process', id: 'process:777', name: 'worker', label: 'child worker (777) to exit', owner: { pid: 777, tid: null, inferred: false, source: 'wait4' } };
  const lock: WaitObject = { kind: 'file-lock', id: 'lock:FLOCK:fe:00:5:0:EOF', name: 'FLOCK:fe:00:5:0:EOF', label: 'FLOCK WRITE lock on /x (0-EOF)', owner: { pid: 900, tid: null, inferred: false, source: '/proc/locks' } };
  const table: Table = {
    700: proc(700, 'parent', [waiting(700, [child], 5000, 'wait4')]),
    777: proc(777, 'worker', [waiting(777, [lock], 4000, 'flock')]),
    900: proc(900, 'holder', [sleeping(900, 'read'), sleeping(901, 'futex')]),
  };
  const [report] = whyDocument(backendOf(inspectorOf(table)), { name: 'parent' }).reports;
  assert.equal(
    report.verdict.text,
    'waiting for child worker (777) to exit for at least 5.0 s; worker (777) waits for FLOCK WRITE lock on /x (0-EOF) held by holder (900); holder (900) is sleeping in read',
  );
  assert.deepEqual(report.threads[0].chain!.map((s) => [s.pid, s.tid, s.waitsFor]), [
    [700, 700, child.id],
    [777, 777, lock.id],
    [900, 900, null],
  ]);
  assert.equal(report.threads[0].end!.reason, 'blocked');
});

test('a running holder ends the chain as running; a gone owner as exited; an unknown owner as not told', () => {
  const owned = (pid: number): WaitObject => ({ kind: 'futex', id: `futex:1@0x${pid}`, name: null, label: 'a mutex', owner: { pid, tid: pid, inferred: true, source: 'x' } });
  const unknown: WaitObject = { kind: 'futex', id: 'futex:3@0x10', name: null, label: 'a word', unavailable: { owner: 'memory could not be read' } };
  const table: Table = {
    1: proc(1, 'a', [waiting(1, [owned(2)])]),
    2: proc(2, 'b', [running(2)]),
    3: proc(3, 'c', [waiting(3, [owned(99)])]),
    4: proc(4, 'd', [waiting(4, [unknown])]),
  };
  const inspector = inspectorOf(table);
  const end = (pid: number) => whyDocument(backendOf(inspector), { pid }).reports[0].threads[0].end!;
  assert.deepEqual([end(1).reason, end(1).text], ['running', 'b (2) is running']);
  assert.deepEqual([end(3).reason, end(3).text], ['exited', 'process 99 has exited']);
  assert.deepEqual([end(4).reason, end(4).text], ['not-told', 'who holds it is not told: memory could not be read']);
});

test('not blocked on an object: running, or sleeping in a call; idle pools are not the verdict', () => {
  const condvar: WaitObject = { kind: 'futex', id: 'futex:5@0x99', name: null, label: 'futex word at 0x99 in node (5)' };
  const table: Table = {
    5: proc(5, 'node', [sleeping(5, 'epoll_wait'), waiting(6, [condvar]), waiting(7, [condvar])]),
    8: proc(8, 'spin', [running(8)]),
  };
  const inspector = inspectorOf(table);
  assert.deepEqual(whyDocument(backendOf(inspector), { pid: 5 }).reports[0].verdict, {
    kind: 'not-blocked',
    text: 'not blocked on a synchronization object (sleeping in epoll_wait)',
  });
  assert.deepEqual(whyDocument(backendOf(inspector), { pid: 8 }).reports[0].verdict, { kind: 'not-blocked', text: 'not blocked on a synchronization object (running)' });
});

test('errors: no inspector, nothing found, one process that fails (typed), several with one failing (reported)', () => {
  assert.throws(() => whyDocument({ platform: 'win32' } as Backend, { pid: 1 }), (e: any) => e.kind === 'unsupported');
  const table: Table = {
    10: new NativeError('access-denied', 'inspect', 'cannot see what process 10 waits for'),
    11: proc(11, 'twin', [running(11)]),
  };
  const backend = backendOf(inspectorOf(table));
  assert.throws(() => whyDocument(backend, { pid: 12 }), (e: any) => e.kind === 'not-found' && e.message === 'no process with pid 12');
  assert.throws(() => whyDocument(backend, { name: 'nope' }), (e: any) => e.kind === 'not-found' && e.message === 'no process named "nope"');
  assert.throws(() => whyDocument(backend, { pid: 10 }), (e: any) => e instanceof NativeError && e.kind === 'access-denied');
  const twins: Table = { 11: proc(11, 'twin', [running(11)]), 13: proc(13, 'twin', [running(13)]) };
  twins[12] = new NativeError('vanished', 'inspect', 'process 12 exited while it was being read');
  const inspector = inspectorOf(twins);
  const findTwins = inspector.findProcesses;
  inspector.findProcesses = (query) => (('name' in query) ? [12, 11, 13].map((pid) => ({ pid, name: 'twin', parentPid: null, commandLine: null, user: null })) : findTwins(query));
  const document = whyDocument(backendOf(inspector), { name: 'twin' });
  assert.deepEqual(document.reports.map((r) => [r.process.pid, r.verdict.kind]), [[11, 'not-blocked'], [12, 'unknown'], [13, 'not-blocked']]);
  assert.equal(document.reports[1].verdict.text, 'cannot tell: process 12 exited while it was being read');
});

test(`a name matching more than ${MAX_MATCHES} processes: the lowest pids, and the document says so`, () => {
  const table: Table = {};
  for (let pid = 100; pid < 100 + MAX_MATCHES + 3; pid++) table[pid] = proc(pid, 'many', [running(pid)]);
  const document = whyDocument(backendOf(inspectorOf(table)), { name: 'many' });
  assert.equal(document.reports.length, MAX_MATCHES);
  assert.equal(document.reports[0].process.pid, 100);
  assert.match(document.unavailable.matches, new RegExp(`^${MAX_MATCHES + 3} processes are named "many"`));
});

test(`a semaphore mapped by more than ${MAX_CANDIDATES} processes: the first are looked at, the rest counted`, () => {
  const table: Table = { 1: proc(1, 'pool', [waiting(1, [sem])]) };
  const mappers = [1];
  for (let pid = 2; pid < 2 + MAX_CANDIDATES + 5; pid++) {
    table[pid] = proc(pid, 'pool', [sleeping(pid, 'read')]);
    mappers.push(pid);
  }
  const [thread] = whyDocument(backendOf(inspectorOf(table, { [sem.id]: mappers })), { pid: 1 }).reports[0].threads;
  assert.equal(thread.end!.candidates!.length, MAX_CANDIDATES - 1, 'the waiter itself is not a candidate');
  assert.match(thread.end!.text, /\(sleeping in read\), and 6 more not looked at$/);
});

test('the live engine: a wait it has seen longer than the scheduler tells is said with its figure', () => {
  const table: Table = {
    20: proc(20, 'a', [waiting(20, [sem], 150), waiting(21, [sem], null), waiting(22, [sem], 90_000)]),
  };
  const clock = new WaitClock();
  clock.observe(1000, [{ pid: 20, tid: 20, object: sem.id }, { pid: 20, tid: 21, object: sem.id }, { pid: 20, tid: 22, object: sem.id }]);
  clock.observe(2000, [{ pid: 20, tid: 20, object: sem.id }, { pid: 20, tid: 21, object: sem.id }, { pid: 20, tid: 22, object: sem.id }]);
  const document = whyDocument(backendOf(inspectorOf(table)), { pid: 20 }, { waitSince: (p, t, o) => clock.since(p, t, o), now: () => 61_000 });
  const durations = document.reports[0].threads.map((t) => t.wait!.duration);
  assert.deepEqual(durations[0], { ms: 60_000, atLeast: true, source: 'sampler' }, 'woken now and then (a timed wait in a loop): the sampler saw it longer');
  assert.deepEqual(durations[1], { ms: 60_000, atLeast: true, source: 'sampler' }, 'the scheduler could not tell');
  assert.deepEqual(durations[2], at(90_000), 'the scheduler knows more');
  // A wait not seen in a pass is forgotten.
  clock.observe(3000, [{ pid: 20, tid: 21, object: sem.id }]);
  assert.equal(clock.since(20, 20, sem.id), undefined);
  assert.equal(clock.since(20, 21, sem.id), 1000);
  assert.equal(clock.size, 1);
});

test('formatDuration: tenths under 10 s, seconds, minutes, hours', () => {
  assert.deepEqual([formatDuration(420), formatDuration(42_000), formatDuration(185_000), formatDuration(3 * 3_600_000 + 60_000)], ['0.4 s', '42 s', '3 min 5 s', '3 h 1 min']);
});
