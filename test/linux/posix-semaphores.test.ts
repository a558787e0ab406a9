// POSIX named semaphores for real: fixture processes block in sem_wait (glibc, through koffi),
// and what SyncScope reports is checked against independent oracles: sem_getvalue in another
// process, and the threads' own /proc/<pid>/task/<tid>/syscall (futex on the sem_open address).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend, type CreatedObject, type PosixSemaphoreState } from '../../native';
import { objectReportSchema } from '../../protocol';
import { Fixture, RUN_PREFIX, cleanPosix, cleanupAll, cliJson, notLinux, runCli, threadsInSyscall, waitFor, wchan } from '../support/linux';

const FUTEX = 202; // x86_64
const x64Only = process.arch !== 'x64' ? 'syscall numbers in this test are x86_64 ones' : undefined;

/** The value as glibc's own sem_getvalue reports it, in a separate process. */
async function oracleValue(name: string): Promise<number> {
  const probe = Fixture.start('posix-value', `/${name}`);
  const line = await probe.line('value');
  await probe.exit();
  return line.value;
}

describe('POSIX named semaphores', { skip: notLinux ?? x64Only, timeout: 60_000 }, () => {
  let backend: Backend;
  let created: CreatedObject;
  const name = `${RUN_PREFIX}_sem`;
  const path = `/dev/shm/sem.${name}`;
  const sample = () => {
    const object = backend.open(name);
    try {
      return object.sample() as PosixSemaphoreState;
    } finally {
      object.close();
    }
  };

  before(() => {
    backend = loadBackend();
    cleanPosix(name);
    created = backend.create({ kind: 'posix-semaphore', name, count: 0 });
    assert.equal(created.path, path);
  });
  after(() => {
    created?.close();
    backend?.dispose();
    cleanupAll();
  });

  test('two processes blocked in sem_wait: count 0, 2 waiters, and exactly their threads', { timeout: 30_000 }, async () => {
    const onMain = Fixture.start('posix-wait', `/${name}`, 'main');
    const onWorker = Fixture.start('posix-wait', `/${name}`, 'thread');
    const [a, b] = await Promise.all([onMain.line('blocking'), onWorker.line('blocking')]);
    // Oracle: the kernel's own view of each process, futex() on the address sem_open returned.
    const mainTids = await waitFor('main-thread waiter in futex', () => {
      const tids = threadsInSyscall(onMain.pid, FUTEX, BigInt(a.address));
      return tids.length === 1 && tids;
    });
    const workerTids = await waitFor('worker-thread waiter in futex', () => {
      const tids = threadsInSyscall(onWorker.pid, FUTEX, BigInt(b.address));
      return tids.length === 1 && tids;
    });
    assert.deepEqual(mainTids, [onMain.pid], 'sem_wait on the main thread: tid = pid');
    assert.notEqual(workerTids[0], onWorker.pid, 'sem_wait on a libuv worker thread has its own tid');
    assert.match(wchan(onMain.pid), /futex/);

    await waitFor('both waiters counted in the semaphore word', () => sample().waiters === 2);
    assert.deepEqual(sample(), { count: 0, waiters: 2 });
    assert.equal(await oracleValue(name), 0);

    const waiters = backend.waiters([path]).waiters.get(path)!;
    assert.deepEqual(
      waiters.map((w) => ({ pid: w.pid, tid: w.tid })).sort((x, y) => x.pid - y.pid),
      [
        { pid: onMain.pid, tid: onMain.pid },
        { pid: onWorker.pid, tid: workerTids[0] },
      ].sort((x, y) => x.pid - y.pid),
    );
    assert.ok(waiters.every((w) => w.processName === 'node'), JSON.stringify(waiters));

    // Holders: every process that maps the file (both waiters), never the inspector itself.
    const holders = backend.holders([path]).holders.get(path)!.map((h) => h.pid);
    assert.ok(holders.includes(onMain.pid) && holders.includes(onWorker.pid), `holders ${holders}`);
    assert.ok(!holders.includes(process.pid));

    // post(1) wakes exactly one; the other stays blocked and stays listed.
    const posted = await backend.act({ action: 'post', name, count: 1 });
    assert.equal(posted.previousCount, 0);
    await waitFor('one waiter to wake', () => [onMain, onWorker].filter((f) => f.lines.some((l) => l.woke)).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const woken = [onMain, onWorker].filter((f) => f.lines.some((l) => l.woke));
    assert.equal(woken.length, 1, 'exactly one waiter woke');
    const still = woken[0] === onMain ? onWorker : onMain;
    await waitFor('the word to show one waiter', () => sample().waiters === 1);
    assert.deepEqual(sample(), { count: 0, waiters: 1 });
    assert.deepEqual(backend.waiters([path]).waiters.get(path)!.map((w) => w.pid), [still.pid]);

    // `signal` is post on a POSIX semaphore.
    const signalled = await backend.act({ action: 'signal', name, count: 1 });
    assert.equal(signalled.action, 'post');
    await still.line('woke');
    await waitFor('no waiters left', () => sample().waiters === 0);
    assert.deepEqual(sample(), { count: 0, waiters: 0 });
    assert.deepEqual(backend.waiters([path]).waiters.get(path), []);
  });

  test('post, trywait, drain and acquire change the value exactly as sem_getvalue sees it', { timeout: 30_000 }, async () => {
    await backend.act({ action: 'post', name, count: 5 });
    assert.equal(sample().count, 5);
    assert.equal(await oracleValue(name), 5);

    const took = await backend.act({ action: 'trywait', name, count: 2 });
    assert.equal(took.acquired, 2);
    assert.deepEqual(took.state, { count: 3, waiters: 0 });
    assert.equal(await oracleValue(name), 3);

    // All or nothing: 4 of 3 fails and leaves the 3.
    await assert.rejects(backend.act({ action: 'trywait', name, count: 4 }), (e: any) => e.kind === 'timeout');
    assert.equal(await oracleValue(name), 3);

    const drained = await backend.act({ action: 'drain', name });
    assert.equal(drained.acquired, 3);
    assert.equal(await oracleValue(name), 0);
    assert.equal((await backend.act({ action: 'drain', name })).acquired, 0);

    // acquire waits (sem_clockwait on a worker thread): the event loop stays free to post.
    const started = Date.now();
    setTimeout(() => void backend.act({ action: 'release', name, count: 1 }), 300);
    const acquired = await backend.act({ action: 'acquire', name, count: 1, timeoutMs: 5000 });
    assert.equal(acquired.action, 'trywait');
    assert.equal(acquired.acquired, 1);
    assert.ok(Date.now() - started >= 250, 'acquire waited for the post');
    await assert.rejects(backend.act({ action: 'acquire', name, timeoutMs: 150 }), (e: any) => e.kind === 'timeout');
    assert.equal(await oracleValue(name), 0);
  });

  test('the CLI: list --json and show follow the contract; names foo, /foo and /dev/shm/sem.foo agree', { timeout: 30_000 }, async () => {
    const waiter = Fixture.start('posix-wait', `/${name}`, 'main');
    await waiter.line('blocking');
    await waitFor('waiter counted', () => sample().waiters === 1);
    const listed = await cliJson(['list', '--kind', 'posix-semaphore', '--name', `${RUN_PREFIX}*`]);
    assert.equal(listed.length, 1);
    const [report] = listed;
    objectReportSchema.parse(report);
    assert.equal(report.kind, 'posix-semaphore');
    assert.equal(report.name, name);
    assert.equal(report.path, path);
    assert.deepEqual(Object.keys(report.state).sort(), ['count', 'waiters']);
    assert.ok(report.holders.some((h: { pid: number }) => h.pid === waiter.pid));
    assert.deepEqual(report.state, { count: 0, waiters: 1 });
    assert.deepEqual(report.waiters.map((w: { pid: number; tid: number }) => [w.pid, w.tid]), [[waiter.pid, waiter.pid]]);

    for (const form of [name, `/${name}`, path]) {
      const shown = await cliJson(['show', form]);
      assert.equal(shown.path, path, form);
      assert.equal(shown.kind, 'posix-semaphore');
    }
    waiter.kill();
    await waiter.exit();
  });

  test('the CLI: list --json through a pipe is complete when it is far more than the 64 KiB a pipe holds', { timeout: 60_000 }, async () => {
    const many = Array.from({ length: 600 }, (_, i) => `${RUN_PREFIX}_many_${'x'.repeat(100)}_${i}`);
    try {
      for (const each of many) backend.create({ kind: 'posix-semaphore', name: each, count: 1 }).close();
      const run = await runCli(['list', '--json', '--no-holders', '--no-waiters', '--name', `${RUN_PREFIX}_many_*`]);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.length > 2 * 65536, `only ${run.stdout.length} bytes: too few to test a full pipe`);
      const listed = JSON.parse(run.stdout) as Array<{ name: string }>;
      assert.deepEqual(listed.map((report) => report.name).sort(), [...many].sort());
    } finally {
      for (const each of many) cleanPosix(each);
    }
  });

  test('the CLI creates, signals, acquires and unlinks (unlink asks for --yes off a terminal)', { timeout: 30_000 }, async () => {
    const other = `${RUN_PREFIX}_cli`;
    cleanPosix(other);
    const made = await cliJson(['create', 'posix-semaphore', other, '--count', '2', '--hold', '0']);
    assert.deepEqual(made.path, `/dev/shm/sem.${other}`);
    assert.equal(await oracleValue(other), 2, 'the semaphore outlives the create command');

    const signalled = await cliJson(['signal', other, '--count', '3']);
    assert.deepEqual(signalled.state, { count: 5, waiters: 0 });
    const acquired = await cliJson(['acquire', `/${other}`, '--count', '4']);
    assert.equal(acquired.acquired, 4);
    const released = await cliJson(['release', `/dev/shm/sem.${other}`]);
    assert.deepEqual(released.state, { count: 2, waiters: 0 });
    assert.equal(await oracleValue(other), 2);

    const timedOut = await runCli(['acquire', other, '--count', '3', '--timeout', '100']);
    assert.equal(timedOut.code, 5, timedOut.stderr);

    const unconfirmed = await runCli(['unlink', other]);
    assert.equal(unconfirmed.code, 2);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.equal(await oracleValue(other), 2, 'still there');
    const unlinked = await runCli(['unlink', other, '--yes']);
    assert.equal(unlinked.code, 0, unlinked.stderr);
    const gone = await runCli(['show', other]);
    assert.equal(gone.code, 3);
    const again = await runCli(['create', 'posix-semaphore', other, '--hold', '0']);
    assert.equal(again.code, 0, 'the name is free again');
    const exists = await runCli(['create', 'posix-semaphore', other, '--hold', '0']);
    assert.equal(exists.code, 1);
    assert.match(exists.stderr, /EEXIST/);
  });
});
