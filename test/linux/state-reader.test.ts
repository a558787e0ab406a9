// The Linux backend's state reader, the sampler's hot path, on real objects. POSIX semaphores are
// read through mappings kept between reads: a post is seen without a new mapping, a name unlinked
// and made again is the new semaphore, a truncated file is an error and not a crash, close()
// leaves nothing mapped, and an inspector's read-only mapping never makes it a holder. System V
// sets reuse values only when IPC_STAT proves nothing ran since: every read equals `ipcs`, also
// for changes within one second, for SETVAL, and for the undo the kernel applies at exit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend, type PosixSemaphoreState, type SysvSemaphoreState } from '../../native';
import { liveResourceCount } from '../../native/linux/fd';
import { LinuxStateReader } from '../../native/linux/state-reader';
import { Fixture, RUN_PREFIX, cleanPosix, cleanupAll, ipcmk, ipcsSemaphores, notLinux, waitFor } from '../support/linux';

/** Lines of /proc/self/maps that map `path` (the kernel appends " (deleted)" once it is unlinked). */
function ownMappingsOf(path: string): string[] {
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.includes(` ${path}`));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Linux state reader', { skip: notLinux, timeout: 90_000 }, () => {
  let backend: Backend;
  let reader: LinuxStateReader;
  const read = (kind: string, path: string) => {
    const [result] = reader.read([{ kind, path }]);
    if (result instanceof Error) throw result;
    return result;
  };

  before(() => {
    backend = loadBackend();
    reader = backend.openReader!() as LinuxStateReader;
  });
  after(() => {
    reader?.close();
    backend?.dispose();
    cleanupAll();
  });

  test('POSIX: one read-only mapping per semaphore, kept across reads; a post by another mapping is seen at once', async () => {
    const name = `${RUN_PREFIX}_mapped`;
    const path = `/dev/shm/sem.${name}`;
    cleanPosix(name);
    backend.create({ kind: 'posix-semaphore', name, count: 2 }).close();
    const before = liveResourceCount();
    assert.deepEqual(read('posix-semaphore', path), { count: 2, waiters: 0 });
    const maps = ownMappingsOf(path);
    assert.equal(maps.length, 1, maps.join('\n'));
    assert.match(maps[0], /^\S+ r--s /, 'mapped read-only and shared');
    const held = liveResourceCount();
    assert.ok(held > before, 'the mapping is counted as a live resource');

    for (let i = 3; i <= 6; i++) {
      await backend.act({ action: 'post', name });
      assert.deepEqual(read('posix-semaphore', path), { count: i, waiters: 0 });
    }
    assert.equal(liveResourceCount(), held, 'no new mapping or descriptor per read');
    assert.equal(ownMappingsOf(path).length, 1);
    cleanPosix(name);
  });

  test('POSIX: a name unlinked and made again reads as the new semaphore; gone is not-found; truncated is refused, not a crash', () => {
    const name = `${RUN_PREFIX}_remade`;
    const path = `/dev/shm/sem.${name}`;
    cleanPosix(name);
    backend.create({ kind: 'posix-semaphore', name, count: 1 }).close();
    assert.deepEqual(read('posix-semaphore', path), { count: 1, waiters: 0 });

    fs.rmSync(path);
    backend.create({ kind: 'posix-semaphore', name, count: 9 }).close();
    assert.deepEqual(read('posix-semaphore', path), { count: 9, waiters: 0 }, 'the new semaphore, not the old mapping');
    const maps = ownMappingsOf(path);
    assert.equal(maps.length, 1, `the old mapping was dropped: ${maps.join('\n')}`);
    assert.doesNotMatch(maps[0], /\(deleted\)/);

    fs.rmSync(path);
    assert.throws(() => read('posix-semaphore', path), (e: any) => e.kind === 'not-found');
    assert.equal(ownMappingsOf(path).length, 0, 'nothing kept of a vanished semaphore');

    backend.create({ kind: 'posix-semaphore', name, count: 4 }).close();
    assert.deepEqual(read('posix-semaphore', path), { count: 4, waiters: 0 });
    // A plain load from a mapping whose file shrank is SIGBUS: this process would die here.
    fs.truncateSync(path, 0);
    assert.throws(() => read('posix-semaphore', path), (e: any) => e.kind === 'wrong-type');
    assert.equal(ownMappingsOf(path).length, 0);
    cleanPosix(name);
  });

  test('POSIX: many semaphores in one call, in order, with a missing one in the middle', () => {
    const names = Array.from({ length: 40 }, (_, i) => `${RUN_PREFIX}_batch${i}`);
    for (const [i, name] of names.entries()) {
      cleanPosix(name);
      backend.create({ kind: 'posix-semaphore', name, count: i }).close();
    }
    const targets = names.map((name) => ({ kind: 'posix-semaphore', path: `/dev/shm/sem.${name}` }));
    fs.rmSync(targets[17].path);
    const results = reader.read(targets);
    for (const [i, result] of results.entries()) {
      if (i === 17) assert.ok(result instanceof Error && (result as any).kind === 'not-found', String(result));
      else assert.deepEqual(result, { count: i, waiters: 0 });
    }
    for (const name of names) cleanPosix(name);
  });

  test('POSIX holders: a process that only maps the file read-only (an inspector) is not a holder; sem_open is', async () => {
    const name = `${RUN_PREFIX}_observed`;
    const path = `/dev/shm/sem.${name}`;
    cleanPosix(name);
    backend.create({ kind: 'posix-semaphore', name, count: 0 }).close();
    const observer = Fixture.start('map-readonly', path);
    const user = Fixture.start('posix-wait', `/${name}`, 'main');
    await observer.line('mapped');
    await user.line('blocking');
    const holders = backend.holders([path]).holders.get(path)!.map((h) => h.pid);
    assert.ok(holders.includes(user.pid), `sem_open's process holds it: ${holders}`);
    assert.ok(!holders.includes(observer.pid), `the read-only observer does not: ${holders}`);
    assert.ok(!holders.includes(process.pid), 'nor does this process, which maps it to read it');
    await waitFor('the waiter counted', () => (read('posix-semaphore', path) as PosixSemaphoreState).waiters === 1);
    user.kill();
    observer.kill();
    await Promise.all([user.exit(), observer.exit()]);
    cleanPosix(name);
  });

  test('close() unmaps every semaphore and closes the watch; a later read sets up again', () => {
    const name = `${RUN_PREFIX}_closed`;
    const path = `/dev/shm/sem.${name}`;
    cleanPosix(name);
    backend.create({ kind: 'posix-semaphore', name, count: 5 }).close();
    const other = backend.openReader!();
    const baseline = liveResourceCount();
    assert.deepEqual(other.read([{ kind: 'posix-semaphore', path }]), [{ count: 5, waiters: 0 }]);
    assert.ok(liveResourceCount() >= baseline + 2, 'a mapping and the inotify descriptor');
    other.close();
    assert.equal(liveResourceCount(), baseline);
    assert.deepEqual(other.read([{ kind: 'posix-semaphore', path }]), [{ count: 5, waiters: 0 }]);
    other.close();
    assert.equal(liveResourceCount(), baseline);
    cleanPosix(name);
  });

  test('System V: values reused only when nothing can have run since; every read equals ipcs', { timeout: 30_000 }, async () => {
    const semid = ipcmk(2);
    const path = `sysv:${semid}`;
    const asRows = (state: SysvSemaphoreState) =>
      state.values.map((value, semnum) => ({ semnum, value, ncount: state.waiters[semnum], zcount: state.zeroWaiters[semnum], pid: state.lastPids[semnum] }));
    const check = (why: string) => {
      const state = read('sysv-semaphore', path) as SysvSemaphoreState;
      assert.deepEqual(asRows(state), ipcsSemaphores(semid), why);
      return state;
    };
    check('first read');
    const counts = () => ({ ...reader.sets.counts });

    // Many changes within the same second: equal stamps must not hide any of them.
    for (let i = 0; i < 6; i++) {
      await backend.act({ action: 'post', name: path, index: i % 2 });
      check(`after post ${i}`);
    }
    await backend.act({ action: 'setval', name: path, index: 1, value: 7 });
    check('after SETVAL (stamps sem_ctime, not sem_otime)');

    // Idle for over a second: one more full read (the kept values date from the second of the last
    // change), then the values are reused, and an unchanged read returns the same object.
    await sleep(1100);
    check('idle, read once more in full');
    const quiet = counts();
    const first = check('idle');
    const second = check('idle again');
    assert.equal(second, first, 'nothing changed: the same state object');
    assert.equal(counts().reused - quiet.reused, 2, 'both idle reads reused the values');
    assert.equal(counts().full, quiet.full);

    // A waiter stamps nothing, yet its count is read every time.
    const zero = Fixture.start('sysv-wait', String(semid), '1', '0');
    await zero.line('blocking');
    await waitFor('ipcs to count the zero-waiter', () => ipcsSemaphores(semid)[1].zcount === 1);
    const waiting = check('a zero-waiter');
    assert.deepEqual(waiting.zeroWaiters, [0, 1]);
    zero.kill();
    await zero.exit();
    await waitFor('ipcs to drop the zero-waiter', () => ipcsSemaphores(semid)[1].zcount === 0);
    check('the zero-waiter gone');

    // The undo the kernel applies when a process exits changes a value with no semop of ours.
    await sleep(1100);
    const undo = Fixture.start('sysv-undo', String(semid), '0');
    assert.equal((await undo.line('holds')).result, 0);
    const held = check('a SEM_UNDO operation');
    await sleep(1100);
    check('long after it (reused)');
    undo.kill();
    await undo.exit();
    const undone = check('after the undo at exit');
    assert.equal(undone.values[0], held.values[0] - 1, 'the undo is seen');

    // A wait for zero ends when the value reaches zero (the reader asks GETZCNT of non-zero values only).
    await backend.act({ action: 'setval', name: path, index: 0, value: 1 });
    const zeroAgain = Fixture.start('sysv-wait', String(semid), '0', '0');
    await zeroAgain.line('blocking');
    await waitFor('ipcs to count the zero-waiter', () => ipcsSemaphores(semid)[0].zcount === 1);
    assert.equal(check('a zero-waiter on a 1').zeroWaiters[0], 1);
    await backend.act({ action: 'setval', name: path, index: 0, value: 0 });
    assert.equal((await zeroAgain.line('woke')).result, 0);
    assert.equal(check('the value reached zero').zeroWaiters[0], 0);

    await backend.act({ action: 'unlink', name: path });
    assert.throws(() => read('sysv-semaphore', path), (e: any) => e.kind === 'vanished' || e.kind === 'not-found');
  });
});
