// System V semaphore sets for real: sets made by util-linux ipcmk, fixture processes blocked in
// semop, and every value, waiter count and last pid checked against `ipcs -s -i ID`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend, type SysvSemaphoreState } from '../../native';
import { objectReportSchema } from '../../protocol';
import { Fixture, cleanSysv, cleanupAll, cliJson, ipcmk, ipcsSemaphores, notLinux, runCli, threadsInSyscall, waitFor } from '../support/linux';

const SEMTIMEDOP = 220; // x86_64; glibc's semop() is semtimedop(..., NULL)
const x64Only = process.arch !== 'x64' ? 'syscall numbers in this test are x86_64 ones' : undefined;

describe('System V semaphore sets', { skip: notLinux ?? x64Only, timeout: 60_000 }, () => {
  let backend: Backend;
  let semid: number;
  let path: string;
  const sample = () => backend.open(path).sample() as SysvSemaphoreState;
  /** Our state, in the shape of the oracle's table. */
  const asRows = (state: SysvSemaphoreState) =>
    state.values.map((value, semnum) => ({
      semnum,
      value,
      ncount: state.waiters[semnum],
      zcount: state.zeroWaiters[semnum],
      pid: state.lastPids[semnum],
    }));

  before(() => {
    backend = loadBackend();
    semid = ipcmk(3);
    path = `sysv:${semid}`;
  });
  after(() => {
    backend?.dispose();
    cleanupAll();
  });

  test('a set made by ipcmk: values, waiters, zero-waiters and last pids equal ipcs', { timeout: 30_000 }, async () => {
    assert.deepEqual(asRows(sample()), ipcsSemaphores(semid));
    const key = fs.readFileSync('/proc/sysvipc/sem', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === String(semid))![0];
    assert.equal(sample().key, Number(key));
    assert.equal(backend.resolve(`sysv:key=0x${(Number(key) >>> 0).toString(16)}`), path, 'a set is found by its key');
    assert.equal(backend.resolve(`sysv:key=${key}`), path);

    // Semaphore 2 at 1 so that a wait-for-zero blocks; two takers block on semaphore 1.
    const set = await backend.act({ action: 'setval', name: path, index: 2, value: 1 });
    assert.equal(set.previousCount, 0);
    const takers = [Fixture.start('sysv-wait', String(semid), '1', '-1'), Fixture.start('sysv-wait', String(semid), '1', '-1')];
    const zero = Fixture.start('sysv-wait', String(semid), '2', '0');
    await Promise.all([...takers, zero].map((f) => f.line('blocking')));
    await waitFor('ipcs to count the waiters', () => {
      const rows = ipcsSemaphores(semid);
      return rows[1].ncount === 2 && rows[2].zcount === 1;
    });
    const state = sample();
    assert.deepEqual(asRows(state), ipcsSemaphores(semid));
    assert.deepEqual(state.values, [0, 0, 1]);
    assert.deepEqual(state.waiters, [0, 2, 0]);
    assert.deepEqual(state.zeroWaiters, [0, 0, 1]);

    // Waiters: the three processes' main threads, as their own syscall files say.
    const blocked = [...takers, zero];
    for (const fixture of blocked) assert.deepEqual(threadsInSyscall(fixture.pid, SEMTIMEDOP, BigInt(semid)), [fixture.pid]);
    const waiters = backend.waiters([path]).waiters.get(path)!;
    assert.deepEqual(
      waiters.map((w) => [w.pid, w.tid]).sort(),
      blocked.map((f) => [f.pid, f.pid]).sort(),
    );
    // And what each waits for, read from its own memory: take 1 from semaphore 1, or 2 to be zero.
    for (const w of waiters) assert.deepEqual(w.operations, w.pid === zero.pid ? [{ index: 2, op: 0 }] : [{ index: 1, op: -1 }], JSON.stringify(w));
    assert.deepEqual(backend.holders([path]).holders.get(path), [], 'System V sets have no holders');

    // post +1 on semaphore 1 wakes exactly one taker.
    const posted = await backend.act({ action: 'post', name: path, index: 1, count: 1 });
    assert.equal(posted.previousCount, 0);
    await waitFor('one taker to wake', () => takers.filter((f) => f.lines.some((l) => l.woke)).length === 1);
    await waitFor('ipcs ncount 1', () => ipcsSemaphores(semid)[1].ncount === 1);
    const afterPost = sample();
    assert.deepEqual(asRows(afterPost), ipcsSemaphores(semid));
    assert.deepEqual(afterPost.waiters, [0, 1, 0]);
    const woken = takers.find((f) => f.lines.some((l) => l.woke))!;
    assert.equal(afterPost.lastPids[1], woken.pid, 'the taker operated last');

    // reset is SETVAL (to 0 by default): the zero-waiter wakes.
    const reset = await backend.act({ action: 'reset', name: path, index: 2 });
    assert.equal(reset.action, 'setval');
    assert.equal((await zero.line('woke')).result, 0);
    await waitFor('ipcs zcount 0', () => ipcsSemaphores(semid)[2].zcount === 0);
    assert.deepEqual(asRows(sample()), ipcsSemaphores(semid));

    // trywait: nothing to take on semaphore 0.
    await assert.rejects(backend.act({ action: 'trywait', name: path, index: 0 }), (e: any) => e.kind === 'timeout');
    await assert.rejects(backend.act({ action: 'acquire', name: path, index: 0, timeoutMs: 150 }), (e: any) => e.kind === 'timeout');
    await assert.rejects(backend.act({ action: 'post', name: path, index: 3 }), (e: any) => e.kind === 'invalid-argument');
    await assert.rejects(backend.act({ action: 'drain', name: path }), (e: any) => e.kind === 'invalid-argument');

    // Removing the set wakes the last taker with EIDRM (43).
    const still = takers.find((f) => f !== woken)!;
    await backend.act({ action: 'unlink', name: path });
    const line = await still.line('woke');
    assert.equal(line.result, -1);
    assert.equal(line.errno, 43);
    assert.throws(() => backend.open(path), (e: any) => e.kind === 'not-found');
  });

  test('acquire waits off the event loop and takes n units atomically', { timeout: 20_000 }, async () => {
    const created = backend.create({ kind: 'sysv-semaphore', name: 'private', nsems: 1, count: 1 });
    const id = Number(created.path.slice('sysv:'.length));
    cleanSysv(id);
    assert.deepEqual(ipcsSemaphores(id).map((r) => r.value), [1]);
    // Taking 2 of 1 fails atomically: the 1 stays.
    await assert.rejects(backend.act({ action: 'trywait', name: created.path, count: 2 }), (e: any) => e.kind === 'timeout');
    assert.deepEqual(ipcsSemaphores(id).map((r) => r.value), [1]);
    setTimeout(() => void backend.act({ action: 'signal', name: created.path, count: 1 }), 300);
    const started = Date.now();
    const taken = await backend.act({ action: 'acquire', name: created.path, count: 2, timeoutMs: 5000 });
    assert.equal(taken.acquired, 2);
    assert.ok(Date.now() - started >= 250);
    assert.deepEqual(ipcsSemaphores(id).map((r) => r.value), [0]);
  });

  test('the CLI creates by key, lists, posts, resets and removes; ipcs agrees', { timeout: 30_000 }, async () => {
    const key = 0x5e000000 + (process.pid & 0xffffff);
    const made = await cliJson(['create', 'sysv-semaphore', `0x${key.toString(16)}`, '--nsems', '2', '--count', '4', '--hold', '0']);
    const id = Number(made.path.slice('sysv:'.length));
    cleanSysv(id);
    assert.deepEqual(ipcsSemaphores(id).map((r) => r.value), [4, 4]);
    const twice = await runCli(['create', 'sysv-semaphore', `0x${key.toString(16)}`, '--hold', '0']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /EEXIST/);

    const listed = await cliJson(['list', '--kind', 'sysv-semaphore', '--name', String(id)]);
    assert.equal(listed.length, 1);
    objectReportSchema.parse(listed[0]);
    assert.equal(listed[0].path, made.path);
    assert.deepEqual(Object.keys(listed[0].state).sort(), ['key', 'lastPids', 'semid', 'values', 'waiters', 'zeroWaiters']);
    assert.equal(listed[0].state.key, key);
    assert.deepEqual(listed[0].holders, []);
    assert.deepEqual(listed[0].waiters, []);

    const posted = await cliJson(['post', `sysv:key=0x${key.toString(16)}`, '--index', '1', '--count', '3']);
    assert.deepEqual(posted.state.values, [4, 7]);
    const reset = await cliJson(['reset', made.path, '--index', '0', '--value', '9']);
    assert.deepEqual(reset.state.values, [9, 7]);
    assert.deepEqual(ipcsSemaphores(id).map((r) => r.value), [9, 7]);
    const shown = await runCli(['show', made.path]);
    assert.match(shown.stdout, /values \[9,7\]/);

    assert.equal((await runCli(['unlink', made.path])).code, 2, 'needs --yes off a terminal');
    assert.equal((await runCli(['unlink', made.path, '--yes'])).code, 0);
    assert.equal((await runCli(['show', made.path])).code, 3);
  });
});
