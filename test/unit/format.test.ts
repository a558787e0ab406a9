// Terminal renderings of object state, durations, tables and holders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeBudget, describeHolders, describeInterval, describeState, describeWaiter, formatMs, table } from '../../cli/format';
import { watchLine } from '../../cli/live';
import type { ObjectReport } from '../../native/types';

const report = (extra: Partial<ObjectReport>): ObjectReport => ({ kind: 'event', name: 'E', path: '\\E', ...extra });

test('describeState: events', () => {
  assert.equal(describeState({ kind: 'event', state: { eventType: 'manual', signaled: true } }), 'signaled (manual reset)');
  assert.equal(describeState({ kind: 'event', state: { eventType: 'auto', signaled: false } }), 'nonsignaled (auto reset)');
});

test('describeState: mutexes, with abandonment and owner when known', () => {
  assert.equal(describeState({ kind: 'mutex', state: { locked: false, abandoned: false } }), 'free');
  assert.equal(describeState({ kind: 'mutex', state: { locked: false, abandoned: true } }), 'free, abandoned');
  assert.equal(
    describeState({ kind: 'mutex', state: { locked: true, abandoned: false, ownerThreadId: 1234, ownerProcessId: 99 } }),
    'locked, owner tid 1234',
  );
  // Thread id 0 is still an owner id, not "unknown".
  assert.equal(describeState({ kind: 'mutex', state: { locked: true, abandoned: true, ownerThreadId: 0 } }), 'locked, abandoned, owner tid 0');
});

test('describeState: semaphores', () => {
  assert.equal(describeState({ kind: 'semaphore', state: { count: 2, max: 7 } }), 'count 2/7');
  assert.equal(describeState({ kind: 'semaphore', state: { count: 0, max: 1 } }), 'count 0/1');
});

test('describeState: timers', () => {
  assert.equal(describeState({ kind: 'timer', state: { signaled: false, remainingMs: 1500 } }), 'nonsignaled, due in 1.5 s');
  assert.equal(describeState({ kind: 'timer', state: { signaled: true, remainingMs: null } }), 'signaled, past due');
  assert.equal(describeState({ kind: 'timer', state: { signaled: false, remainingMs: 40 } }), 'nonsignaled, due in 40 ms');
});

test('describeState: no state, or a kind that is not sampled, renders empty', () => {
  assert.equal(describeState({ kind: 'event' }), '');
  assert.equal(describeState({ kind: 'mutex', state: undefined }), '');
  assert.equal(describeState({ kind: 'section', state: { count: 1, max: 2 } }), '');
});

test('formatMs: ms below a second, seconds below two minutes, then minutes', () => {
  assert.equal(formatMs(0), '0 ms');
  assert.equal(formatMs(999), '999 ms');
  assert.equal(formatMs(1000), '1.0 s');
  assert.equal(formatMs(1550), '1.6 s');
  assert.equal(formatMs(119_000), '119.0 s');
  assert.equal(formatMs(120_000), '2 min');
  assert.equal(formatMs(150_000), '3 min'); // 2.5 rounds up
  assert.equal(formatMs(3_600_000), '60 min');
});

test('table: columns padded to the widest cell, two spaces apart, last column unpadded', () => {
  const text = table(
    ['KIND', 'NAME', 'STATE'],
    [
      ['event', 'A', 'signaled (manual reset)'],
      ['semaphore', 'LongerName', 'count 2/7'],
    ],
  );
  assert.equal(
    text,
    [
      'KIND       NAME        STATE',
      'event      A           signaled (manual reset)',
      'semaphore  LongerName  count 2/7',
    ].join('\n'),
  );
  // Every column after the first starts at the same offset on every line.
  const lines = text.split('\n');
  for (const column of ['NAME', 'STATE']) {
    const at = lines[0].indexOf(column);
    for (const line of lines.slice(1)) assert.equal(line.slice(at - 2, at), '  ', `${column} in ${JSON.stringify(line)}`);
  }
});

test('table: a header wider than its cells sets the width; no trailing spaces', () => {
  const text = table(['PID', 'PROCESS', 'X'], [['1', 'a', ''], ['22', 'bb', 'y']]);
  assert.equal(text, ['PID  PROCESS  X', '1    a', '22   bb       y'].join('\n'));
  for (const line of text.split('\n')) assert.equal(line, line.trimEnd());
});

test('table: no rows is just the header; short rows are not padded past their end', () => {
  assert.equal(table(['A', 'B'], []), 'A  B');
  assert.equal(table(['NAME', 'STATE'], [['x']]), 'NAME  STATE\nx');
});

test('describeHolders: process name and pid, space separated', () => {
  const holders = [{ pid: 12, processName: 'app.exe' }, { pid: 300, processName: '' }];
  assert.equal(describeHolders(report({ holders })), 'app.exe(12) ?(300)');
  assert.equal(describeHolders(report({ holders: [] })), '');
});

test('describeHolders: "?" when holders are unavailable, "" when simply absent', () => {
  assert.equal(describeHolders(report({ unavailable: { holders: 'access denied' } })), '?');
  assert.equal(describeHolders(report({ unavailable: { waiters: 'not supported' } })), '');
  assert.equal(describeHolders(report({})), '');
  // Known holders win over a stale "unavailable" note.
  assert.equal(describeHolders(report({ holders: [{ pid: 1, processName: 'x' }], unavailable: { holders: 'r' } })), 'x(1)');
});

test('describeWaiter: who, and for a System V waiter what its semop asks', () => {
  assert.equal(describeWaiter({ pid: 5, tid: 6, processName: 'app' }), 'app (pid 5, tid 6)');
  assert.equal(describeWaiter({ pid: 5, tid: 6, processName: '' }), '? (pid 5, tid 6)');
  assert.equal(
    describeWaiter({ pid: 5, tid: 6, processName: 'app', operations: [{ index: 1, op: -2 }, { index: 2, op: 0 }, { index: 0, op: 1 }] }),
    'app (pid 5, tid 6): take 2 from #1, #2 to be 0, add 1 to #0',
  );
});

test('describeBudget: used against the budget; the full-round time only when over a second', () => {
  assert.equal(describeBudget({ budgetPercent: 5, usedPercent: 3.14, fullRoundMs: 100, objects: 10 }), 'CPU 3.1 % of 5 %');
  assert.equal(describeBudget({ budgetPercent: 0.5, usedPercent: 0, fullRoundMs: 1000, objects: 0 }), 'CPU 0.0 % of 0.5 %');
  assert.equal(
    describeBudget({ budgetPercent: 12.5, usedPercent: 12.46, fullRoundMs: 2420.4, objects: 10_000 }),
    'CPU 12.5 % of 12.5 %, every object once in 2.4 s',
  );
  assert.equal(describeBudget({ budgetPercent: 5, usedPercent: 4.9, fullRoundMs: 300_000, objects: 50_000 }), 'CPU 4.9 % of 5 %, every object once in 5 min');
});

test('describeInterval: shown only where an object is sampled less often than the state rate', () => {
  assert.equal(describeInterval(undefined, 100), '');
  assert.equal(describeInterval(100, 100), '');
  assert.equal(describeInterval(10, 100), '');
  assert.equal(describeInterval(400, 100), 'every 400 ms');
  assert.equal(describeInterval(2400, 100), 'every 2.4 s');
});

test("watchLine --json: the record's interval and the budget status ride on each line; human lines stay as they were", () => {
  const record = { kind: 'posix-semaphore', name: 's', path: '/dev/shm/sem.s', state: { count: 1, waiters: 0 }, changedAt: 0, intervalMs: 2400 };
  const budget = { budgetPercent: 5, usedPercent: 1.5, fullRoundMs: 2400, objects: 10_000 };
  assert.deepEqual(JSON.parse(watchLine(record, true, budget)), {
    t: 0,
    path: '/dev/shm/sem.s',
    kind: 'posix-semaphore',
    state: { count: 1, waiters: 0 },
    intervalMs: 2400,
    budget,
  });
  const { intervalMs: _, ...withoutInterval } = record;
  assert.equal('intervalMs' in JSON.parse(watchLine(withoutInterval, true)), false);
  assert.match(watchLine(record, false, budget), /^\d\d:\d\d:\d\d\.\d{3}  \/dev\/shm\/sem\.s  count 1$/);
});
