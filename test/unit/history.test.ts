// SeriesBuffer and HistoryStore: change-only storage, bounded ring, binary search, decimation that
// keeps spikes, and the store-wide byte budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTES_PER_SAMPLE, HistoryStore, SeriesBuffer } from '../../core/history';

const level = (value: number, waiters = Number.NaN) => ({ value, waiters });
/** The fields these tests are about (points may carry more). */
const core = (p: { t: number; value: number; min: number; max: number; waiters: number }) => ({
  t: p.t,
  value: p.value,
  min: p.min,
  max: p.max,
  waiters: p.waiters,
});

/** Every stored sample, oldest first. */
function dump(series: SeriesBuffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let n = 0; n < series.size; n++) out.push([series.timeAt(n), series.valueAt(n)]);
  return out;
}

test('SeriesBuffer.push: stores only when the value or the waiter count changes', () => {
  const s = new SeriesBuffer(16);
  assert.equal(s.push(0, level(1, 0)), true);
  assert.equal(s.push(10, level(1, 0)), false);
  assert.equal(s.push(20, level(1, 0)), false);
  assert.equal(s.size, 1);
  assert.equal(s.push(30, level(1, 2)), true, 'a waiter change is a change');
  assert.equal(s.push(40, level(0, 2)), true, 'a value change is a change');
  assert.deepEqual(dump(s), [
    [0, 1],
    [30, 1],
    [40, 0],
  ]);
  assert.equal(s.waitersAt(1), 2);
});

test('SeriesBuffer.push: NaN equals NaN (unknown stays unknown), NaN to a number is a change', () => {
  const s = new SeriesBuffer(16);
  assert.equal(s.push(0, level(Number.NaN)), true);
  assert.equal(s.push(1, level(Number.NaN)), false, 'NaN value again is no change');
  assert.equal(s.push(2, level(Number.NaN, 0)), true, 'waiters NaN -> 0 is a change');
  assert.equal(s.push(3, level(Number.NaN, 0)), false);
  assert.equal(s.push(4, level(5, 0)), true);
  assert.equal(s.push(5, level(5, Number.NaN)), true, 'waiters 0 -> NaN is a change');
  assert.equal(s.size, 4);
});

test('SeriesBuffer.push: waiter counts compare at Float32 precision, so a re-push of the same count is no change', () => {
  const s = new SeriesBuffer(16);
  s.push(0, level(1, 0.1));
  assert.equal(s.push(1, level(1, 0.1)), false);
  assert.equal(s.push(2, level(1, 3)), true);
  assert.equal(s.push(3, level(1, 3)), false);
});

test('SeriesBuffer.push: a time going backwards is clamped to the last time, keeping times monotonic', () => {
  const s = new SeriesBuffer(16);
  s.push(100, level(0));
  s.push(50, level(1));
  assert.deepEqual(dump(s), [
    [100, 0],
    [100, 1],
  ]);
  assert.equal(s.lastAtOrBefore(99), -1);
  assert.equal(s.lastAtOrBefore(100), 1, 'the later of two equal times wins');
});

test('SeriesBuffer: grows to capacity then overwrites the oldest, keeping order across the wrap', () => {
  const capacity = 100;
  const s = new SeriesBuffer(capacity);
  const initialBytes = s.bytes;
  assert.ok(initialBytes > 0 && initialBytes < capacity * BYTES_PER_SAMPLE, 'starts below capacity');
  for (let i = 0; i < 250; i++) s.push(i * 10, level(i));
  assert.equal(s.size, capacity);
  assert.equal(s.bytes, capacity * BYTES_PER_SAMPLE);
  const samples = dump(s);
  // The newest 100: i = 150..249.
  assert.deepEqual(samples[0], [1500, 150]);
  assert.deepEqual(samples[99], [2490, 249]);
  for (let n = 1; n < samples.length; n++) {
    assert.equal(samples[n][0] - samples[n - 1][0], 10, `gap at ${n}`);
    assert.equal(samples[n][1], samples[n - 1][1] + 1, `order at ${n}`);
  }
});

test('SeriesBuffer: bytes stay bounded at capacity however many changes arrive', () => {
  const s = new SeriesBuffer(300);
  let maxBytes = 0;
  for (let i = 0; i < 50_000; i++) {
    s.push(i, level(i % 7, i % 3));
    maxBytes = Math.max(maxBytes, s.bytes);
  }
  assert.equal(maxBytes, 300 * BYTES_PER_SAMPLE);
  assert.equal(s.size, 300);
  assert.equal(s.timeAt(0), 49_700);
  assert.equal(s.timeAt(299), 49_999);
});

test('SeriesBuffer: capacity below the initial allocation is honoured', () => {
  const s = new SeriesBuffer(3);
  for (let i = 0; i < 10; i++) s.push(i, level(i));
  assert.equal(s.bytes, 3 * BYTES_PER_SAMPLE);
  assert.deepEqual(dump(s), [
    [7, 7],
    [8, 8],
    [9, 9],
  ]);
});

test('SeriesBuffer.lastAtOrBefore: binary search over a wrapped buffer', () => {
  const s = new SeriesBuffer(64);
  for (let i = 0; i < 200; i++) s.push(i * 10, level(i % 2));
  // Holds t = 1360..1990.
  assert.equal(s.timeAt(0), 1360);
  assert.equal(s.lastAtOrBefore(1359), -1);
  assert.equal(s.lastAtOrBefore(1360), 0);
  assert.equal(s.lastAtOrBefore(1365), 0);
  assert.equal(s.lastAtOrBefore(1370), 1);
  assert.equal(s.lastAtOrBefore(1989), 62);
  assert.equal(s.lastAtOrBefore(1990), 63);
  assert.equal(s.lastAtOrBefore(1e12), 63);
  for (let n = 0; n < 64; n++) {
    assert.equal(s.lastAtOrBefore(s.timeAt(n)), n);
    assert.equal(s.lastAtOrBefore(s.timeAt(n) + 9.99), n);
  }
  assert.equal(new SeriesBuffer().lastAtOrBefore(0), -1);
});

test('SeriesBuffer.query: few samples come back as raw step points, the first clamped to from', () => {
  const s = new SeriesBuffer();
  s.push(0, level(0, 0));
  s.push(100, level(1, 2));
  s.push(200, level(0, 0));
  s.push(300, level(1, 1));
  assert.deepEqual(s.query(150, 250, 10).map(core), [
    { t: 150, value: 1, min: 1, max: 1, waiters: 2 },
    { t: 200, value: 0, min: 0, max: 0, waiters: 0 },
  ]);
  assert.deepEqual(
    s.query(0, 1000, 10).map((p) => [p.t, p.value]),
    [
      [0, 0],
      [100, 1],
      [200, 0],
      [300, 1],
    ],
  );
});

test('SeriesBuffer.query: empty and degenerate windows', () => {
  const s = new SeriesBuffer();
  assert.deepEqual(s.query(0, 100, 10), []);
  s.push(100, level(1));
  assert.deepEqual(s.query(0, 50, 10), [], 'window entirely before the first sample');
  assert.deepEqual(s.query(200, 100, 10), [], 'to < from');
  assert.deepEqual(s.query(0, 200, 0), [], 'maxPoints 0');
  assert.deepEqual(s.query(500, 600, 10).map(core), [{ t: 500, value: 1, min: 1, max: 1, waiters: Number.NaN }], 'value carried in');
});

test('SeriesBuffer.query: never returns more than maxPoints', () => {
  const s = new SeriesBuffer(5000);
  for (let i = 0; i < 5000; i++) s.push(i, level(i % 2));
  for (const maxPoints of [1, 2, 7, 100, 4999, 5000]) {
    const points = s.query(0, 4999, maxPoints);
    assert.ok(points.length <= maxPoints, `${points.length} > ${maxPoints}`);
    assert.ok(points.length > 0);
  }
});

test('SeriesBuffer.query: a one-sample spike up and a one-sample dip in 10,000 samples survive decimation to 100 points', () => {
  const s = new SeriesBuffer(10_000);
  // A noisy baseline between 5 and 6, changing every ms, with one spike to 100 and one dip to 0.
  const spikeAt = 3_217;
  const dipAt = 8_642;
  for (let i = 0; i < 10_000; i++) {
    const value = i === spikeAt ? 100 : i === dipAt ? 0 : 5 + (i % 2);
    assert.equal(s.push(i, level(value, i === spikeAt ? 9 : 1)), true);
  }
  assert.equal(s.size, 10_000);
  const points = s.query(0, 9_999, 100);
  assert.equal(points.length, 100);
  const withSpike = points.filter((p) => p.max === 100);
  const withDip = points.filter((p) => p.min === 0);
  assert.equal(withSpike.length, 1, 'the spike shows in exactly one bucket');
  assert.equal(withDip.length, 1, 'the dip shows in exactly one bucket');
  assert.ok(withSpike[0].t >= spikeAt && withSpike[0].t - 100 <= spikeAt, 'in the bucket that holds it');
  assert.ok(withDip[0].t >= dipAt && withDip[0].t - 100 <= dipAt);
  assert.equal(withSpike[0].waiters, 9, 'the most waiters in the bucket');
  // Every other bucket stays within the baseline.
  for (const p of points) {
    if (p !== withSpike[0]) assert.ok(p.max <= 6, `bucket ${p.t} max ${p.max}`);
    if (p !== withDip[0]) assert.ok(p.min >= 5, `bucket ${p.t} min ${p.min}`);
    assert.ok(p.min <= p.value && p.value <= p.max);
  }
  // Buckets cover the window in order and end at `to`.
  for (let b = 1; b < points.length; b++) assert.ok(points[b].t > points[b - 1].t);
  assert.equal(points[points.length - 1].t, 9_999);
});

test('SeriesBuffer.query: a spike that starts in one bucket and lasts into the next shows in both', () => {
  const s = new SeriesBuffer(1000);
  // 0/1 chatter every ms, except: 50 from 95 ms to 150 ms (no samples in between).
  for (let i = 0; i < 1000; i++) {
    if (i > 95 && i < 150) continue;
    s.push(i, level(i === 95 ? 50 : i % 2));
  }
  const points = s.query(0, 1000, 10);
  assert.equal(points.length, 10);
  assert.equal(points[0].max, 50, 'the bucket where it started');
  assert.equal(points[0].value, 50, 'closing on it');
  assert.deepEqual([points[1].min, points[1].max], [0, 50], 'carried into the next bucket, then chatter');
  assert.equal(points[2].max, 1);
});

test('SeriesBuffer.query: bucket ends are inclusive: a sample exactly at a bucket end belongs to that bucket', () => {
  const s = new SeriesBuffer(1000);
  for (let i = 0; i < 100; i++) s.push(i, level(i % 2));
  s.push(100, level(42));
  s.push(101, level(0));
  for (let i = 102; i < 1000; i++) s.push(i, level(i % 2));
  const points = s.query(0, 1000, 10);
  assert.equal(points[0].max, 42);
  assert.equal(points[0].value, 42);
  assert.equal(points[1].max, 42, 'carried in');
});

test('SeriesBuffer.query: the value carried into a bucket with no samples is its min, max and value', () => {
  const s = new SeriesBuffer(1000);
  // 200 changes in the first 200 ms, then 7 from 250 ms on.
  for (let i = 0; i < 200; i++) s.push(i, level(i % 2));
  s.push(250, level(7));
  const points = s.query(0, 1000, 10);
  assert.equal(points.length, 10);
  assert.deepEqual([points[2].value, points[2].min, points[2].max], [7, 1, 7], 'carried 1 in, ended at 7');
  for (const p of points.slice(3)) assert.deepEqual([p.value, p.min, p.max], [7, 7, 7], `bucket ${p.t}`);
});

test('SeriesBuffer.query: decimated or raw, nothing is reported before the first sample', () => {
  // An object first seen at 500 ms: no bucket may claim a value for 0..500.
  const s = new SeriesBuffer(1000);
  for (let i = 500; i < 1000; i++) s.push(i, level(i % 2 ? 1 : 5));
  const raw = s.query(0, 1000, 1000);
  assert.equal(raw[0].t, 500);
  const points = s.query(0, 1000, 10);
  assert.ok(points.length <= 10);
  assert.ok(points.length > 0);
  for (const p of points) assert.ok(p.t >= 500, `a bucket ending at ${p.t} reports value ${p.value} before the object was seen`);
  assert.equal(points[0].t, 500, 'the bucket holding the first sample is kept');
  assert.equal(points[points.length - 1].t, 1000);
});

test('HistoryStore: creates a series per path on first record, deletes it with the object', () => {
  const store = new HistoryStore(100);
  assert.equal(store.record('a', 0, level(1)), true);
  assert.equal(store.record('a', 1, level(1)), false);
  assert.equal(store.record('b', 0, level(0)), true);
  assert.deepEqual([...store.paths()].sort(), ['a', 'b']);
  const bytesBoth = store.bytes;
  assert.equal(bytesBoth, store.get('a')!.bytes + store.get('b')!.bytes);
  store.delete('a');
  assert.equal(store.get('a'), undefined);
  assert.equal(store.bytes, store.get('b')!.bytes);
  store.delete('a'); // twice: no double credit
  assert.equal(store.bytes, store.get('b')!.bytes);
  store.delete('b');
  assert.equal(store.bytes, 0);
});

test('HistoryStore: bytes tracks the series exactly through growth', () => {
  const store = new HistoryStore(500);
  for (let i = 0; i < 2000; i++) {
    store.record('x', i, level(i % 2));
    if (i % 3 === 0) store.record('y', i, level(i % 5));
  }
  assert.equal(store.bytes, store.get('x')!.bytes + store.get('y')!.bytes);
  assert.equal(store.get('x')!.bytes, 500 * BYTES_PER_SAMPLE);
});

test('HistoryStore: the byte budget is never exceeded; full buffers overwrite instead of growing', () => {
  const budget = 20_000; // 1000 samples' worth
  const store = new HistoryStore(2048, budget);
  for (let i = 0; i < 20_000; i++) {
    const path = `obj${i % 40}`;
    store.record(path, i, level(i % 3));
    assert.ok(store.bytes <= budget, `bytes ${store.bytes} > budget at ${i}`);
  }
  let sum = 0;
  for (const path of store.paths()) sum += store.get(path)!.bytes;
  assert.equal(store.bytes, sum);
  // Every series that exists still keeps its newest sample.
  for (const path of store.paths()) {
    const s = store.get(path)!;
    assert.ok(s.size > 0);
    assert.ok(s.timeAt(s.size - 1) >= 20_000 - 40, `${path} newest at ${s.timeAt(s.size - 1)}`);
  }
});

test('HistoryStore: a new series is refused when the budget has no room, and admitted after a delete', () => {
  const probe = new HistoryStore(2048);
  probe.record('x', 0, level(1));
  const initial = probe.bytes; // one idle series
  assert.ok(initial > 0);

  const store = new HistoryStore(2048, 2 * initial);
  assert.equal(store.record('a', 0, level(1)), true);
  assert.equal(store.record('b', 0, level(1)), true);
  assert.equal(store.bytes, 2 * initial);
  assert.equal(store.record('c', 0, level(1)), false, 'no room for a third series');
  assert.equal(store.get('c'), undefined);
  // 'a' cannot grow either: it rings within its first allocation.
  for (let i = 1; i <= 500; i++) store.record('a', i, level(i % 2));
  assert.equal(store.bytes, 2 * initial);
  const a = store.get('a')!;
  assert.equal(a.bytes, initial);
  assert.equal(a.size, initial / BYTES_PER_SAMPLE);
  assert.equal(a.timeAt(a.size - 1), 500, 'the newest sample is kept');
  store.delete('a');
  assert.equal(store.record('c', 0, level(1)), true);
  assert.equal(store.bytes, 2 * initial);
});
