// File locks for real: flock(1) and fixture processes take flock, POSIX and OFD locks; what
// SyncScope reports is checked against util-linux lslocks and /proc/locks itself. A lock cycle
// between two processes is found by the core's deadlock detection.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { detectDeadlocks } from '../../core/deadlocks';
import { Sampler } from '../../core/sampler';
import { loadBackend, type Backend, type FileLockState } from '../../native';
import { objectReportSchema } from '../../protocol';
import { Fixture, cleanupAll, cliJson, lslocks, notLinux, onCleanup, runCli, tempDir, threadsInSyscall, waitFor } from '../support/linux';

const FLOCK = 73; // x86_64
const FCNTL = 72;
const x64Only = process.arch !== 'x64' ? 'syscall numbers in this test are x86_64 ones' : undefined;

/** `flock(1)` itself: takes a lock and runs a command (util-linux, an independent locker). */
function utilFlock(args: string[]) {
  const child = spawn('flock', args, { stdio: 'ignore' });
  onCleanup(() => child.kill('SIGKILL'));
  return child;
}

const inodeOf = (file: string) => fs.statSync(file).ino;

describe('file locks', { skip: notLinux ?? x64Only, timeout: 60_000 }, () => {
  let backend: Backend;
  let dir: string;
  /** Our reports of the granted locks on one file. */
  // Only the locks on this file (its inode is in the id): other locks on the machine come and go.
  const locksOn = (file: string) =>
    backend
      .scan(['/proc/locks'])
      .filter((entry) => entry.name.split(':')[3] === String(inodeOf(file)))
      .map((entry) => ({ entry, state: backend.open(entry.path).sample() as FileLockState }))
      .filter(({ state }) => state.inode === inodeOf(file));
  const procLocksLines = (file: string) =>
    fs.readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => l.includes(`:${inodeOf(file)} `));

  before(() => {
    backend = loadBackend();
    dir = tempDir();
  });
  after(() => {
    backend?.dispose();
    cleanupAll();
  });

  test('flock(1) holder and two blocked flock(1) waiters: holder, waiters and path equal lslocks', { timeout: 20_000 }, async () => {
    const file = path.join(dir, 'flocked');
    fs.writeFileSync(file, '');
    const holder = utilFlock(['-x', file, 'sleep', '60']);
    await waitFor('the holder to lock', () => procLocksLines(file).length === 1);
    const exclusive = utilFlock(['-x', file, 'true']);
    const shared = utilFlock(['-s', file, 'true']);
    await waitFor('both waiters blocked', () => procLocksLines(file).length === 3);

    const ours = locksOn(file);
    assert.equal(ours.length, 1, 'one granted lock; the blocked requests belong to it');
    const { entry, state } = ours[0];
    assert.equal(entry.kind, 'file-lock');
    assert.equal(entry.path, `lock:${entry.name}`);
    assert.equal(state.lockType, 'FLOCK');
    assert.equal(state.mode, 'WRITE');
    assert.equal(state.path, file);
    assert.equal(state.holderPid, holder.pid);
    assert.deepEqual([...state.waiterPids].sort(), [exclusive.pid!, shared.pid!].sort());

    // Oracle: lslocks (util-linux) agrees on holder, waiters, their modes and the path.
    const util = lslocks().filter((l) => l.path === file);
    const granted = util.filter((l) => !l.mode.endsWith('*'));
    const waiting = util.filter((l) => l.mode.endsWith('*'));
    assert.deepEqual(granted.map((l) => [l.pid, l.type, l.mode]), [[state.holderPid, state.lockType, state.mode]]);
    assert.deepEqual(waiting.map((l) => l.pid).sort(), [...state.waiterPids].sort());
    assert.ok(waiting.every((l) => l.blocker === holder.pid));

    // Waiters: each blocked flock(1)'s thread, in flock() per its own syscall file.
    const waiters = backend.waiters([entry.path]).waiters.get(entry.path)!;
    assert.deepEqual(waiters.map((w) => [w.pid, w.tid]).sort(), [exclusive.pid!, shared.pid!].map((p) => [p, p]).sort());
    for (const w of waiters) assert.deepEqual(threadsInSyscall(w.pid, FLOCK), [w.tid]);
    assert.ok(waiters.every((w) => w.processName === 'flock'));
    // Holders: flock(1), and its child `sleep`, which inherited the locked descriptor.
    const holders = backend.holders([entry.path]).holders.get(entry.path)!;
    assert.ok(holders.some((h) => h.pid === holder.pid && h.processName === 'flock'), JSON.stringify(holders));
    assert.ok(holders.some((h) => h.processName === 'sleep'), JSON.stringify(holders));

    // Read-only: no action applies to a lock.
    for (const action of ['signal', 'release', 'unlink'] as const) {
      await assert.rejects(backend.act({ action, name: entry.path }), (e: any) => e.kind === 'invalid-argument');
    }
    const refused = await runCli(['release', entry.path]);
    assert.equal(refused.code, 2);

    // The id stays the same while the lock lives; show --json follows the contract.
    const shown = await cliJson(['show', entry.path]);
    objectReportSchema.parse(shown);
    assert.equal(shown.state.holderPid, holder.pid);
    assert.deepEqual(shown.waiters.map((w: { pid: number }) => w.pid).sort(), [...state.waiterPids].sort());

    // flock(1) dies, but its child `sleep` holds the descriptor and so the lock. /proc/locks
    // still prints the dead taker's pid; SyncScope names the living holder.
    const sleeper = Number(fs.readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim());
    holder.kill('SIGKILL');
    await waitFor('flock(1) to be gone', () => !fs.existsSync(`/proc/${holder.pid}`));
    assert.ok(procLocksLines(file)[0].includes(` ${holder.pid} `), 'the kernel keeps the taker pid');
    const orphaned = backend.open(entry.path).sample() as FileLockState;
    assert.equal(orphaned.holderPid, sleeper);
    assert.equal(orphaned.waiterPids.length, 2);
    assert.deepEqual(backend.holders([entry.path]).holders.get(entry.path)!.map((h) => h.pid), [sleeper]);

    process.kill(sleeper, 'SIGKILL');
    // The waiters (`flock ... true`) take the lock in turn and let it go at once.
    await waitFor('every lock on the file to end', () => procLocksLines(file).length === 0);
    assert.throws(() => backend.open(entry.path), (e: any) => e.kind === 'not-found');
  });

  test('a lock handed from one holder to the next stays one object: same id and history, the new holder in its state', { timeout: 20_000 }, async () => {
    const file = path.join(dir, 'handed');
    fs.writeFileSync(file, '');
    const first = Fixture.start('locks', `hold:flock:WRITE:${file}`);
    await first.line('done');
    assert.equal(first.lines.find((l) => l.holds)?.result, 0, JSON.stringify(first.lines));
    const second = Fixture.start('locks', `wait:flock:WRITE:${file}`);
    await second.line('blocking');
    await waitFor('the second to block', () => procLocksLines(file).length === 2);

    const sampler = new Sampler({ backend, scopes: ['/proc/locks'], attribution: false, goneRetentionMs: 60_000 });
    try {
      sampler.scanTick();
      const before = sampler.records().filter((r) => (r.state as FileLockState | undefined)?.inode === inodeOf(file));
      assert.equal(before.length, 1, JSON.stringify(before));
      const lockPath = before[0].path;
      assert.equal((before[0].state as FileLockState).holderPid, first.pid);
      assert.deepEqual((before[0].state as FileLockState).waiterPids, [second.pid]);

      first.kill();
      await second.line('got');
      await waitFor('the second to hold the lock', () => procLocksLines(file).length === 1 && procLocksLines(file)[0].includes(` ${second.pid} `));
      sampler.stateTick();
      sampler.scanTick();
      const after = sampler.records().filter((r) => (r.state as FileLockState | undefined)?.inode === inodeOf(file));
      assert.deepEqual(after.map((r) => r.path), [lockPath], 'the same object');
      assert.equal(after[0].goneAt, undefined);
      assert.equal((after[0].state as FileLockState).holderPid, second.pid);
      assert.deepEqual((after[0].state as FileLockState).waiterPids, []);
      assert.ok(sampler.history.get(lockPath)!.size >= 2, 'one history across both holders');
    } finally {
      sampler.stop();
      second.kill();
    }
  });

  test('POSIX byte-range and OFD locks: ranges, and pids the kernel leaves out (-1) are resolved', { timeout: 20_000 }, async () => {
    const file = path.join(dir, 'ranges');
    fs.writeFileSync(file, Buffer.alloc(200));
    const holder = Fixture.start('locks', `hold:posix:WRITE:${file}:0:10`, `hold:posix:READ:${file}:20:5`, `hold:ofd:WRITE:${file}:100:10`);
    await holder.line('done');
    assert.ok(holder.lines.filter((l) => l.holds).every((l) => l.result === 0), JSON.stringify(holder.lines));
    const posixWaiter = Fixture.start('locks', `wait:posix:WRITE:${file}:5:10`);
    const ofdWaiter = Fixture.start('locks', `wait:ofd:READ:${file}:105:1`);
    await Promise.all([posixWaiter.line('blocking'), ofdWaiter.line('blocking')]);
    await waitFor('both requests blocked', () => procLocksLines(file).filter((l) => l.includes('->')).length === 2);

    const ours = locksOn(file).map((l) => l.state).sort((a, b) => a.start - b.start);
    assert.deepEqual(
      ours.map((s) => [s.lockType, s.mode, s.start, s.end, s.holderPid, s.waiterPids, s.path]),
      [
        ['POSIX', 'WRITE', 0, 9, holder.pid, [posixWaiter.pid], file],
        ['POSIX', 'READ', 20, 24, holder.pid, [], file],
        // /proc/locks (and so lslocks) print -1 for both OFD pids; fdinfo and the blocked thread tell.
        ['OFDLCK', 'WRITE', 100, 109, holder.pid, [ofdWaiter.pid], file],
      ],
    );
    const util = lslocks().filter((l) => l.path === file || (l.pid === -1 && l.type === 'OFDLCK'));
    const utilPosix = util.filter((l) => l.type === 'POSIX' && !l.mode.endsWith('*'));
    assert.deepEqual(utilPosix.map((l) => [l.pid, l.mode, l.start, l.end]).sort(), [[holder.pid, 'READ', 20, 24], [holder.pid, 'WRITE', 0, 9]]);
    assert.ok(procLocksLines(file).some((l) => /OFDLCK\s+ADVISORY\s+WRITE -1 /.test(l)), 'the kernel gives no OFD pid');

    const paths = locksOn(file).map((l) => l.entry.path);
    const { waiters } = backend.waiters(paths);
    const byPath = Object.fromEntries(paths.map((p) => [p, waiters.get(p)!.map((w) => [w.pid, w.tid])]));
    const posixPath = paths.find((p) => p.startsWith('lock:POSIX') && p.endsWith(':0:9'))!;
    const ofdPath = paths.find((p) => p.startsWith('lock:OFDLCK'))!;
    assert.deepEqual(byPath[posixPath], [[posixWaiter.pid, posixWaiter.pid]]);
    assert.deepEqual(byPath[ofdPath], [[ofdWaiter.pid, ofdWaiter.pid]]);
    assert.deepEqual(threadsInSyscall(ofdWaiter.pid, FCNTL), [ofdWaiter.pid]);
    assert.deepEqual(backend.holders([ofdPath]).holders.get(ofdPath)!.map((h) => h.pid), [holder.pid]);
  });

  test('a lock cycle between two processes is a deadlock', { timeout: 20_000 }, async () => {
    const first = path.join(dir, 'first');
    const second = path.join(dir, 'second');
    const go = path.join(dir, 'go');
    fs.writeFileSync(first, '');
    fs.writeFileSync(second, '');
    const a = Fixture.start('locks', `hold:flock:WRITE:${first}`, `after:${go}`, `wait:flock:WRITE:${second}`);
    const b = Fixture.start('locks', `hold:flock:WRITE:${second}`, `after:${go}`, `wait:flock:WRITE:${first}`);
    await Promise.all([a.line('holds'), b.line('holds')]);
    fs.writeFileSync(go, '');
    await waitFor('both blocked', () => procLocksLines(first).length === 2 && procLocksLines(second).length === 2);

    const [onFirst] = locksOn(first);
    const [onSecond] = locksOn(second);
    assert.deepEqual([onFirst.state.holderPid, onFirst.state.waiterPids], [a.pid, [b.pid]]);
    assert.deepEqual([onSecond.state.holderPid, onSecond.state.waiterPids], [b.pid, [a.pid]]);

    const report = detectDeadlocks(backend);
    const cycle = report.deadlocks.find((d) => d.chain.some((n) => n.type === 'object' && n.path === onFirst.entry.path));
    assert.ok(cycle, `no deadlock through ${onFirst.entry.path}: ${JSON.stringify(report)}`);
    const pids = new Set(cycle.chain.filter((n) => n.type !== 'object').map((n) => (n as { pid: number }).pid));
    assert.deepEqual([...pids].sort(), [a.pid, b.pid].sort());
    assert.ok(cycle.chain.some((n) => n.type === 'object' && n.path === onSecond.entry.path));
  });

  test('childWaits: a shell waiting for its child', { timeout: 10_000 }, async () => {
    const shell = spawn('sh', ['-c', 'sleep 30; true'], { stdio: 'ignore' });
    onCleanup(() => shell.kill('SIGKILL'));
    const child = await waitFor('the sleep child', () => {
      const children = fs.readFileSync(`/proc/${shell.pid}/task/${shell.pid}/children`, 'utf8').trim();
      return children ? Number(children.split(' ')[0]) : undefined;
    });
    await waitFor('the shell in wait4', () => threadsInSyscall(shell.pid!, 61).length === 1);
    const waits = backend.childWaits!();
    assert.ok(
      waits.some((w) => w.parentPid === shell.pid && w.parentTid === shell.pid && w.childPid === child),
      JSON.stringify(waits.filter((w) => w.parentPid === shell.pid)),
    );
    fs.readdirSync(`/proc/${child}`); // still there
    process.kill(child, 'SIGKILL');
  });
});
