// The native pieces of `why` under Wine (or natively on Windows): unnamed objects held by two
// real node.exe processes, found, matched across processes, opened again by identity and
// sampled; thread waits and wait chains where the OS has them, their exact "unavailable" reasons
// where it does not: each assertion picks by the backend's capability report, never by "is this
// Wine".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { provisionWine, runCli, runFixture, startUnnamedHolders, toWinePath, waitForFile, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();

import { gapOf } from '../support/win32-capabilities';

async function cliJson(args: string[]) {
  const result = await runCli([...args, '--json'], 120_000);
  assert.equal(result.code, 0, `syncscope ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}


describe('why: native pieces under Wine', { skip, timeout: 600_000 }, () => {
  let fixture: Awaited<ReturnType<typeof startUnnamedHolders>>;
  let report: Record<string, any>;
  /** Each capability's gap (its exact reason), or null where the OS has it. */
  const gap = (feature: string) => gapOf(report.capabilities, feature);

  before(async () => {
    provisionWine();
    fixture = await startUnnamedHolders();
    const out = path.join(fixture.dir, 'native.json');
    const run = await runFixture('win32-why-native', [toWinePath(fixture.readyFile), toWinePath(out), '50'], 240_000);
    assert.equal(run.code, 0, run.stderr);
    report = JSON.parse(fs.readFileSync(out, 'utf8'));
  });
  after(async () => {
    await fixture?.stop();
    if (fixture) {
      // The waiter was blocked on the unnamed event until the holder set it at stop.
      const woke = JSON.parse(await waitForFile(path.join(fixture.dir, 'waiter-result.json'), 30_000));
      assert.equal(woke.status, 0, `the waiter should wake on the event, not time out: ${JSON.stringify(woke)}`);
      fs.rmSync(fixture.dir, { recursive: true, force: true });
    }
  });

  test('the capability report the assertions below pick by: each gap has its known exact reason', () => {
    assert.equal(report.capabilities.platform, 'win32');
    for (const feature of ['mutexOwner', 'waiters', 'threadStates', 'waitChains', 'processHandleSnapshot', 'objectIdentity']) gap(feature);
  });

  test('the per-process list has every handle of both objects, unnamed, with their states', () => {
    const { ready } = fixture;
    const holder = report.holderHandles;
    assert.equal(holder.pid, ready.holderPid);
    assert.equal(holder.processName, ready.holderName);
    const event = holder.handles.find((h: any) => h.handle === ready.event);
    const mutex = holder.handles.find((h: any) => h.handle === ready.mutex);
    assert.deepEqual(event, { handle: ready.event, kind: 'event', grantedAccess: 0x1f0003, state: { eventType: 'manual', signaled: false } });
    assert.equal(mutex.kind, 'mutex');
    assert.equal('path' in mutex, false, 'an unnamed mutex has no path');
    assert.equal(mutex.state.locked, true);
    assert.equal(mutex.state.abandoned, false);
    // Named objects of the same process carry their NT path.
    assert.ok(holder.handles.some((h: any) => typeof h.path === 'string' && h.path.startsWith('\\')), 'node.exe holds some named object');
    const waiterCopy = report.waiterHandles.handles.find((h: any) => h.handle === ready.waiterEvent);
    assert.deepEqual(waiterCopy?.state, { eventType: 'manual', signaled: false });
  });

  test('the handle list comes from ProcessHandleInformation, or from the system table with the exact reason', () => {
    for (const list of [report.holderHandles, report.waiterHandles]) {
      const missing = gap('processHandleSnapshot');
      if (missing) {
        assert.equal(list.source, 'system-table');
        assert.equal(list.snapshotUnavailable, missing);
      } else {
        assert.equal(list.source, 'process-snapshot');
        assert.equal(list.snapshotUnavailable, undefined);
      }
    }
  });

  test('one object across processes: both node.exe hold the unnamed event, only its creator the mutex', () => {
    const { ready } = fixture;
    assert.equal(report.sameAcross, true, 'the event and its copy in the waiter are one object');
    assert.equal(report.sameDifferent, false, 'the event and the mutex are not');
    assert.deepEqual(report.holders.event.handles.map((h: any) => [h.pid, h.handle]), [
      [ready.holderPid, ready.event],
      [ready.waiterPid, ready.waiterEvent],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)));
    assert.deepEqual(report.holders.mutex.handles.map((h: any) => [h.pid, h.handle]), [[ready.holderPid, ready.mutex]]);
    assert.ok(report.holders.event.holders.every((h: any) => h.processName === ready.holderName));
    assert.ok(!report.holders.event.handles.some((h: any) => h.pid === report.pid), 'the inspector\'s own copies are not holders');
  });

  test('an unnamed object reopens by identity through the backend; a gone handle or process is typed vanished', () => {
    const { ready } = fixture;
    assert.equal(report.eventPath, `handle:${ready.holderPid}:${ready.event}`);
    assert.deepEqual(report.eventState, { eventType: 'manual', signaled: false });
    assert.deepEqual(report.viaBackend, { kind: 'event', path: report.eventPath, state: { eventType: 'manual', signaled: false } });
    assert.equal(report.mutexState.locked, true);
    assert.equal(report.wrongKind.error.kind, 'vanished');
    assert.match(report.wrongKind.error.message, /now refers to an unnamed event, not the unnamed mutex it was known as/);
    assert.deepEqual(report.closedHandle.error, {
      kind: 'vanished', code: 'STATUS_INVALID_HANDLE',
      message: `handle:${ready.holderPid}:0xfff0 vanished: handle 0xfff0 of process ${ready.holderPid} is closed`,
    });
    assert.equal(report.goneProcess.error.kind, 'vanished');
    assert.match(report.goneProcess.error.message, /^handle:2147483632:0x4 vanished: process 2147483632 has exited$/);
    assert.equal(report.missingProcess.error.kind, 'not-found');
  });

  test('a process that exits after the inspector listed it is vanished when inspected, though a handle keeps its object', () => {
    const { pid, found, listedWhenInspected, inspected } = report.exitedAfterList;
    assert.equal(found, 1, 'the inspector listed the child');
    assert.equal(listedWhenInspected, false, 'the child had left the process list before it was inspected');
    assert.deepEqual(inspected, { error: { kind: 'vanished', code: 'STATUS_INVALID_CID', message: `process ${pid} exited while it was read` } });
  });

  test('a handle resolves to the process it names, or to its object', () => {
    const { ready } = fixture;
    assert.deepEqual(report.resolved.process, { type: 'process', handle: ready.waiterProcess, pid: ready.waiterPid });
    assert.deepEqual(report.resolved.event, { type: 'object', handle: ready.event, kind: 'event', state: { eventType: 'manual', signaled: false } });
    assert.equal(report.resolved.closed.type, 'unreadable');
  });

  test('thread waits: the waiter\'s blocked thread and its target where the OS tells, the exact reasons where not', () => {
    const { ready } = fixture;
    const waits = report.waits;
    assert.equal(waits.pid, ready.waiterPid);
    assert.ok(waits.threads.some((t: any) => t.tid === ready.waiterTid), 'the waiter\'s blocked thread is listed');
    const noStates = gap('threadStates');
    const noTargets = gap('waiters');
    assert.equal(waits.statesUnavailable, noStates ?? undefined);
    if (noTargets) {
      assert.equal(waits.targetsUnavailable, noTargets);
      for (const thread of waits.threads) {
        assert.equal(thread.unavailable, noTargets);
        if (noStates) assert.deepEqual(thread, { tid: thread.tid, state: 'unknown', osState: 'not reported', unavailable: noTargets });
      }
    } else {
      // The thread known to block in WaitForSingleObject: on that handle, in that call, for a while.
      const blocked = waits.threads.find((t: any) => t.tid === ready.waiterTid);
      assert.equal(waits.targetsUnavailable, undefined);
      assert.equal(blocked.syscall, 'NtWaitForSingleObject', JSON.stringify(blocked));
      assert.equal(blocked.target?.type, 'object', JSON.stringify(blocked));
      assert.equal(blocked.target.handle, ready.waiterEvent);
      assert.equal(blocked.target.kind, 'event');
      assert.deepEqual(blocked.target.state, { eventType: 'manual', signaled: false });
      assert.ok(Number.isInteger(blocked.waitedMs) && blocked.waitedMs >= 0, `WaitTime read as ${blocked.waitedMs} ms`);
      if (!noStates) assert.equal(blocked.state, 'waiting');
    }
  });

  test('wait chains: WCT\'s chain where the OS has it, the exact reason where not', () => {
    const noChains = gap('waitChains');
    if (noChains) {
      assert.equal(report.wctUnsupported, noChains);
      assert.equal(report.waitChain, undefined);
    } else {
      assert.equal(report.wctUnsupported, null);
      const chains = report.waitChain as Array<{ tid: number; nodes: Array<{ type: string; tid?: number }> }>;
      assert.ok(chains.some((chain) => chain.nodes?.[0]?.type === 'thread' && chain.nodes[0].tid === chain.tid));
    }
  });

  test('no handle leaks over 50 more rounds of every call', () => {
    assert.ok(report.inspected.holds >= 2 && report.inspected.scanned >= 2, JSON.stringify(report.inspected));
    const { cycles, before, after } = report.leak;
    assert.equal(cycles, 50);
    assert.equal(before.live, 0, 'the layer holds nothing between calls');
    assert.equal(after.live, before.live);
    assert.ok(before.process > 0, 'the process handle count is real');
    assert.ok(after.process <= before.process, `process handles grew from ${before.process} to ${after.process}`);
  });

  test('why <holder>: both unnamed objects it holds, their states and holders by identity, and what the OS cannot tell', { timeout: 120_000 }, async () => {
    const { ready } = fixture;
    const document = await cliJson(['why', String(ready.holderPid)]);
    assert.equal(document.platform, 'win32');
    const [process] = document.reports;
    assert.equal(process.process.pid, ready.holderPid);
    assert.equal(process.process.name, ready.holderName);
    const eventId = `handle:${ready.holderPid}:${ready.event}`;
    const mutexId = `handle:${ready.holderPid}:${ready.mutex}`;
    assert.ok(process.holds.some((h: any) => h.id === eventId && h.how === `handle ${ready.event}`), JSON.stringify(process.holds));
    const event = process.objects[eventId];
    assert.equal(event.kind, 'event');
    assert.equal(event.name, null);
    assert.equal(event.label, `unnamed event, handle ${ready.event} in ${ready.holderName} (${ready.holderPid})`);
    assert.deepEqual(event.state, { eventType: 'manual', signaled: false });
    assert.deepEqual(event.holders.map((h: any) => h.pid), [ready.holderPid, ready.waiterPid].sort((a, b) => a - b));
    const mutex = process.objects[mutexId];
    assert.equal(mutex.label, `unnamed mutex, handle ${ready.mutex} in ${ready.holderName} (${ready.holderPid})`);
    assert.equal(mutex.state.locked, true);
    const noOwner = gap('mutexOwner');
    if (noOwner) {
      assert.ok(process.holds.some((h: any) => h.id === mutexId && h.how === `handle ${ready.mutex}`));
      assert.deepEqual(mutex.unavailable, { owner: noOwner });
    } else {
      // The holder's main thread created the mutex owned, and owns it still.
      assert.ok(process.holds.some((h: any) => h.id === mutexId && h.how === `owns it; handle ${ready.mutex}`));
      assert.deepEqual(mutex.owner, { pid: ready.holderPid, tid: ready.holderTid, inferred: false, source: 'MutantOwnerInformation' });
    }
    // What the OS does not tell about this process, each with its capability's exact reason.
    const expected: Record<string, string> = {};
    for (const [key, feature] of [['threads', 'threadStates'], ['waits', 'waiters'], ['waitChains', 'waitChains']] as const) {
      const missing = gap(feature);
      if (missing) expected[key] = missing;
    }
    assert.deepEqual(process.unavailable, expected);
    const noWaits = gap('waiters');
    if (noWaits && gap('waitChains')) {
      assert.deepEqual(process.verdict, { kind: 'unknown', text: `cannot tell: ${noWaits}` });
      assert.ok(process.threads.length >= 1 && process.threads.every((t: any) => t.wait === null && t.unavailable === noWaits));
    }
  });

  test('why <waiter>: the copy of the event is the same object to every holder; its wait where the OS tells', { timeout: 120_000 }, async () => {
    const { ready } = fixture;
    const document = await cliJson(['why', String(ready.waiterPid)]);
    const [process] = document.reports;
    // A fresh CLI meets the event first through the waiter's copy, and names it so.
    const copyId = `handle:${ready.waiterPid}:${ready.waiterEvent}`;
    assert.ok(process.holds.some((h: any) => h.id === copyId), JSON.stringify(process.holds));
    assert.deepEqual(process.objects[copyId].holders.map((h: any) => h.pid), [ready.holderPid, ready.waiterPid].sort((a, b) => a - b));
    if (gap('waiters') && gap('waitChains')) {
      assert.equal(process.verdict.kind, 'unknown');
    } else {
      const blocked = process.threads.find((t: any) => t.wait?.objects.some((o: any) => o.id === copyId));
      assert.ok(blocked, 'a thread of the waiter waits on the event');
      assert.equal(blocked.tid, ready.waiterTid);
      assert.equal(process.verdict.kind, 'waiting');
      assert.equal(blocked.wait.duration.source, 'os');
    }
  });

  test('list: unnamed objects of the processes asked for, the shared event once with both holders', { timeout: 120_000 }, async () => {
    const { ready } = fixture;
    const listed: Array<Record<string, any>> = await cliJson(['list', '--dir', `unnamed:${ready.holderPid}`, '--dir', `unnamed:${ready.waiterPid}`]);
    const eventPath = `handle:${ready.holderPid}:${ready.event}`;
    const event = listed.filter((o) => o.path === eventPath);
    assert.equal(event.length, 1);
    assert.equal(event[0].name, `unnamed event, handle ${ready.event} in ${ready.holderName} (${ready.holderPid})`);
    assert.deepEqual(event[0].holders.map((h: any) => h.pid), [ready.holderPid, ready.waiterPid].sort((a, b) => a - b));
    assert.equal(listed.some((o) => o.path === `handle:${ready.waiterPid}:${ready.waiterEvent}`), false, 'the waiter\'s copy is not a second object');
    assert.ok(listed.some((o) => o.path === `handle:${ready.holderPid}:${ready.mutex}` && o.kind === 'mutex' && o.state.locked === true));
    assert.ok(listed.every((o) => o.path.startsWith('handle:')), 'only unnamed objects: named ones are listed by their directory');
    // The default scan adds unnamed objects someone waits on only where the OS tells waits.
    const defaults = (await cliJson(['list', '--no-holders'])) as Array<{ path: string }>;
    assert.equal(defaults.some((o) => o.path.startsWith('handle:')), gap('waiters') === null);
  });

  test('show and watch take an unnamed object\'s path; a closed handle is vanished (exit 3)', { timeout: 120_000 }, async () => {
    const { ready } = fixture;
    const path = `handle:${ready.holderPid}:${ready.event}`;
    const shown = await cliJson(['show', path]);
    assert.equal(shown.kind, 'event');
    assert.equal(shown.name, `unnamed event, handle ${ready.event} in ${ready.holderName} (${ready.holderPid})`);
    assert.deepEqual(shown.holders.map((h: any) => h.pid), [ready.holderPid, ready.waiterPid].sort((a, b) => a - b));
    const noWaits = gap('waiters');
    if (noWaits) assert.equal(shown.unavailable.waiters, noWaits);
    else assert.deepEqual(shown.waiters.map((w: any) => [w.pid, w.tid]), [[ready.waiterPid, ready.waiterTid]]);
    const watched = await runCli(['watch', path, '--duration', '1', '--json'], 60_000);
    assert.equal(watched.code, 0, watched.stderr);
    // Each line also carries the budget status it was sampled under and the object's sampling
    // interval (issue 15): an object the user named is sampled at least at the state rate.
    const { t, budget, intervalMs, ...firstLine } = JSON.parse(watched.stdout.trim().split('\n')[0]);
    assert.equal(typeof t, 'number');
    assert.ok(intervalMs === undefined || intervalMs <= 100, `interval ${intervalMs} ms`);
    assert.deepEqual(firstLine, { path, kind: 'event', state: { eventType: 'manual', signaled: false } });
    assert.equal(budget.objects, 1);
    const closed = await runCli(['show', `handle:${ready.holderPid}:0xfff0`]);
    assert.equal(closed.code, 3);
    assert.equal(closed.stderr.trim(), `syncscope: handle:${ready.holderPid}:0xfff0 vanished: handle 0xfff0 of process ${ready.holderPid} is closed`);
    const act = await runCli(['set', path]);
    assert.equal(act.code, 1);
    assert.match(act.stderr, /is an unnamed object: SyncScope only reads those/);
  });

  test('deadlocks: none here; where the OS tells no waits, it says so instead of a bare "none"', { timeout: 120_000 }, async () => {
    const report2 = await cliJson(['deadlocks']);
    assert.deepEqual(report2.deadlocks, []);
    const noWaits = gap('waiters');
    if (noWaits) assert.equal(report2.unavailable.waiters, `incomplete: no thread's wait can be told on this OS: ${noWaits}`);
    else assert.ok(!String(report2.unavailable.waiters ?? '').includes('no thread\'s wait can be told'), JSON.stringify(report2.unavailable));
  });

  test('capabilities: the new Windows probes, each with its exact reason where the OS lacks it', { timeout: 120_000 }, async () => {
    const capabilities = await cliJson(['capabilities']);
    assert.deepEqual(capabilities.objectIdentity, { supported: true }, 'CompareObjectHandles works under Wine and on Windows 10+');
    // The CLI, another process, probes what the fixture's backend did.
    for (const feature of ['processHandleSnapshot', 'threadStates', 'waitChains', 'waiters', 'mutexOwner']) {
      assert.deepEqual(capabilities[feature], report.capabilities[feature], feature);
      gapOf(capabilities, feature);
    }
  });
});
