// Every demo under Wine: real worker processes, recorded by the inspector in another process;
// each demo's signature is found in the recording, and nothing is left behind.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { RecordingMessage } from '../../protocol';
import { gapOf } from '../support/win32-capabilities';
import { provisionWine, runCli, runFixture, startCli, tempDir, toWinePath, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();

type Change = RecordingMessage['changes'][number];
interface DemoRun {
  objects: Record<string, string>;
  pids: number[];
  events: Array<{ event: string; pid: number }>;
  changes: (short: string) => Change[];
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));

async function firstLine(file: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.includes('\n')) return text.slice(0, text.indexOf('\n'));
    if (Date.now() > deadline) throw new Error(`no output in ${file} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface ProcessRow {
  pid: number;
  name: string;
  parentPid: number;
}

/** The Windows processes now, after killing `kill` if given. */
async function processes(dir: string, kill?: number): Promise<ProcessRow[]> {
  const out = path.join(dir, `processes-${Date.now()}.json`);
  const result = await runFixture('win32-processes', [toWinePath(out), ...(kill ? [String(kill)] : [])]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

async function livePids(dir: string): Promise<Set<number>> {
  return new Set((await processes(dir)).map((p) => p.pid));
}

/** Runs a demo for a while with a recorder watching its objects; checks the clean-up after. */
async function runDemo(
  scenario: string,
  seconds: number,
  extra: string[] = [],
  /** Runs while the demo and the recorder run. */
  during?: (objects: Record<string, string>, pids: number[]) => Promise<void>,
): Promise<DemoRun> {
  provisionWine();
  const dir = tempDir(`demo-${scenario}`);
  const demo = startCli(['demo', scenario, '--duration', String(seconds + 6), '--json', ...extra], path.join(dir, 'demo'));
  const demoExit = exited(demo);
  try {
    const header = JSON.parse(await firstLine(path.join(dir, 'demo', 'out'), 60_000));
    const recording = path.join(dir, 'trace.json');
    const record = runCli(
      ['record', '--duration', String(seconds), '--interval', '20', '--name', `SyncScopeDemo.${scenario}.*`, '--out', toWinePath(recording)],
      120_000,
    );
    await during?.(header.objects, header.pids);
    assert.equal((await record).code, 0, (await record).stderr);
    await demoExit;
    const lines = fs.readFileSync(path.join(dir, 'demo', 'out'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.event);
    assert.ok(lines.at(-1).summary, 'the demo ends with its summary');

    // Nothing left behind: no objects, no worker processes.
    const leftovers = await runCli(['list', '--json', '--no-holders', '--name', `SyncScopeDemo.${scenario}.*`]);
    assert.deepEqual(JSON.parse(leftovers.stdout), [], 'the demo removed its objects');
    const alive = await livePids(dir);
    assert.deepEqual(header.pids.filter((pid: number) => alive.has(pid)), [], 'no worker outlived the demo');

    const trace = JSON.parse(fs.readFileSync(recording, 'utf8')) as RecordingMessage;
    return {
      objects: header.objects,
      pids: header.pids,
      events,
      changes: (short) => trace.changes.filter((c) => c.path === header.objects[short] && c.state),
    };
  } finally {
    demo.kill('SIGKILL');
  }
}

const distinct = (values: unknown[]) => new Set(values.map((v) => JSON.stringify(v))).size;
const field = <T>(changes: Change[], key: string) => changes.map((c) => (c.state as unknown as Record<string, T>)[key]);

describe('demos under Wine', { skip, timeout: 900_000 }, () => {
  test('handshake: the event goes round ready, go, done', { timeout: 120_000 }, async () => {
    const run = await runDemo('handshake', 3);
    const signaled = field<boolean>(run.changes('Signal'), 'signaled');
    assert.ok(signaled.filter(Boolean).length >= 3, `set at least 3 times: ${signaled}`);
    assert.ok(run.events.some((e) => e.event === 'done seen'), 'a full round completed');
  });

  test('mutex-contention: the lock is held, by all workers in turn', { timeout: 120_000 }, async () => {
    let holders: number[] = [];
    const run = await runDemo('mutex-contention', 3, ['--workers', '3'], async (objects) => {
      await new Promise((r) => setTimeout(r, 1500));
      const shown = await runCli(['show', objects.Lock, '--json']);
      holders = JSON.parse(shown.stdout).holders.map((h: { pid: number }) => h.pid);
    });
    // Hand-overs are immediate, so samples mostly see it locked.
    assert.ok(field<boolean>(run.changes('Lock'), 'locked').includes(true), 'seen locked');
    for (const pid of run.pids) assert.ok(holders.includes(pid), `worker ${pid} holds a handle to the lock`);
    // Wine does not report a mutex's owner (MutantOwnerInformation), so the distinct owners come
    // from the workers' own reports; on Windows the inspector's ownerThreadId shows them.
    const owners = new Set(run.events.filter((e) => e.event === 'acquired').map((e) => e.pid));
    assert.equal(owners.size, 3, 'all three workers owned it');
  });

  test('producer-consumer: both semaphore counts move', { timeout: 120_000 }, async () => {
    const run = await runDemo('producer-consumer', 3);
    for (const short of ['Free', 'Filled']) {
      const counts = field<number>(run.changes(short), 'count');
      assert.ok(distinct(counts) >= 2 && counts.length >= 4, `${short} moves: ${counts}`);
    }
    // Every sample keeps the invariant of a bounded buffer: 8 slots, free or filled or in hand.
    for (const c of run.changes('Filled')) assert.ok((c.state as { count: number }).count <= 8);
    for (const change of run.changes('Free')) assert.equal((change.state as { max: number }).max, 8);
  });

  test('bank: both events open and close', { timeout: 120_000 }, async () => {
    const run = await runDemo('bank', 4);
    for (const short of ['BankOpen', 'TransactionsOpen']) {
      const signaled = field<boolean>(run.changes(short), 'signaled');
      assert.ok(signaled.includes(true) && signaled.includes(false), `${short}: ${signaled}`);
    }
    assert.ok(run.events.some((e) => e.event === 'transaction'));
  });

  test('timer: the periodic timer restarts its countdown every period', { timeout: 120_000 }, async () => {
    const run = await runDemo('timer', 3);
    const remaining = field<number | null>(run.changes('Tick'), 'remainingMs').filter((v): v is number => v !== null);
    let restarts = 0;
    for (let i = 1; i < remaining.length; i++) if (remaining[i] > remaining[i - 1] + 50) restarts++;
    assert.ok(restarts >= 4, `at least 4 periods seen in 3 s of a 300 ms timer, saw ${restarts}`);
    assert.ok(run.events.filter((e) => e.event === 'tick').length >= 4);
  });

  test('deadlock: both mutexes stay locked; the cycle where the OS tells waits and owners, else why not', { timeout: 120_000 }, async () => {
    provisionWine();
    const dir = tempDir('demo-deadlock');
    const demo = startCli(['demo', 'deadlock', '--duration', '20', '--json'], path.join(dir, 'demo'));
    try {
      const header = JSON.parse(await firstLine(path.join(dir, 'demo', 'out'), 60_000));
      // Each worker starts (a node.exe, seconds on a busy machine) and locks its first mutex: wait
      // for both locks, bounded, rather than a fixed time.
      const deadline = Date.now() + 30_000;
      for (const short of ['A', 'B']) {
        let state: { locked: boolean; abandoned: boolean };
        do {
          const shown = await runCli(['show', header.objects[short], '--json']);
          state = JSON.parse(shown.stdout).state;
        } while (!state.locked && Date.now() < deadline);
        assert.equal(state.locked, true, `${short}: ${JSON.stringify(state)}`);
        assert.equal(state.abandoned, false);
      }
      await new Promise((r) => setTimeout(r, 1000)); // each now blocks on the other's mutex
      const report = JSON.parse((await runCli(['deadlocks', '--json'])).stdout);
      const capabilities = JSON.parse((await runCli(['capabilities', '--json'])).stdout);
      const noWaits = gapOf(capabilities, 'waiters');
      const noOwner = gapOf(capabilities, 'mutexOwner');
      if (noWaits || noOwner) {
        // Without waits or owners (Wine) the cycle cannot be seen: the report must say so rather
        // than claim there is none. The Linux demo, with file locks, reports the cycle itself.
        assert.deepEqual(report.deadlocks, []);
        if (noWaits) assert.equal(report.unavailable.waiters, `incomplete: no thread's wait can be told on this OS: ${noWaits}`);
        if (noOwner) assert.equal(report.unavailable.mutexOwner, noOwner);
      } else {
        // Each worker owns one mutex and waits on the other: one cycle through both.
        const cycle = report.deadlocks.find((d: { nodes?: string[] }) => JSON.stringify(d).includes(header.objects.A) && JSON.stringify(d).includes(header.objects.B));
        assert.ok(cycle, `the A/B cycle: ${JSON.stringify(report.deadlocks)}`);
      }
    } finally {
      demo.kill('SIGKILL');
    }
  });

  test('abandoned: the inspector sees the mutex abandoned', { timeout: 120_000 }, async () => {
    const run = await runDemo('abandoned', 5);
    assert.ok(run.changes('Lock').some((c) => (c.state as { abandoned: boolean }).abandoned), 'abandoned state seen');
    assert.ok(run.events.some((e) => e.event === 'acquired an abandoned mutex'));
  });

  test('killing the demo process ends its workers and its objects', { timeout: 120_000 }, async () => {
    provisionWine();
    const dir = tempDir('demo-kill');
    const demo = startCli(['demo', 'mutex-contention', '--workers', '2', '--json'], path.join(dir, 'demo'));
    const header = JSON.parse(await firstLine(path.join(dir, 'demo', 'out'), 60_000));
    assert.equal(header.pids.length, 2);
    await new Promise((r) => setTimeout(r, 1000));
    // Kill the demo's Windows process itself, as Task Manager would: no clean-up code runs in it.
    const runnerPid = (await processes(dir)).find((p) => p.pid === header.pids[0])!.parentPid;
    await processes(dir, runnerPid);
    const deadline = Date.now() + 20_000;
    let alive: number[] = header.pids;
    while (alive.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const live = await livePids(dir);
      alive = header.pids.filter((pid: number) => live.has(pid));
    }
    assert.deepEqual(alive, [], 'workers exit when their parent dies');
    const leftovers = await runCli(['list', '--json', '--no-holders', '--name', 'SyncScopeDemo.mutex-contention.*']);
    assert.deepEqual(JSON.parse(leftovers.stdout).filter((o: { path: string }) => o.path === header.objects.Lock), []);
    demo.kill('SIGKILL');
  });
});
