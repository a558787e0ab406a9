// Every demo on Linux: real worker processes, recorded by the inspector in another process; each
// demo's signature is found in the recording, and nothing is left behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { RecordingMessage } from '../../protocol';
import { removeDemoLeftovers } from '../../demos/leftovers';
import { ROOT, notLinux, processAlive, tempDir } from '../support/linux';

const CLI = path.join(ROOT, 'dist/cli.cjs');
type Change = RecordingMessage['changes'][number];

interface DemoRun {
  objects: Record<string, string>;
  pids: number[];
  events: Array<{ event: string; pid: number }>;
  trace: RecordingMessage;
  /** State changes of the object the demo calls `short` (for file locks: of locks on that file). */
  changes: (short: string) => Change[];
}

function startDemo(scenario: string, seconds: number, extra: string[] = []): { child: ChildProcess; lines: () => string[] } {
  let output = '';
  const child = spawn(process.execPath, [CLI, 'demo', scenario, '--duration', String(seconds), '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  return { child, lines: () => output.split('\n').filter(Boolean) };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

function assertNothingLeft(objects: Record<string, string>, pids: number[]): void {
  for (const [short, where] of Object.entries(objects)) {
    if (where.startsWith('/dev/shm/')) assert.equal(fs.existsSync(where), false, `${short} unlinked`);
    else if (where.startsWith('sysv:')) {
      assert.doesNotMatch(spawnSync('ipcs', ['-s'], { encoding: 'utf8' }).stdout, new RegExp(`\\s${where.slice(5)}\\s`), `${short} removed`);
    } else assert.equal(fs.existsSync(where), false, `${short}'s lock file removed`);
  }
  assert.deepEqual(pids.filter(processAlive), [], 'no worker outlived the demo');
}

/** Runs a demo with a recorder (another process) watching everything for `seconds`. */
async function runDemo(scenario: string, seconds: number, extra: string[] = []): Promise<DemoRun> {
  const dir = tempDir();
  const demo = startDemo(scenario, seconds + 2, extra);
  try {
    const header = JSON.parse(await until('the demo header', () => demo.lines()[0], 20_000));
    const out = path.join(dir, 'trace.json');
    const record = spawnSync(process.execPath, [CLI, 'record', '--duration', String(seconds), '--interval', '20', '--scan-interval', '20', '--out', out], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(record.status, 0, record.stderr);
    await exited(demo.child);
    const lines = demo.lines().map((l) => JSON.parse(l));
    assert.ok(lines.at(-1).summary, 'the demo ends with its summary');
    assertNothingLeft(header.objects, header.pids);
    const trace = JSON.parse(fs.readFileSync(out, 'utf8')) as RecordingMessage;
    return {
      objects: header.objects,
      pids: header.pids,
      events: lines.filter((l) => l.event),
      trace,
      changes: (short) => {
        const where = header.objects[short];
        return trace.changes.filter((c) => c.state && (c.path === where || (c.state as { path?: string }).path === where));
      },
    };
  } finally {
    demo.child.kill('SIGKILL');
  }
}

const field = <T>(changes: Change[], key: string) => changes.map((c) => (c.state as unknown as Record<string, T>)[key]);

describe('demos on Linux', { skip: notLinux, timeout: 300_000 }, () => {
  test('handshake: ready, go and done move through the System V set', { timeout: 60_000 }, async () => {
    const run = await runDemo('handshake', 3);
    const changes = run.changes('Steps');
    assert.ok(changes.length >= 6, `the set changes: ${changes.length}`);
    const waiting = field<number[]>(changes, 'waiters').map((w) => w.reduce((a, b) => a + b, 0));
    assert.ok(waiting.some((w) => w > 0), 'someone is seen waiting on a step');
    assert.ok(run.events.some((e) => e.event === 'done seen'));
  });

  test('mutex-contention: the file lock has at least N distinct owners over time', { timeout: 60_000 }, async () => {
    const run = await runDemo('mutex-contention', 3, ['--workers', '3']);
    const owners = new Set(field<number>(run.changes('Lock'), 'holderPid'));
    for (const pid of run.pids) assert.ok(owners.has(pid), `worker ${pid} seen owning the lock (owners: ${[...owners]})`);
    const waiters = field<number[]>(run.changes('Lock'), 'waiterPids');
    assert.ok(waiters.some((w) => w.length > 0), 'contention: workers seen waiting');
  });

  test('producer-consumer: both counts move', { timeout: 60_000 }, async () => {
    const run = await runDemo('producer-consumer', 3);
    for (const short of ['Free', 'Filled']) {
      const counts = field<number>(run.changes(short), 'count');
      assert.ok(new Set(counts).size >= 2 && counts.length >= 4, `${short} moves: ${counts}`);
      for (const count of counts) assert.ok(count <= 8, 'never more than the 8 slots');
    }
  });

  test('bank: the manager opens both doors and the customers go through', { timeout: 60_000 }, async () => {
    const run = await runDemo('bank', 4);
    // Waiting customers take the units at once, so the doors show as waiters coming and going.
    for (const short of ['BankOpen', 'TransactionsOpen']) {
      const waiters = field<number>(run.changes(short), 'waiters');
      assert.ok(waiters.some((w) => w > 0) && waiters.includes(0), `${short} waiters: ${waiters}`);
    }
    assert.ok(run.events.some((e) => e.event === 'transaction'));
  });

  test('timer: workers wait on the tick and are woken every period', { timeout: 60_000 }, async () => {
    const run = await runDemo('timer', 3);
    const waiters = field<number>(run.changes('Tick'), 'waiters');
    assert.ok(waiters.some((w) => w >= 1), `workers seen waiting: ${waiters}`);
    assert.ok(run.events.filter((e) => e.event === 'tick').length >= 6, 'about 3 ticks a second');
  });

  test('deadlock: the cycle is reported within 3 s, with both files and both pids', { timeout: 60_000 }, async () => {
    const demo = startDemo('deadlock', 20);
    try {
      const header = JSON.parse(await until('the demo header', () => demo.lines()[0], 20_000));
      const started = Date.now();
      let report: { deadlocks: Array<{ chain: Array<{ type: string; pid?: number; label?: string }> }> } | undefined;
      while (Date.now() - started < 3000) {
        const result = spawnSync(process.execPath, [CLI, 'deadlocks', '--json'], { encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        report = JSON.parse(result.stdout);
        if (report!.deadlocks.length) break;
      }
      assert.ok(report!.deadlocks.length >= 1, 'a cycle reported within 3 s');
      const chain = report!.deadlocks.find((d) => d.chain.some((n) => n.label === header.objects.A))!.chain;
      assert.deepEqual(new Set(chain.filter((n) => n.type === 'process').map((n) => n.pid)), new Set(header.pids));
      assert.deepEqual(new Set(chain.filter((n) => n.label).map((n) => n.label)), new Set([header.objects.A, header.objects.B]));
      const human = spawnSync(process.execPath, [CLI, 'deadlocks'], { encoding: 'utf8' });
      assert.match(human.stdout, /^deadlock 1: deadlocked: .*waits for file-lock on \S+\.lock.*\n(.*\n)*.*waits for file-lock on \S+\.lock\n/);
      demo.child.kill('SIGINT');
      await exited(demo.child);
      assertNothingLeft(header.objects, header.pids);
    } finally {
      demo.child.kill('SIGKILL');
    }
  });

  test('abandoned: the lock stays taken after its holder died, and the next acquirer sees it', { timeout: 60_000 }, async () => {
    const run = await runDemo('abandoned', 5);
    const abandoner = run.events.find((e) => e.event.startsWith('owns the lock'));
    assert.ok(abandoner, 'the abandoner took the lock and exited');
    assert.ok(run.events.some((e) => e.event.startsWith('lock never came back')), 'the acquirer found it abandoned');
    assert.ok(field<number>(run.changes('Lock'), 'count').includes(0), 'seen taken');
  });

  test('a demo whose output reader goes away (| head) still cleans up', { timeout: 60_000 }, async () => {
    const demo = startDemo('timer', 30);
    const header = JSON.parse(await until('the demo header', () => demo.lines()[0], 20_000));
    demo.child.stdout!.destroy();
    await until('the demo to exit', () => (demo.child.exitCode !== null ? true : undefined), 20_000);
    assert.equal(demo.child.exitCode, 0);
    assertNothingLeft(header.objects, header.pids);
  });

  test('killing the demo process ends its workers, even deadlocked ones; the next demo removes what it left', { timeout: 90_000 }, async () => {
    // The hard case: both workers are blocked in flock() on worker threads.
    const demo = startDemo('deadlock', 30);
    const header = JSON.parse(await until('the demo header', () => demo.lines()[0], 20_000));
    await new Promise((r) => setTimeout(r, 1000));
    demo.child.kill('SIGKILL');
    await until('the workers to exit', () => (header.pids.some(processAlive) ? undefined : true), 10_000);
    const folder = path.dirname(header.objects.A);
    assert.ok(fs.existsSync(folder), 'SIGKILL left no chance to remove the lock folder');

    // The next demo, another process, removes it (its process is gone) and says so; killed the same
    // way, this one (a semaphore demo) leaves its semaphore in /dev/shm.
    const timer = startDemo('timer', 30);
    const timerHeader = JSON.parse(await until('the timer header', () => timer.lines()[0], 20_000));
    assert.ok(timerHeader.removedLeftovers?.includes(folder), JSON.stringify(timerHeader));
    assert.equal(fs.existsSync(folder), false, 'the killed demo\'s lock folder was removed');
    timer.child.kill('SIGKILL');
    await until('the timer workers to exit', () => (timerHeader.pids.some(processAlive) ? undefined : true), 10_000);
    const tick = timerHeader.objects.Tick as string;
    assert.ok(fs.existsSync(tick), `${tick} left behind`);

    const next = startDemo('timer', 1);
    const nextHeader = JSON.parse(await until('the next header', () => next.lines()[0], 20_000));
    await until('the next demo to exit', () => (next.child.exitCode !== null ? true : undefined), 30_000);
    assert.ok(nextHeader.removedLeftovers?.includes(tick), JSON.stringify(nextHeader));
    assert.equal(fs.existsSync(tick), false, 'the killed demo\'s semaphore was removed');
  });

  test('leftovers: only objects of processes that are gone are removed', () => {
    const gone = spawnSync('true').pid!;
    const stale = `/dev/shm/sem.SyncScopeDemo.timer.${gone}-x1.Tick`;
    const live = `/dev/shm/sem.SyncScopeDemo.timer.${process.pid}-x1.Tick`;
    const other = `/dev/shm/sem.SyncScopeDemoish.${gone}-x1.Tick`;
    for (const file of [stale, live, other]) fs.writeFileSync(file, Buffer.alloc(32));
    try {
      const removed = removeDemoLeftovers(tempDir());
      assert.ok(removed.includes(stale), JSON.stringify(removed));
      assert.ok(!removed.includes(live) && fs.existsSync(live), 'a living process keeps its objects');
      assert.ok(fs.existsSync(other), 'names that are not a demo\'s are left alone');
      assert.equal(fs.existsSync(stale), false);
    } finally {
      for (const file of [stale, live, other]) fs.rmSync(file, { force: true });
    }
  });
});
