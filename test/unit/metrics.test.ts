// computeMetrics and rankContention over hand-built step functions with known timings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeriesBuffer } from '../../core/history';
import { computeMetrics, rankContention, type ObjectMetrics } from '../../core/metrics';

/** A series from [t, value, waiters?] steps (waiters NaN when omitted). */
function series(steps: Array<[number, number, number?]>): SeriesBuffer {
  const s = new SeriesBuffer(10_000);
  for (const [t, value, waiters] of steps) assert.equal(s.push(t, { value, waiters: waiters ?? Number.NaN }), true, `step at ${t}`);
  return s;
}

const metricsOf = (kind: string, steps: Array<[number, number, number?]>, now: number, windowMs: number, max?: number) =>
  computeMetrics({ path: `\\X\\${kind}`, kind, series: series(steps), max }, now, windowMs);

// Window [1000, 2000] throughout unless stated.
const NOW = 2000;
const WINDOW = 1000;

test('mutex locked 300 ms of a 1000 ms window: lockedShare 0.3, one hold of 300 ms, 2 transitions/s', () => {
  const m = metricsOf('mutex', [
    [0, 0],
    [1200, 1],
    [1500, 0],
  ], NOW, WINDOW);
  assert.equal(m.lockedShare, 0.3);
  assert.equal(m.busyShare, 0.3);
  assert.equal(m.transitionsPerSec, 2);
  assert.deepEqual(m.holds, { count: 1, meanMs: 300, maxMs: 300 });
  assert.equal(m.waitersMean, undefined, 'waiters never known');
  assert.equal(m.waitersMax, undefined);
  assert.equal(m.score, 0.3, 'busyShare × (1 + 0)');
  assert.equal(m.windowMs, WINDOW);
  assert.equal(m.signaledShare, undefined);
  assert.equal(m.utilisation, undefined);
});

test('mutex with three holds of 100, 200 and 300 ms: mean 200, max 300', () => {
  const m = metricsOf('mutex', [
    [0, 0],
    [1100, 1],
    [1200, 0],
    [1300, 1],
    [1500, 0],
    [1600, 1],
    [1900, 0],
  ], NOW, WINDOW);
  assert.deepEqual(m.holds, { count: 3, meanMs: 200, maxMs: 300 });
  assert.equal(m.lockedShare, 0.6);
  assert.equal(m.transitionsPerSec, 6);
});

test('mutex holds: only lock-to-unlock spans inside the window count, but all locked time counts toward lockedShare', () => {
  const m = metricsOf('mutex', [
    [500, 1], // locked before the window...
    [1100, 0], // ...unlocked inside it: not a hold we can measure
    [1400, 1],
    [1450, 0], // a 50 ms hold
    [1800, 1], // still held at now: not a completed hold
  ], NOW, WINDOW);
  assert.deepEqual(m.holds, { count: 1, meanMs: 50, maxMs: 50 });
  assert.equal(m.lockedShare, (100 + 50 + 200) / 1000);
  assert.equal(m.transitionsPerSec, 4, 'the lock at 500 is before the window');
});

test('a change exactly at the window start counts, one exactly at now does not (window is [from, now))', () => {
  const m = metricsOf('mutex', [
    [0, 0],
    [1000, 1],
    [1250, 0],
    [2000, 1],
  ], NOW, WINDOW);
  assert.equal(m.transitionsPerSec, 2);
  assert.deepEqual(m.holds, { count: 1, meanMs: 250, maxMs: 250 });
  assert.equal(m.lockedShare, 0.25);
});

test('waiters: time-weighted mean and max over the window only', () => {
  const m = metricsOf('mutex', [
    [0, 1, 10], // 10 waiters long before the window: must not count
    [500, 1, 0],
    [1250, 1, 4],
    [1500, 1, 2],
  ], NOW, WINDOW);
  // 0 for 250 ms, 4 for 250 ms, 2 for 500 ms.
  assert.equal(m.waitersMean, 2);
  assert.equal(m.waitersMax, 4);
  assert.equal(m.lockedShare, 1);
  assert.equal(m.transitionsPerSec, 0, 'waiter changes are not state transitions');
  assert.equal(m.score, 1 * (1 + 2));
  assert.deepEqual(m.holds, { count: 0, meanMs: 0, maxMs: 0 });
});

test('waiters: time where the count is unknown is left out of the mean', () => {
  const m = metricsOf('mutex', [
    [1000, 1, Number.NaN],
    [1500, 1, 3],
  ], NOW, WINDOW);
  assert.equal(m.waitersMean, 3);
  assert.equal(m.waitersMax, 3);
});

test('semaphore with max: utilisation is time-weighted 1 - count/max', () => {
  const m = metricsOf('semaphore', [
    [0, 4],
    [1000, 0], // busy 1 for 250
    [1250, 2], // busy 0.5 for 250
    [1500, 4], // busy 0 for 500
  ], NOW, WINDOW, 4);
  assert.equal(m.utilisation, 0.375);
  assert.equal(m.busyShare, 0.375);
  assert.equal(m.lockedShare, undefined);
  assert.equal(m.holds, undefined, 'holds are for mutexes only');
  assert.equal(m.transitionsPerSec, 3);
  assert.equal(m.score, 0.375);
});

test('semaphore without a known max: no utilisation, busy only at count 0', () => {
  const m = metricsOf('semaphore', [
    [1000, 0],
    [1250, 2],
  ], NOW, WINDOW);
  assert.equal(m.utilisation, undefined);
  assert.equal(m.busyShare, 0.25);
});

test('event: signaledShare, and the score needs waiters (an idle unsignaled event is normal)', () => {
  const idle = metricsOf('event', [[0, 0, 0]], NOW, WINDOW);
  assert.equal(idle.signaledShare, 0);
  assert.equal(idle.busyShare, 1);
  assert.equal(idle.score, 0);
  const waitedOn = metricsOf('event', [
    [0, 0, 2],
    [1800, 1, 0],
  ], NOW, WINDOW);
  assert.ok(Math.abs(waitedOn.signaledShare! - 0.2) < 1e-12);
  assert.ok(Math.abs(waitedOn.busyShare - 0.8) < 1e-12);
  assert.ok(Math.abs(waitedOn.waitersMean! - 1.6) < 1e-12);
  assert.ok(Math.abs(waitedOn.score - 0.8 * 1.6) < 1e-12);
  assert.equal(waitedOn.lockedShare, undefined);
});

test('timer behaves as an event', () => {
  const m = metricsOf('timer', [
    [1000, 1],
    [1100, 0],
  ], NOW, WINDOW);
  assert.equal(m.signaledShare, 0.1);
  assert.equal(m.transitionsPerSec, 1);
  assert.equal(m.score, 0);
});

test('file-lock: lockedShare and score from waiters', () => {
  const m = metricsOf('file-lock', [[0, 1, 3]], NOW, WINDOW);
  assert.equal(m.lockedShare, 1);
  assert.equal(m.waitersMean, 3);
  assert.equal(m.score, 3, 'held × waiters: only waiting makes a lock contended');
  assert.equal(m.holds, undefined);
});

test('file-lock held for the whole window with nobody waiting is not contention', () => {
  const m = metricsOf('file-lock', [[0, 1, 0]], NOW, WINDOW);
  assert.equal(m.lockedShare, 1);
  assert.equal(m.score, 0);
});

test('shares are of the time the state was known: an object first seen mid-window', () => {
  const m = metricsOf('mutex', [[1500, 1]], NOW, WINDOW);
  assert.equal(m.lockedShare, 1);
  assert.equal(m.transitionsPerSec, 0, 'the first sample is not a transition');
  assert.deepEqual(m.holds, { count: 0, meanMs: 0, maxMs: 0 });
});

test('time when the object was gone (NaN) is left out of the shares', () => {
  const m = metricsOf('mutex', [
    [0, 1],
    [1500, Number.NaN],
    [1800, 0],
  ], NOW, WINDOW);
  assert.equal(m.lockedShare, 500 / 700);
});

test('a hold is not measured across the object vanishing and reappearing', () => {
  // Locked at 1100, vanished at 1300, a new object of that name appears unlocked at 1800. The
  // mutex that was locked no longer exists: there is no 700 ms lock-to-unlock span.
  const m = metricsOf('mutex', [
    [0, 0],
    [1100, 1],
    [1300, Number.NaN],
    [1800, 0],
  ], NOW, WINDOW);
  assert.deepEqual(m.holds, { count: 0, meanMs: 0, maxMs: 0 }, `a ${m.holds!.maxMs} ms hold spans the gap`);
  assert.equal(m.lockedShare, 200 / 500);
});

test('now in the past (a replay): samples after now are ignored', () => {
  const s = series([
    [0, 0],
    [1200, 1],
    [1500, 0],
    [1700, 1],
    [5000, 0],
  ]);
  const m = computeMetrics({ path: 'm', kind: 'mutex', series: s }, 1600, 1000);
  // Window [600, 1600): unlocked 600..1200, locked 1200..1500, unlocked 1500..1600.
  assert.equal(m.lockedShare, 0.3);
  assert.equal(m.transitionsPerSec, 2);
  assert.deepEqual(m.holds, { count: 1, meanMs: 300, maxMs: 300 });
});

test('empty series and a zero-length window give zeros, not NaN', () => {
  const empty = computeMetrics({ path: 'e', kind: 'mutex', series: new SeriesBuffer() }, NOW, WINDOW);
  assert.equal(empty.busyShare, 0);
  assert.equal(empty.lockedShare, 0);
  assert.equal(empty.transitionsPerSec, 0);
  assert.equal(empty.score, 0);
  assert.deepEqual(empty.holds, { count: 0, meanMs: 0, maxMs: 0 });
  const zero = metricsOf('mutex', [
    [0, 0],
    [1000, 1],
  ], NOW, 0);
  assert.equal(zero.transitionsPerSec, 0);
  assert.equal(zero.busyShare, 0);
  assert.ok(!Number.isNaN(zero.score));
});

test('a window longer than the history: transitions per second are over the time the object was seen', () => {
  const m = metricsOf('event', [
    [1000, 0],
    [1500, 1],
  ], NOW, 10_000);
  // Seen from 1000 to NOW (2000): one transition in one second.
  assert.equal(m.transitionsPerSec, 1);
  assert.equal(m.signaledShare, 0.5);
});

const fake = (path: string, score: number, transitionsPerSec: number): ObjectMetrics => ({
  path,
  kind: 'mutex',
  windowMs: 1000,
  busyShare: score,
  transitionsPerSec,
  score,
});

test('rankContention: by score, then transitions, then path; idle objects left out; limit', () => {
  const ranked = rankContention([
    fake('idle', 0, 0),
    fake('b', 0.5, 2),
    fake('a', 0.5, 2),
    fake('busy', 3, 0),
    fake('chatty', 0, 10),
    fake('c', 0.5, 7),
  ]);
  assert.deepEqual(
    ranked.map((m) => m.path),
    ['busy', 'c', 'a', 'b', 'chatty'],
  );
  assert.deepEqual(
    rankContention([fake('x', 1, 0), fake('y', 2, 0), fake('z', 3, 0)], 2).map((m) => m.path),
    ['z', 'y'],
  );
  assert.deepEqual(rankContention([]), []);
});

test('rankContention: does not reorder its input', () => {
  const input = [fake('a', 1, 0), fake('b', 2, 0)];
  rankContention(input);
  assert.deepEqual(
    input.map((m) => m.path),
    ['a', 'b'],
  );
});

test('rankContention over computed metrics: the held, waited-on mutex ranks above an idle event', () => {
  const contended = metricsOf('mutex', [[0, 1, 2]], NOW, WINDOW);
  const idleEvent = metricsOf('event', [[0, 0, 0]], NOW, WINDOW);
  const toggling = metricsOf('event', [
    [1000, 0, 0],
    [1100, 1, 0],
    [1200, 0, 0],
  ], NOW, WINDOW);
  const ranked = rankContention([idleEvent, toggling, contended]);
  assert.deepEqual(
    ranked.map((m) => m.kind + ':' + m.score),
    ['mutex:3', 'event:0'],
  );
});
