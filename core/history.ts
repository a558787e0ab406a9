// Per-object history of sampled levels in typed arrays. States are step functions, so a sample is
// stored only when the value or the waiter count changes: a quiet object costs one sample.
//
// Memory per object: 20 bytes per sample (Float64 time, Float64 value, Float32 waiters). A series
// keeps its first sample in plain fields: typed arrays cost about 200 bytes each before holding
// anything, so an object that never changes (most of them) has none, and costs about 250 bytes in
// all (measured by `npm run bench`). At its second sample a series gets typed arrays of
// INITIAL_CAPACITY samples, which double up to `capacity`, then overwrite the oldest. A store-wide
// byte budget caps the total: past it, a buffer stops growing and overwrites its oldest samples.

import type { Level } from './levels';

const INITIAL_CAPACITY = 32;
export const DEFAULT_HISTORY_BUDGET_BYTES = 256 * 1024 * 1024;
export const DEFAULT_HISTORY_CAPACITY = 2048;
export const BYTES_PER_SAMPLE = 8 + 8 + 4;

/** Shared by every series still in its one-sample form. */
const NO_TIMES = new Float64Array(0);
const NO_WAITERS = new Float32Array(0);

export interface HistoryPoint {
  t: number;
  /** Value in force at the end of the bucket (or at `t` for raw points). */
  value: number;
  min: number;
  max: number;
  /** Most waiters seen in the bucket; NaN if unknown. */
  waiters: number;
  /** Stored changes inside the bucket (for transitions per second). */
  changes: number;
}

export class SeriesBuffer {
  // Until the second sample: no arrays, the one sample in the three fields below.
  private times: Float64Array = NO_TIMES;
  private values: Float64Array = NO_TIMES;
  private waiters: Float32Array = NO_WAITERS;
  private firstTime = 0;
  private firstValue = 0;
  private firstWaiters = 0;
  private start = 0;
  private length = 0;

  constructor(
    private readonly capacity = DEFAULT_HISTORY_CAPACITY,
    /** Asked before growing: may these many more bytes be allocated? */
    private readonly mayGrow: (extraBytes: number) => boolean = () => true,
  ) {}

  get size(): number {
    return this.length;
  }

  /** Samples this series has room for: 1 in its one-sample form. */
  private get slots(): number {
    return this.times.length || 1;
  }

  get bytes(): number {
    return this.slots * BYTES_PER_SAMPLE;
  }

  /** Records a level at time t; returns false (and stores nothing) when nothing changed. */
  push(t: number, level: Pick<Level, 'value' | 'waiters'>): boolean {
    if (this.length > 0) {
      const last = this.length - 1;
      const lastTime = this.timeAt(last);
      if (t < lastTime) t = lastTime;
      if (Object.is(this.valueAt(last), level.value) && sameWaiters(this.waitersAt(last), level.waiters)) return false;
    }
    const slots = this.slots;
    if (this.length === slots) {
      const wanted = Math.min(this.capacity, this.times.length === 0 ? INITIAL_CAPACITY : slots * 2);
      const growth = wanted - slots;
      if (growth > 0 && this.mayGrow(growth * BYTES_PER_SAMPLE)) this.grow(wanted);
      else {
        this.start = (this.start + 1) % slots;
        this.length--;
      }
    }
    if (this.times.length === 0) {
      this.firstTime = t;
      this.firstValue = level.value;
      this.firstWaiters = Math.fround(level.waiters); // as a Float32Array would store it
      this.length = 1;
      return true;
    }
    const i = this.index(this.length);
    this.times[i] = t;
    this.values[i] = level.value;
    this.waiters[i] = level.waiters;
    this.length++;
    return true;
  }

  timeAt(n: number): number {
    return this.times.length === 0 ? this.firstTime : this.times[this.index(n)];
  }
  valueAt(n: number): number {
    return this.times.length === 0 ? this.firstValue : this.values[this.index(n)];
  }
  waitersAt(n: number): number {
    return this.times.length === 0 ? this.firstWaiters : this.waiters[this.index(n)];
  }

  /** Index of the last sample at or before t, or -1 if none. */
  lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.timeAt(mid) <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /**
   * The step function over [from, to], at most `maxPoints` points. With more samples than that,
   * the window is cut into equal buckets, each giving its closing value and the min/max within,
   * so a short spike is never lost to decimation.
   */
  query(from: number, to: number, maxPoints: number): HistoryPoint[] {
    if (this.length === 0 || to < from || maxPoints < 1) return [];
    const first = Math.max(0, this.lastAtOrBefore(from));
    const last = this.lastAtOrBefore(to);
    if (last < 0) return [];
    const raw: HistoryPoint[] = [];
    if (last - first + 1 <= maxPoints) {
      for (let n = first; n <= last; n++) {
        const value = this.valueAt(n);
        // The first sample ever is the object's appearance, not a transition.
        const inside = n > 0 && this.timeAt(n) >= from;
        raw.push({ t: Math.max(this.timeAt(n), from), value, min: value, max: value, waiters: this.waitersAt(n), changes: inside ? 1 : 0 });
      }
      return raw;
    }
    const width = (to - from) / maxPoints;
    const points: HistoryPoint[] = [];
    let n = first;
    for (let b = 0; b < maxPoints; b++) {
      const bucketEnd = b === maxPoints - 1 ? to : from + (b + 1) * width;
      // Buckets that end before the first sample have no value to report.
      if (this.timeAt(n) > bucketEnd) continue;
      // The value carried into the bucket counts toward its min/max.
      let value = this.valueAt(n);
      let min = value;
      let max = value;
      let waiters = this.waitersAt(n);
      let changes = 0;
      while (n + 1 <= last && this.timeAt(n + 1) <= bucketEnd) {
        n++;
        changes++;
        value = this.valueAt(n);
        if (value < min) min = value;
        if (value > max) max = value;
        waiters = maxKnown(waiters, this.waitersAt(n));
      }
      points.push({ t: bucketEnd, value, min, max, waiters, changes });
    }
    return points;
  }

  private index(n: number): number {
    return (this.start + n) % this.times.length;
  }

  private grow(size: number): void {
    const times = new Float64Array(size);
    const values = new Float64Array(size);
    const waiters = new Float32Array(size);
    for (let n = 0; n < this.length; n++) {
      times[n] = this.timeAt(n);
      values[n] = this.valueAt(n);
      waiters[n] = this.waitersAt(n);
    }
    this.times = times;
    this.values = values;
    this.waiters = waiters;
    this.start = 0;
  }
}

/** The larger of two counts, where NaN means unknown. */
function maxKnown(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

function sameWaiters(stored: number, next: number): boolean {
  return Number.isNaN(stored) ? Number.isNaN(next) : Math.fround(next) === stored;
}

/** Every object's series, created on first sample and dropped with the object. */
export class HistoryStore {
  private readonly series = new Map<string, SeriesBuffer>();
  private allocated = 0;
  /** One function for every series (a closure each would cost more than an idle series' data). */
  private readonly mayGrow = (extraBytes: number) => this.reserve(extraBytes);

  constructor(
    readonly capacityPerObject = DEFAULT_HISTORY_CAPACITY,
    /** Total bytes all series may take; never exceeded. */
    readonly budgetBytes = DEFAULT_HISTORY_BUDGET_BYTES,
  ) {}

  /** Stores a level; false when nothing changed, or when the budget leaves no room for a new series. */
  record(path: string, t: number, level: Pick<Level, 'value' | 'waiters'>): boolean {
    let buffer = this.series.get(path);
    if (!buffer) {
      if (this.allocated + BYTES_PER_SAMPLE > this.budgetBytes) return false;
      buffer = new SeriesBuffer(this.capacityPerObject, this.mayGrow);
      this.allocated += buffer.bytes;
      this.series.set(path, buffer);
    }
    return buffer.push(t, level);
  }

  get(path: string): SeriesBuffer | undefined {
    return this.series.get(path);
  }

  delete(path: string): void {
    const buffer = this.series.get(path);
    if (!buffer) return;
    this.allocated -= buffer.bytes;
    this.series.delete(path);
  }

  paths(): IterableIterator<string> {
    return this.series.keys();
  }

  /** Bytes held by all series' typed arrays. */
  get bytes(): number {
    return this.allocated;
  }

  private reserve(extraBytes: number): boolean {
    if (this.allocated + extraBytes > this.budgetBytes) return false;
    this.allocated += extraBytes;
    return true;
  }
}
