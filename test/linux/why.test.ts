// `syncscope why` and `deadlocks` on Linux against real stuck programs: Python's multiprocessing
// (fork: semaphores unlinked at once; spawn: named), util-linux flock(1) chains through parent
// waits, and small C programs built here with gcc (pthread mutex ABBA deadlocks between two
// processes and between two threads, a System V semop, a parent in wait4 on a stuck child).
// Oracles: each program reports its own pids, thread ids, mutex addresses and semaphore inodes;
// /proc/<pid>/task/<tid>/syscall shows each thread really blocked; lslocks and ipcs show the locks
// and semaphore sets. Every program runs in its own process group, killed at cleanup.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import { whyDocument } from '../../core/why';
import { loadBackend, type Backend, type ProcessInspector } from '../../native';
import { liveResourceCount } from '../../native/linux/fd';
import { LinuxInspector } from '../../native/linux/inspector';
import { deadlockReportSchema, objectReportSchema, whyDocumentSchema, type WhyDocument } from '../../protocol';
import { assertCleanFailure, runCli } from '../support/cli-runs';
import { ROOT, RUN_PREFIX, cleanupAll, onCleanup, ipcmk, ipcsSemaphores, lslocks, notLinux, openFdCount, tempDir, waitFor } from '../support/linux';
import { Program, blockedIn, childrenOf, whyFixture } from '../support/programs';
import { runtimeMissing } from '../support/runtime';

const FUTEX = 202;
const SEMTIMEDOP = 220;
const SEMOP = 65;
const FLOCK = 73;
const WAIT4 = 61;
const x64Only = process.arch !== 'x64' ? 'syscall numbers in this test are x86_64 ones' : undefined;
const skipAll = notLinux ?? x64Only;
const noPython = skipAll ? undefined : runtimeMissing('python3', ['python3', '--version']);
const noGcc = skipAll ? undefined : runtimeMissing('gcc', ['gcc', '--version']);
const noFlock = skipAll ? undefined : runtimeMissing('util-linux flock', ['flock', '--version']);
/** A user without the rights to look into root's processes. */
const NOBODY = 'nobody';

async function why(target: number | string): Promise<WhyDocument> {
  const result = await runCli(['why', String(target), '--json']);
  assert.equal(result.code, 0, `why ${target} exited ${result.code}: ${result.stderr}`);
  return whyDocumentSchema.parse(JSON.parse(result.stdout));
}

const json = async (args: string[]) => JSON.parse((await runCli(args)).stdout);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('why: Python multiprocessing', { skip: skipAll ?? noPython, timeout: 180_000 }, () => {
  after(() => cleanupAll());

  for (const method of ['fork', 'spawn'] as const) {
    test(`${method}: each waiter waits for its semaphore, count 0, for at least the time it has blocked; the holder and the others are listed`, { timeout: 90_000 }, async () => {
      const started = Date.now();
      const prefix = `${RUN_PREFIX}_${method}`;
      onCleanup(() => {
        for (const file of fs.readdirSync('/dev/shm')) if (file.startsWith(`sem.${prefix}-`)) fs.rmSync(`/dev/shm/${file}`, { force: true });
      });
      const program = new Program('python3', [path.join(ROOT, 'test/fixtures/mp-stuck.py'), method, prefix]);
      const facts = await program.first(30_000);
      const [waiterA, waiterB] = facts.lockWaiters as number[];
      const blockedSince = await waitFor('the three waiters in futex', () =>
        [waiterA, waiterB, facts.semaphoreWaiter].every((pid) => blockedIn(pid) === FUTEX) && Date.now(),
      20_000);
      await sleep(1500);
      const asked = Date.now();
      const document = await why(waiterA);
      const answered = Date.now();
      assert.equal(document.reports.length, 1);
      const [report] = document.reports;
      assert.equal(report.process.pid, waiterA);
      assert.equal(report.process.name, 'python3');

      const thread = report.threads.find((t) => t.tid === waiterA)!;
      assert.equal(thread.call, 'futex');
      const [object] = thread.wait!.objects;
      assert.equal(object.kind, 'posix-semaphore');
      if (method === 'fork') {
        // Unlinked: named by device and inode (the program's own maps line for its handle), no name.
        assert.match(facts.lock.path, /^\/dev\/shm\/sem\.\S+ \(deleted\)$/);
        assert.equal(facts.lockName, null);
        assert.equal(object.id, `sem-inode:${facts.lock.device}:${facts.lock.inode}`);
        assert.equal(object.name, null);
        assert.match(object.label, /^sem\.\S{6} \(deleted\)$/);
        assert.match(report.verdict.text, /^waiting for semaphore sem\.\S{6} \(deleted, count 0\) for at least \d/);
      } else {
        assert.ok(facts.lockName.startsWith(`/${prefix}-`), facts.lockName);
        assert.equal(object.id, `/dev/shm/sem.${facts.lockName.slice(1)}`);
        assert.equal(object.name, facts.lockName.slice(1));
        assert.match(report.verdict.text, new RegExp(`^waiting for semaphore sem\\.${facts.lockName.slice(1)} \\(count 0\\) for at least \\d`));
      }
      assert.equal(report.verdict.kind, 'waiting');
      assert.deepEqual(object.state, { count: 0, waiters: 2 });

      // How long: a lower bound, never more than the time since the program started, and at
      // least most of the time we watched it blocked (the task clock leaves out interrupt time).
      const duration = thread.wait!.duration;
      assert.equal(duration.source, 'scheduler');
      assert.equal(duration.atLeast, true);
      assert.ok(duration.ms! <= answered - started, `${duration.ms} ms, but the program started ${answered - started} ms ago`);
      assert.ok(duration.ms! >= 0.5 * (asked - blockedSince), `${duration.ms} ms, blocked for ${asked - blockedSince} ms before the call`);

      // Who could post it: every process that maps it, with what it does.
      assert.equal(thread.end!.reason, 'no-owner');
      const candidates = new Map(thread.end!.candidates!.map((c) => [c.pid, c]));
      assert.equal(candidates.get(facts.holder)?.activity, 'blocked');
      assert.equal(candidates.get(facts.holder)?.doing, 'sleeping in clock_nanosleep');
      assert.equal(candidates.get(waiterB)?.activity, 'waiting-too');
      // Fork: every child inherited both mappings; spawn: each opened only what it was given.
      if (method === 'fork') assert.match(candidates.get(facts.semaphoreWaiter)!.doing, /^waiting for semaphore /);
      else assert.ok(!candidates.has(facts.semaphoreWaiter));
      assert.match(candidates.get(facts.parent)!.doing, /^waiting for child python3 \(\d+\) to exit/);
      assert.ok(!candidates.has(waiterA), 'the waiter itself is not its own candidate');
      assert.match(report.verdict.text, new RegExp(`processes that map it: .*${waiterB} \\(waiting on it too\\)`));
      assert.match(report.verdict.text, new RegExp(`${facts.holder} \\(sleeping in clock_nanosleep\\)`));
      const known = report.objects[object.id];
      assert.deepEqual(
        known.holders!.map((h) => h.pid).sort(),
        [facts.parent, facts.holder, waiterA, waiterB, ...(method === 'fork' ? [facts.semaphoreWaiter] : [])].sort(),
      );
      assert.deepEqual(known.waiters.map((w) => w.pid).sort(), [waiterA, waiterB].sort());

      // The Semaphore(0) waiter, by the same analysis.
      const other = (await why(facts.semaphoreWaiter)).reports[0];
      const semaphore = other.threads.find((t) => t.tid === facts.semaphoreWaiter)!.wait!.objects[0];
      assert.deepEqual(semaphore.state, { count: 0, waiters: 1 });
      if (method === 'fork') assert.equal(semaphore.id, `sem-inode:${facts.semaphore.device}:${facts.semaphore.inode}`);

      // list shows both objects (fork: by inode, named as maps shows them; spawn: by name, and
      // never a second time as unlinked: the creator's mapping shows glibc's temporary name).
      const reports = ((await json(['list', '--json', '--kind', 'posix-semaphore'])) as unknown[]).map((r) => objectReportSchema.parse(r));
      const lock = reports.find((r) => r.path === object.id)!;
      assert.ok(lock, `${object.id} in list`);
      assert.deepEqual(lock.state, { count: 0, waiters: 2 });
      assert.deepEqual(lock.waiters!.map((w) => w.pid).sort(), [waiterA, waiterB].sort());
      if (method === 'fork') assert.match(lock.name, /^sem\.\S{6} \(deleted\)$/);
      else assert.ok(!reports.some((r) => r.path === `sem-inode:${facts.lock.device}:${facts.lock.inode}`), 'a named semaphore is not also listed as unlinked');

      // show reads it again by the id list printed.
      const shown = objectReportSchema.parse(await json(['show', object.id, '--json']));
      assert.deepEqual(shown.state, { count: 0, waiters: 2 });

      // No cycle here: a semaphore has no owner.
      const deadlocks = deadlockReportSchema.parse(await json(['deadlocks', '--json']));
      assert.ok(!deadlocks.deadlocks.some((d) => d.chain.some((n) => n.type !== 'object' && n.pid === waiterA)));
      program.kill();
    });
  }
});

describe('why: the live engine', { skip: skipAll ?? noPython, timeout: 120_000 }, () => {
  after(() => cleanupAll());

  test('unlinked semaphores are scanned, sampled and kept in history; the why request says a timed wait in a loop with the sampler\'s figure', { timeout: 90_000 }, async () => {
    const prefix = `${RUN_PREFIX}_live`;
    const program = new Program('python3', [path.join(ROOT, 'test/fixtures/mp-stuck.py'), 'fork', prefix, 'polling']);
    const facts = await program.first(30_000);
    const lockId = `sem-inode:${facts.lock.device}:${facts.lock.inode}`;
    const audit = new AuditLog(path.join(tempDir(), 'audit.log'), 'app');
    const service = new Service(loadBackend(), { audit, rates: { scanMs: 200, stateMs: 50, holdersMs: 200 } });
    onCleanup(() => void service.dispose());
    service.start();
    try {
      const record = await waitFor('the unlinked lock tracked with its two waiters', () => {
        const r = service.sampler.stream.get(lockId);
        return r && (r.waiters?.length ?? 0) === 2 && r;
      }, 20_000);
      assert.match(record.name, /^sem\.\S{6} \(deleted\)$/);
      assert.deepEqual(record.state, { count: 0, waiters: 2 });
      const seenSince = Date.now();
      await sleep(2500);
      const history = await service.handlers.history({ path: lockId, fromMs: 0, toMs: Date.now(), maxPoints: 100 });
      assert.ok(history.length > 0 && history.every((p) => p.value === 0), JSON.stringify(history.slice(0, 3)));

      const document = whyDocumentSchema.parse(await service.handlers.why({ pid: facts.lockWaiters[0] }));
      const wait = document.reports[0].threads[0].wait!;
      assert.equal(wait.objects[0].id, lockId);
      // Woken every 0.5 s, the scheduler can only vouch for the last half second; the engine has
      // seen it wait on the lock at every pass for over two.
      assert.equal(wait.duration.source, 'sampler');
      assert.ok(wait.duration.ms! >= 2000 && wait.duration.ms! <= Date.now() - seenSince + 5000, `${wait.duration.ms} ms`);
    } finally {
      await service.dispose();
      program.kill();
    }
  });
});

describe('why: C programs (gcc)', { skip: skipAll ?? noGcc, timeout: 180_000 }, () => {
  let fixture: string;
  before(() => {
    fixture = whyFixture();
  });
  after(() => cleanupAll());

  test('an ABBA deadlock between two threads of one process: the cycle, its mutexes by address, owners inferred', { timeout: 60_000 }, async () => {
    const program = new Program(fixture, ['abba-threads']);
    const facts = await program.first();
    await waitFor('both threads in futex', () => blockedIn(facts.pid, facts.a) === FUTEX && blockedIn(facts.pid, facts.b) === FUTEX);
    const document = await why(facts.pid);
    const [report] = document.reports;
    assert.equal(report.verdict.kind, 'deadlocked');
    assert.match(report.verdict.text, new RegExp(`^deadlocked: thread (${facts.a}|${facts.b}) waits for pthread mutex at 0x[0-9a-f]+ in why-fixture \\(${facts.pid}\\) held by thread (${facts.a}|${facts.b}) \\(this process\\)`));
    const byTid = new Map(report.threads.map((t) => [t.tid, t]));
    // Thread a holds A and waits for B, held by b; b the reverse (the program's own addresses).
    const waitA = byTid.get(facts.a)!.wait!.objects[0];
    const waitB = byTid.get(facts.b)!.wait!.objects[0];
    assert.equal(waitA.id, `futex:${facts.pid}@${facts.mutexB}`);
    assert.equal(waitB.id, `futex:${facts.pid}@${facts.mutexA}`);
    assert.deepEqual(waitA.owner, { pid: facts.pid, tid: facts.b, inferred: true, source: 'glibc pthread_mutex_t.__owner' });
    assert.deepEqual(waitB.owner, { pid: facts.pid, tid: facts.a, inferred: true, source: 'glibc pthread_mutex_t.__owner' });
    assert.equal(byTid.get(facts.a)!.end!.reason, 'cycle');
    // The main thread joins thread a: its wait is that thread, and its chain runs into the cycle.
    const main = byTid.get(facts.pid)!;
    assert.equal(main.wait!.objects[0].id, `thread:${facts.a}`);
    assert.equal(main.end!.reason, 'cycle');
    assert.equal(report.deadlocks.length, 1);
    const cycleTids = report.deadlocks[0].chain.filter((n) => n.type === 'thread').map((n) => (n as { tid: number }).tid);
    assert.deepEqual([...new Set(cycleTids)].sort(), [facts.a, facts.b].sort());

    const deadlocks = deadlockReportSchema.parse(await json(['deadlocks', '--json']));
    assert.ok(deadlocks.deadlocks.some((d) => d.chain.some((n) => n.type === 'thread' && n.tid === facts.a)), 'deadlocks reports the same cycle');

    // Without the rights to read it: why refuses in one line, deadlocks says it is incomplete.
    assertCleanFailure(await runCli(['why', String(facts.pid)], { user: NOBODY }), 4, new RegExp(`^syncscope: cannot see what process ${facts.pid} \\(why-fixture, uid 0\\) waits for: .*EACCES.*run as its user or root$`));
    const blind = await runCli(['deadlocks', '--json'], { user: NOBODY });
    assert.equal(blind.code, 0, blind.stderr);
    const blindReport = deadlockReportSchema.parse(JSON.parse(blind.stdout));
    assert.match(blindReport.unavailable.waiters, /^incomplete: \d+ process(es)? could not be read in \/proc \(run as their user or root\)$/);
    // The count in the line, the pids in the JSON: the stuck root process among them.
    assert.ok(blindReport.unreadablePids?.includes(facts.pid), JSON.stringify(blindReport.unreadablePids));
    assert.ok(!blindReport.deadlocks.some((d) => d.chain.some((n) => n.type !== 'object' && n.pid === facts.pid)));
    program.kill();
  });

  test('why leaves nothing open: descriptors, mappings, and this thread runs on the CPUs it had', { timeout: 60_000 }, async () => {
    const name = `/${RUN_PREFIX}_unlinked`;
    onCleanup(() => fs.rmSync(`/dev/shm/sem.${name.slice(1)}`, { force: true }));
    const program = new Program(fixture, ['unlinked-wait', name]);
    const facts = await program.first();
    await waitFor('the waiter in futex', () => blockedIn(facts.pid) === FUTEX);
    const backend = loadBackend();
    const cpus = () => /^Cpus_allowed_list:\s*(.*)$/m.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))![1];
    const before = { live: liveResourceCount(), fds: openFdCount(), cpus: cpus() };
    try {
      for (let i = 0; i < 3; i++) {
        const [report] = whyDocument(backend, { pid: facts.pid }).reports;
        const object = report.threads[0].wait!.objects[0];
        assert.match(object.id, /^sem-inode:/);
        assert.equal(object.name, null);
        assert.deepEqual(object.state, { count: 0, waiters: 1 });
        assert.equal(report.threads[0].wait!.duration.source, 'scheduler');
      }
      assert.deepEqual({ live: liveResourceCount(), fds: openFdCount(), cpus: cpus() }, before);
    } finally {
      backend.dispose();
      program.kill();
    }
  });

  test('an ABBA deadlock between two processes over process-shared mutexes in a file: named by file and offset', { timeout: 60_000 }, async () => {
    const file = path.join(tempDir(), 'shared.bin');
    const program = new Program(fixture, ['abba-processes', file]);
    const facts = await program.first();
    await waitFor('both processes in futex', () => blockedIn(facts.parent) === FUTEX && blockedIn(facts.child) === FUTEX);
    const stat = fs.statSync(file, { bigint: true });
    const device = `${((stat.dev >> 8n) & 0xfffn).toString(16).padStart(2, '0')}:${(stat.dev & 0xffn).toString(16).padStart(2, '0')}`;
    const document = await why(facts.parent);
    const [report] = document.reports;
    assert.equal(report.verdict.kind, 'deadlocked');
    const wait = report.threads.find((t) => t.tid === facts.parent)!.wait!.objects[0];
    assert.equal(wait.id, `futex:${device}:${stat.ino}+0x40`);
    assert.equal(wait.label, `pthread mutex in ${file} at offset 0x40`);
    assert.deepEqual(wait.owner, { pid: facts.child, tid: facts.child, inferred: true, source: 'glibc pthread_mutex_t.__owner' });
    assert.equal(
      report.verdict.text,
      `deadlocked: thread ${facts.parent} waits for pthread mutex in ${file} at offset 0x40 held by why-fixture (${facts.child}) (inferred from glibc pthread_mutex_t.__owner), ` +
        `which waits for pthread mutex in ${file} at offset 0x0 held by thread ${facts.parent} (this process) (inferred from glibc pthread_mutex_t.__owner)`,
    );
    const deadlocks = deadlockReportSchema.parse(await json(['deadlocks', '--json']));
    const cycle = deadlocks.deadlocks.find((d) => d.chain.some((n) => n.type === 'object' && n.path === wait.id));
    assert.ok(cycle, 'deadlocks finds the same cycle through the unnamed mutexes');
    assert.deepEqual(
      [...new Set(cycle.chain.filter((n) => n.type !== 'object').map((n) => (n as { pid: number }).pid))].sort(),
      [facts.parent, facts.child].sort(),
    );
    program.kill();
  });

  test('a System V semop wait, and a parent in wait4 on that stuck child: the chain through the child', { timeout: 60_000 }, async () => {
    const semid = ipcmk(1);
    const program = new Program(fixture, ['parent-wait', String(semid)]);
    const facts = await program.first();
    await waitFor('the child in semtimedop, the parent in wait4', () =>
      [SEMOP, SEMTIMEDOP].includes(blockedIn(facts.child) ?? -1) && blockedIn(facts.parent) === WAIT4,
    );
    assert.equal(ipcsSemaphores(semid)[0].ncount, 1, 'ipcs: one process waits for an increase');

    const child = (await why(facts.child)).reports[0];
    const semWait = child.threads[0].wait!;
    assert.equal(semWait.objects[0].id, `sysv:${semid}`);
    assert.equal(semWait.detail, 'take 1 from #0');
    assert.match(child.verdict.text, new RegExp(`^waiting for System V semaphore set ${semid} \\(key 0x[0-9a-f]+, values 0\\) for at least [\\d.]+ s; a System V semaphore has no owner`));

    const parent = (await why(facts.parent)).reports[0];
    const thread = parent.threads[0];
    assert.equal(thread.call, 'wait4');
    assert.deepEqual(thread.wait!.objects.map((o) => o.id), [`process:${facts.child}`]);
    assert.deepEqual(thread.chain!.map((s) => [s.pid, s.waitsFor]), [
      [facts.parent, `process:${facts.child}`],
      [facts.child, `sysv:${semid}`],
    ]);
    assert.equal(thread.end!.reason, 'no-owner');
    assert.match(parent.verdict.text, new RegExp(`^waiting for child why-fixture \\(${facts.child}\\) to exit for at least [\\d.]+ s; why-fixture \\(${facts.child}\\) waits for System V semaphore set ${semid} `));
    program.kill();
  });
});

describe('why: util-linux flock chains', { skip: skipAll ?? noFlock, timeout: 120_000 }, () => {
  after(() => cleanupAll());

  test('a process blocked in flock(1) waits for the holder, which waits for its command to exit', { timeout: 60_000 }, async () => {
    const file = path.join(tempDir(), 'chain.lock');
    fs.writeFileSync(file, '');
    const holder = new Program('flock', [file, 'sleep', '600']);
    await waitFor('the holder in wait4', () => blockedIn(holder.pid) === WAIT4);
    const [sleeper] = childrenOf(holder.pid);
    const waiter = new Program('flock', [file, 'true']);
    await waitFor('the waiter in flock', () => blockedIn(waiter.pid) === FLOCK);
    // Oracle: lslocks shows the holder and the blocked request.
    const locks = lslocks().filter((l) => l.path === file);
    assert.ok(locks.some((l) => l.pid === holder.pid && l.type === 'FLOCK' && !l.blocker), JSON.stringify(locks));

    const [report] = (await why(waiter.pid)).reports;
    const thread = report.threads[0];
    assert.equal(thread.call, 'flock');
    assert.deepEqual(thread.chain!.map((s) => [s.pid, s.waitsFor?.split(':')[0] ?? null]), [
      [waiter.pid, 'lock'],
      [holder.pid, 'process'],
      [sleeper, null],
    ]);
    assert.deepEqual(thread.chain![0].heldBy, { pid: holder.pid, tid: null, inferred: false, source: '/proc/locks' });
    assert.equal(thread.end!.reason, 'blocked');
    assert.equal(
      report.verdict.text.replace(/at least [\d.]+ s/, 'at least N s'),
      `waiting for FLOCK WRITE lock on ${file} (0-EOF) held by flock (${holder.pid}) for at least N s; flock (${holder.pid}) waits for child sleep (${sleeper}) to exit; sleep (${sleeper}) is sleeping in clock_nanosleep`,
    );
    holder.kill();
    waiter.kill();
  });

  test('two flock(1) chains each holding the file the other wants: a deadlock through their parent waits', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const [c, d] = [path.join(dir, 'c.lock'), path.join(dir, 'd.lock')];
    fs.writeFileSync(c, '');
    fs.writeFileSync(d, '');
    const first = new Program('flock', [c, 'sh', '-c', `sleep 0.5; exec flock ${d} sleep 600`]);
    const second = new Program('flock', [d, 'sh', '-c', `sleep 0.5; exec flock ${c} sleep 600`]);
    const inner = await waitFor('both inner flocks blocked', () => {
      const children = [...childrenOf(first.pid), ...childrenOf(second.pid)];
      return children.length === 2 && children.every((pid) => blockedIn(pid) === FLOCK) && children;
    });
    const report = deadlockReportSchema.parse(await json(['deadlocks', '--json']));
    const cycle = report.deadlocks.find((dl) => dl.chain.some((n) => n.type !== 'object' && n.pid === first.pid));
    assert.ok(cycle, JSON.stringify(report.deadlocks));
    assert.deepEqual(
      [...new Set(cycle.chain.filter((n) => n.type !== 'object').map((n) => (n as { pid: number }).pid))].sort(),
      [first.pid, second.pid, ...inner].sort(),
    );
    const [why1] = (await why(first.pid)).reports;
    assert.equal(why1.verdict.kind, 'deadlocked');
    assert.match(why1.verdict.text, new RegExp(`^deadlocked: thread ${first.pid} waits for child flock \\(${inner[0]}\\) to exit, which waits for FLOCK WRITE lock on ${d} \\(0-EOF\\) held by flock \\(${second.pid}\\), which waits for child flock \\(${inner[1]}\\) to exit, which waits for FLOCK WRITE lock on ${c} \\(0-EOF\\) held by this process$`));
    first.kill();
    second.kill();
  });
});

describe('why: bash waiting for any child', { skip: skipAll, timeout: 60_000 }, () => {
  after(() => cleanupAll());

  test('wait4(-1): every child is waited on (any one ends it); the chain follows the first', { timeout: 30_000 }, async () => {
    // bash waits with wait4(-1) (dash with sigsuspend).
    const shell = new Program('bash', ['-c', 'sleep 600 & sleep 601 & wait']);
    const children = await waitFor('two sleeping children, the shell in wait4', () => {
      const found = childrenOf(shell.pid).sort((a, b) => a - b);
      return found.length === 2 && blockedIn(shell.pid) === WAIT4 && found.every((pid) => blockedIn(pid) !== undefined) && found;
    });
    const [report] = (await why(shell.pid)).reports;
    const wait = report.threads[0].wait!;
    assert.deepEqual(wait.objects.map((o) => o.id), children.map((pid) => `process:${pid}`));
    assert.equal(wait.mode, 'any');
    assert.equal(wait.detail, 'any child');
    assert.equal(report.threads[0].end!.reason, 'blocked');
    assert.match(report.verdict.text, new RegExp(`^waiting for child sleep \\(${children[0]}\\) to exit for at least [\\d.]+ s; sleep \\(${children[0]}\\) is sleeping in clock_nanosleep$`));
    shell.kill();
  });
});

describe('why: bad input and processes that go away', { skip: skipAll, timeout: 120_000 }, () => {
  after(() => cleanupAll());

  test('a pid that does not exist, a name nobody has, a malformed argument: one line and the exit code', { timeout: 60_000 }, async () => {
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    assertCleanFailure(await runCli(['why', String(pidMax)]), 3, new RegExp(`^syncscope: no process with pid ${pidMax}$`));
    assertCleanFailure(await runCli(['why', 'no-such-process-here']), 3, /^syncscope: no process named "no-such-process-here"$/);
    assertCleanFailure(await runCli(['why', 'a/b']), 2, /^syncscope: bad process "a\/b": give a pid/);
    assertCleanFailure(await runCli(['why', '99999999999']), 2, /^syncscope: bad process "99999999999": give a pid \(1 to 2147483647\)/);
    assertCleanFailure(await runCli(['why', '0']), 2, /^syncscope: bad process "0"/);
  });

  test('findProcesses by pid: a process and one of its thread ids find the same process, with its comm, parent, command line and uid', () => {
    const inspector = new LinuxInspector();
    const expected = {
      pid: process.pid,
      name: fs.readFileSync('/proc/self/comm', 'latin1').trimEnd(),
      parentPid: process.ppid,
      commandLine: fs.readFileSync('/proc/self/cmdline', 'latin1').replace(/\0+$/, '').split('\0').join(' '),
      user: String(process.getuid!()),
    };
    assert.deepEqual(inspector.findProcesses({ pid: process.pid }), [expected]);
    const tid = fs.readdirSync('/proc/self/task').map(Number).find((t) => t !== process.pid);
    assert.ok(tid !== undefined, 'node runs more than one thread');
    assert.deepEqual(inspector.findProcesses({ pid: tid }), [expected], `thread ${tid}`);
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    assert.deepEqual(inspector.findProcesses({ pid: pidMax }), []);
    inspector.close();
  });

  test('a zombie (exited, not yet reaped) and a process that exits during the analysis: vanished, exit 3', { timeout: 60_000 }, async () => {
    // `sleep 0.1` exits; its parent (exec'd into `sleep 600`) never reaps it.
    const parent = new Program('sh', ['-c', 'sleep 0.1 & exec sleep 600']);
    const zombie = await waitFor('a zombie child', () => {
      const [child] = childrenOf(parent.pid);
      return child !== undefined && /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${child}/stat`, 'utf8')) && child;
    });
    assertCleanFailure(await runCli(['why', String(zombie)]), 3, new RegExp(`^syncscope: process ${zombie} \\(sleep\\) has exited`));

    // Found, then gone before it is read: the inspector's own reads meet the vanished process.
    // (Its parent is a shell waiting for it, which reaps it at once.)
    const shell = new Program('sh', ['-c', 'sleep 600 & echo "{\\"pid\\": $!}"; wait']);
    const victim = { pid: (await shell.first()).pid as number, kill: () => process.kill(victim.pid, 'SIGKILL') };
    await waitFor('sleep in clock_nanosleep', () => blockedIn(victim.pid) !== undefined);
    // whyDocument asks a backend for its platform and its inspector only.
    const killing = {
      platform: 'linux',
      inspector: (): ProcessInspector => {
        const real = new LinuxInspector();
        return {
          findProcesses: (query) => {
            const found = real.findProcesses(query);
            victim.kill();
            spawnSync('sh', ['-c', `while [ -e /proc/${victim.pid} ]; do sleep 0.01; done`], { timeout: 5000 });
            return found;
          },
          waitingProcesses: () => real.waitingProcesses(),
          inspectProcess: (pid) => real.inspectProcess(pid),
          objectHolders: (ids) => real.objectHolders(ids),
          incomplete: () => real.incomplete(),
          unreadablePids: () => real.unreadablePids(),
          close: () => real.close(),
        };
      },
    } as unknown as Backend;
    assert.throws(
      () => whyDocument(killing, { pid: victim.pid }),
      (error: any) => ['vanished', 'not-found'].includes(error.kind) && new RegExp(`process ${victim.pid}|pid ${victim.pid}`).test(error.message),
    );
    parent.kill();
    shell.kill();
  });
});
