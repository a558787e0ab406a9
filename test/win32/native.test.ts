// The Win32 layer for real: Windows node.exe under Wine (or natively on Windows), objects made by
// another real process. Where the OS reports a capability the tests assert the real value; where
// not, its exact reason. The session and process name are the helper's own report.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sessionDirectory } from '../../native/win32/names';
import { gapOf, type Capabilities } from '../support/win32-capabilities';
import { Win32Helper, provisionWine, runCli, runFixture, startCli, startFixture, tempDir, toWinePath, waitForFile, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();
const prefix = `SyncScopeTest${process.pid}`;
/** The helper's session directory (`\Sessions\<id>\BaseNamedObjects`), set once it reports. */
let session = '';
const full = (leaf: string) => `${session}\\${prefix}_${leaf}`;

async function cliJson(args: string[]) {
  const result = await runCli([...args, '--json']);
  assert.equal(result.code, 0, `syncscope ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

describe('Win32 layer under Wine', { skip, timeout: 900_000 }, () => {
  let helper: Win32Helper;
  let capabilities: Capabilities;

  before(async () => {
    provisionWine();
    helper = await Win32Helper.start(prefix);
    session = sessionDirectory(helper.ready.sessionId);
    capabilities = helper.ready.capabilities;
  });
  after(async () => {
    await helper?.stop();
  });

  test('list finds every object the helper made, with its exact state and the helper as holder', { timeout: 120_000 }, async () => {
    const listed: Array<Record<string, any>> = await cliJson(['list', '--name', `${prefix}_*`]);
    const byName = new Map(listed.map((o) => [o.name, o]));
    const expected: Record<string, { kind: string; state: Record<string, unknown> }> = {
      ManualEv: { kind: 'event', state: { eventType: 'manual', signaled: true } },
      AutoEv: { kind: 'event', state: { eventType: 'auto', signaled: false } },
      Owned: { kind: 'mutex', state: { locked: true, abandoned: false } },
      Abandoned: { kind: 'mutex', state: { locked: false, abandoned: true } },
      Sem: { kind: 'semaphore', state: { count: 2, max: 7 } },
    };
    for (const [leaf, want] of Object.entries(expected)) {
      const object = byName.get(`${prefix}_${leaf}`);
      assert.ok(object, `${leaf} missing from list: ${[...byName.keys()].join(', ')}`);
      assert.equal(object.kind, want.kind);
      assert.equal(object.path, full(leaf));
      for (const [field, value] of Object.entries(want.state)) {
        assert.equal(object.state[field], value, `${leaf}.state.${field}`);
      }
      assert.ok(
        object.holders.some((h: { pid: number; processName: string }) => h.pid === helper.pid && h.processName === helper.ready.processName),
        `${leaf}: holders ${JSON.stringify(object.holders)} lack helper pid ${helper.pid}`,
      );
    }
    const timer = byName.get(`${prefix}_Timer`)!;
    assert.equal(timer.kind, 'timer');
    assert.equal(timer.state.signaled, false);
    assert.ok(timer.state.remainingMs > 30_000 && timer.state.remainingMs <= 60_000, `remainingMs ${timer.state.remainingMs}`);
    // The owner of a mutex is the thread that created it owned, where the OS tells; else absent, not invented.
    const owned = byName.get(`${prefix}_Owned`)!;
    if (gapOf(capabilities, 'mutexOwner') === null) {
      assert.equal(owned.state.ownerThreadId, helper.ready.tid);
      assert.equal(owned.state.ownerProcessId, helper.pid);
    } else {
      assert.equal('ownerThreadId' in owned.state, false);
    }
  });

  test('list --kind filters by kind and scans a directory the user names', { timeout: 120_000 }, async () => {
    const mutexes: Array<{ kind: string; name: string }> = await cliJson(['list', '--kind', 'mutex', '--name', `${prefix}_*`, '--no-holders']);
    assert.deepEqual(mutexes.map((m) => m.name).sort(), [`${prefix}_Abandoned`, `${prefix}_Owned`]);
    const links: Array<{ kind: string; name: string; path: string }> = await cliJson(['list', '--dir', session, '--kind', 'symboliclink']);
    assert.deepEqual(links.map((l) => l.name).sort(), ['Global', 'Local', 'Session']);
    const root: Array<{ name: string; kind: string }> = await cliJson(['list', '--dir', '\\', '--no-holders']);
    assert.ok(root.some((e) => e.name === 'BaseNamedObjects' && e.kind === 'directory'), 'root lists \\BaseNamedObjects');
  });

  test('names resolve as kernel32 does: Foo, Local\\Foo, Session\\<id>\\Foo and full NT paths', { timeout: 120_000 }, async () => {
    const local = [`${prefix}_Sem`, `Local\\${prefix}_Sem`, full('Sem')];
    // Session\<id>\ names a session's directory; session 0's local objects are the global ones.
    if (helper.ready.sessionId !== 0) local.push(`Session\\${helper.ready.sessionId}\\${prefix}_Sem`);
    for (const name of local) {
      const shown = await cliJson(['show', name]);
      assert.equal(shown.path, full('Sem'), name);
      assert.deepEqual(shown.state, { count: 2, max: 7 });
    }
    const global = await runCli(['show', `Global\\${prefix}_Sem`]);
    if (helper.ready.sessionId !== 0) assert.equal(global.code, 3, 'the object is in the session namespace, not the global one');
  });

  test('show: the thread of another process blocked on the event where the OS tells, else the exact reason', { timeout: 120_000 }, async () => {
    const gap = gapOf(capabilities, 'waiters');
    if (gap !== null) {
      const shown = await cliJson(['show', `${prefix}_AutoEv`]);
      assert.equal(shown.waiters, undefined);
      assert.equal(shown.unavailable.waiters, gap);
      assert.ok(shown.holders.some((h: { pid: number }) => h.pid === helper.pid));
      return;
    }
    // A real process blocks in WaitForSingleObject on the auto-reset event (nonsignaled).
    const dir = tempDir('waiter');
    const out = path.join(dir, 'waiter.json');
    const waiter = startFixture('win32-waiter', [`${prefix}_AutoEv`, '60000', toWinePath(out)], dir);
    try {
      const known = JSON.parse(await waitForFile(`${out}.waiting`, 60_000));
      const deadline = Date.now() + 30_000;
      let shown: any;
      do {
        shown = await cliJson(['show', `${prefix}_AutoEv`]);
      } while (!shown.waiters?.some((w: { pid: number }) => w.pid === known.pid) && Date.now() < deadline);
      assert.deepEqual(
        shown.waiters.filter((w: { pid: number }) => w.pid === known.pid),
        [{ pid: known.pid, tid: known.tid, processName: helper.ready.processName }],
        JSON.stringify(shown),
      );
      assert.equal(shown.unavailable?.waiters, undefined);
    } finally {
      await cliJson(['set', `${prefix}_AutoEv`]); // wakes it; the auto-reset event is nonsignaled again
      const woke = JSON.parse(await waitForFile(out, 30_000));
      assert.equal(woke.woke, true, JSON.stringify(woke));
      waiter.kill('SIGKILL');
    }
  });

  test('event set, reset and pulse change the object as the helper sees it', { timeout: 120_000 }, async () => {
    await cliJson(['set', `${prefix}_AutoEv`]);
    assert.deepEqual((await helper.stateOf(`${prefix}_AutoEv`)).state, { eventType: 'auto', signaled: true });
    await cliJson(['reset', `${prefix}_ManualEv`]);
    assert.deepEqual((await helper.stateOf(`${prefix}_ManualEv`)).state, { eventType: 'manual', signaled: false });
    await cliJson(['signal', `${prefix}_ManualEv`]);
    assert.equal((await helper.stateOf(`${prefix}_ManualEv`)).state!.signaled, true);
    await cliJson(['reset', `${prefix}_ManualEv`]);

    // Pulse wakes a real waiting process and leaves the event nonsignaled.
    const dir = tempDir('pulse');
    const out = path.join(dir, 'waiter.json');
    const waiter = startFixture('win32-waiter', [`${prefix}_ManualEv`, '20000', toWinePath(out)], dir);
    const waiterExited = new Promise((resolve) => waiter.once('exit', resolve));
    await waitForFile(`${out}.waiting`, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let it enter the wait
    const pulsed = await cliJson(['pulse', `${prefix}_ManualEv`]);
    assert.equal(pulsed.state.signaled, false);
    const woke = JSON.parse(await waitForFile(out, 30_000));
    assert.equal(woke.woke, true, `waiter result ${JSON.stringify(woke)}`);
    assert.ok(woke.waitedMs < 15_000);
    await waiterExited;
    assert.equal((await helper.stateOf(`${prefix}_ManualEv`)).state!.signaled, false);
  });

  test('semaphore release and all-or-nothing acquire', { timeout: 120_000 }, async () => {
    const released = await cliJson(['release', `${prefix}_Sem`, '--count', '3']);
    assert.equal(released.previousCount, 2);
    assert.deepEqual((await helper.stateOf(`${prefix}_Sem`)).state, { count: 5, max: 7 });
    await cliJson(['acquire', `${prefix}_Sem`, '--count', '4', '--timeout', '1000']);
    assert.deepEqual((await helper.stateOf(`${prefix}_Sem`)).state, { count: 1, max: 7 });
    const tooMany = await runCli(['acquire', `${prefix}_Sem`, '--count', '2', '--timeout', '200']);
    assert.equal(tooMany.code, 5, tooMany.stderr);
    assert.match(tooMany.stderr, /could not acquire 2 unit/);
    assert.deepEqual((await helper.stateOf(`${prefix}_Sem`)).state, { count: 1, max: 7 }, 'a partial acquire is handed back');
    const overMax = await runCli(['release', `${prefix}_Sem`, '--count', '7']);
    assert.notEqual(overMax.code, 0);
    assert.match(overMax.stderr, /SEMAPHORE_LIMIT_EXCEEDED/);
    assert.deepEqual((await helper.stateOf(`${prefix}_Sem`)).state, { count: 1, max: 7 });
  });

  test('a mutex owned by another process cannot be acquired in time nor released', { timeout: 120_000 }, async () => {
    const acquire = await runCli(['acquire', `${prefix}_Owned`, '--timeout', '300', '--hold', '0']);
    assert.equal(acquire.code, 5, acquire.stderr);
    const release = await runCli(['release', `${prefix}_Owned`]);
    assert.equal(release.code, 1);
    assert.match(release.stderr, /held by another thread.*only its owner can release/);
    assert.equal(release.stderr.trim().split('\n').length, 1, 'one line, no stack');
    assert.deepEqual((await helper.stateOf(`${prefix}_Owned`)).state, { locked: true, abandoned: false, ownedByCaller: true });
  });

  test('acquiring an abandoned mutex reports it and clears the abandoned state', { timeout: 120_000 }, async () => {
    const acquired = await cliJson(['acquire', `${prefix}_Abandoned`, '--timeout', '2000', '--hold', '0']);
    assert.equal(acquired.abandoned, true);
    assert.equal(acquired.state.locked, true);
    assert.equal(acquired.state.ownedByCaller, true);
    assert.deepEqual((await helper.stateOf(`${prefix}_Abandoned`)).state, { locked: false, abandoned: false, ownedByCaller: false });
  });

  test('timer set and cancel', { timeout: 120_000 }, async () => {
    await cliJson(['set', `${prefix}_Timer`, '--due', '150']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const fired = (await helper.stateOf(`${prefix}_Timer`)).state!;
    assert.equal(fired.signaled, true);
    await cliJson(['set', `${prefix}_Timer`, '--due', '60000']);
    const armed = (await helper.stateOf(`${prefix}_Timer`)).state!;
    assert.equal(armed.signaled, false, 'setting a manual timer resets it');
    assert.ok((armed.remainingMs as number) > 30_000);
    await cliJson(['cancel', `${prefix}_Timer`]);
    // NtQueryTimer cannot tell a cancelled timer from an armed one (RemainingTime still counts
    // down to the old due time, on Windows as under Wine); what cancel changes is that the timer
    // never fires.
    // Due far enough ahead that the cancel (a fresh node.exe under Wine) surely lands first.
    const dueMs = 3000;
    const setAt = Date.now();
    await cliJson(['set', `${prefix}_Timer`, '--due', String(dueMs)]);
    const cancelled = await cliJson(['cancel', `${prefix}_Timer`]);
    assert.equal(cancelled.action, 'cancel');
    assert.ok(Date.now() - setAt < dueMs, 'cancel landed before the due time (else this test proves nothing)');
    await new Promise((resolve) => setTimeout(resolve, setAt + dueMs + 700 - Date.now()));
    assert.equal((await helper.stateOf(`${prefix}_Timer`)).state!.signaled, false, 'a cancelled timer does not fire');
  });

  test('create makes each kind, visible to another process while held', { timeout: 120_000 }, async () => {
    const dir = tempDir('create');
    const specs: Array<[string[], Record<string, unknown>]> = [
      [['event', `${prefix}_NewEv`, '--manual', '--signaled'], { eventType: 'manual', signaled: true }],
      [['mutex', `${prefix}_NewMx`], { locked: false, abandoned: false }],
      [['semaphore', `${prefix}_NewSem`, '--count', '1', '--max', '3'], { count: 1, max: 3 }],
      [['timer', `${prefix}_NewTm`, '--due', '50000'], { signaled: false }],
    ];
    const holders = specs.map(([args], i) =>
      startCli(['create', ...args, '--hold', '60'], path.join(dir, `create-${i}`)),
    );
    try {
      for (const [args, want] of specs) {
        const name = args[1];
        const seen = await pollState(helper, name, 60_000);
        for (const [field, value] of Object.entries(want)) assert.equal(seen[field], value, `${name}.${field}`);
      }
      const duplicate = await runCli(['create', 'event', `${prefix}_NewEv`, '--hold', '0']);
      assert.equal(duplicate.code, 1);
      assert.match(duplicate.stderr, /exists already|OBJECT_NAME_COLLISION/);
    } finally {
      for (const child of holders) child.kill('SIGKILL');
    }
  });

  test('errors: one clear line and a typed exit code; --debug adds the stack', { timeout: 120_000 }, async () => {
    const missing = await runCli(['show', `${prefix}_NoSuchThing`]);
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr.trim(), `syncscope: no object named ${full('NoSuchThing')}`);
    const wrongType = await runCli(['show', 'Local']);
    assert.equal(wrongType.code, 1);
    assert.match(wrongType.stderr, /is a SymbolicLink, not an event, mutex, semaphore or timer/);
    const bad = await runCli(['signal', `${prefix}_Sem`, '--count', '-1']);
    assert.equal(bad.code, 2);
    const debug = await runCli(['show', `${prefix}_NoSuchThing`, '--debug']);
    assert.match(debug.stderr, /\n\s+at /);
  });

  test('capabilities: what every Windows has, and each gap with its exact reason', { timeout: 120_000 }, async () => {
    const report = await cliJson(['capabilities']);
    assert.equal(report.platform, 'win32');
    for (const feature of ['enumerate', 'queryState', 'holders', 'actions', 'handleCount']) {
      assert.equal(report[feature].supported, true, feature);
    }
    for (const feature of ['mutexOwner', 'waiters', 'threadStates', 'waitChains', 'processHandleSnapshot']) gapOf(report, feature);
    // Another process on the same OS probes the same answers.
    for (const feature of Object.keys(capabilities)) assert.deepEqual(report[feature], capabilities[feature], feature);
  });

  test('wait reading: syscall numbers from this ntdll\'s stubs, and its export order used only where every plain stub agrees', { timeout: 120_000 }, async () => {
    const out = path.join(tempDir('syscalls'), 'syscalls.json');
    const run = await runFixture('win32-wait-reading', [toWinePath(out)]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    // Every number the table gives is the one the real stub holds (the fixture reads the stub itself).
    assert.ok(Number.isInteger(report.numbers.NtWaitForSingleObject), JSON.stringify(report));
    for (const [name, stubNumber] of Object.entries(report.stubs)) {
      if (stubNumber !== null) assert.equal(report.numbers[name], stubNumber, name);
      else assert.equal(typeof report.unknown[name], 'string', `${name} is unknown, with a reason`);
    }
    // The export order is trusted exactly when no plain stub contradicts it (Wine's does; Windows' does not).
    assert.ok(report.order.agreeing + report.order.disagreeing > 0, 'the plain stubs were checked against the order');
    assert.equal(report.order.trusted, report.order.disagreeing === 0 && report.order.agreeing > 0);
    // MsgWaitForMultipleObjects' call lives in win32u, numbered from 0x1000.
    if (report.numbers.NtUserMsgWaitForMultipleObjectsEx !== undefined) assert.ok(report.numbers.NtUserMsgWaitForMultipleObjectsEx >= 0x1000);
    else assert.equal(typeof report.unknown.NtUserMsgWaitForMultipleObjectsEx, 'string');
    // A synchronous pipe with a thread blocked reading it is told by its type alone: its name is
    // never asked (that query can hang on Windows), so the answer is 'other', typed File.
    assert.deepEqual(report.pipeTarget, { type: 'other', handle: report.pipeHandle, typeName: 'File' });
    assert.equal(report.pipeName, null, 'syncObjectName asks nothing of a handle without a sampled kind');
    // Directories are read many entries per call where the OS has that form, one per call on Wine.
    assert.ok(report.directory.rootEntries > 3, JSON.stringify(report.directory));
    assert.equal(report.directory.form, report.wine ? 'one' : 'many');
    // Unnamed objects are matched with CompareObjectHandles where the OS has it; where not, every
    // answer about one says so (named ones are matched by name either way).
    assert.equal(report.identity.named, null);
    if (report.identity.unsupported === null) assert.equal(report.identity.unnamed, null);
    else assert.equal(report.identity.unnamed, `holders and waiters of unnamed objects are not matched: ${report.identity.unsupported}`);
  });

  test('no handle growth over 10,000 query cycles', { timeout: 120_000 }, async () => {
    const dir = tempDir('hygiene');
    const out = path.join(dir, 'hygiene.json');
    const run = await runFixture('win32-hygiene', [`${prefix}H`, toWinePath(out), '10000'], 300_000);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(result.cycles, 10_000);
    assert.ok(result.before > 0, 'the handle count is real');
    assert.ok(result.after <= result.before, `handles grew from ${result.before} to ${result.after}`);
    assert.equal(result.liveAfter, result.liveBefore, 'the layer closed every handle it opened');
    process.stderr.write(`hygiene: ${JSON.stringify(result)}\n`);
  });
});

async function pollState(helper: Win32Helper, name: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await helper.stateOf(name);
    if (seen.state) return seen.state;
    if (Date.now() > deadline) throw new Error(`${name} never appeared: ${seen.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
