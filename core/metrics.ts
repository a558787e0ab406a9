// Contention metrics over a time window, computed from an object's step-function history.
import { busyOf } from './levels';
import type { SeriesBuffer } from './history';

export interface ObjectMetrics {
  path: string;
  kind: string;
  windowMs: number;
  /** Share of the window the object was signaled (events, timers) or held (mutexes, locks). */
  signaledShare?: number;
  lockedShare?: number;
  /** Semaphores: time-weighted 1 - count/max. */
  utilisation?: number;
  /** Time-weighted share of "a waiter would block", 0..1 (see busyOf). */
  busyShare: number;
  transitionsPerSec: number;
  /** Time-weighted mean and the max of known waiters; absent where the OS does not say. */
  waitersMean?: number;
  waitersMax?: number;
  /** Mutexes: lock-to-unlock spans that began and ended inside the window. */
  holds?: { count: number; meanMs: number; maxMs: number };
  /**
   * Ranking key. Mutexes and semaphores: busyShare × (1 + waitersMean), since being held is
   * contention in itself (and waiters are often unknown). Events, timers and file locks:
   * busyShare × waitersMean, since an idle unsignaled event or a long-held profile lock is normal
   * and only matters when someone waits on it. Ties go to more transitions.
   */
  score: number;
}

export interface MetricsInput {
  path: string;
  kind: string;
  series: SeriesBuffer;
  /** Semaphore maximum, where known. */
  max?: number;
}

/** Metrics for [now - windowMs, now]; the last sample's value holds until now. */
export function computeMetrics(input: MetricsInput, now: number, windowMs: number): ObjectMetrics {
  const { series, kind, path } = input;
  const from = now - windowMs;
  const first = Math.max(0, series.lastAtOrBefore(from));
  let busyTime = 0;
  let valueTime = 0; // time with value > 0
  let waitersTime = 0;
  let waitersKnownTime = 0;
  let waitersMax = Number.NaN;
  let transitions = 0;
  let covered = 0;
  const holdSpans: number[] = [];
  let lockedSince: number | undefined;

  for (let n = first; n < series.size; n++) {
    const start = Math.max(series.timeAt(n), from);
    const end = n + 1 < series.size ? Math.min(series.timeAt(n + 1), now) : now;
    if (start >= now) break;
    const span = Math.max(0, end - start);
    const value = series.valueAt(n);
    const waiters = series.waitersAt(n);
    const previous = n > 0 ? series.valueAt(n - 1) : undefined;
    const changed = previous !== undefined && !Object.is(previous, value);
    if (changed && series.timeAt(n) >= from) transitions++;
    if (Number.isNaN(value)) {
      // Gone or unreadable: a lock taken before cannot be timed to an unlock after.
      lockedSince = undefined;
      continue;
    }
    covered += span;
    const busy = busyOf(kind, value, input.max);
    busyTime += busy * span;
    if (value > 0) valueTime += span;
    if (!Number.isNaN(waiters)) {
      waitersTime += waiters * span;
      waitersKnownTime += span;
      waitersMax = Number.isNaN(waitersMax) ? waiters : Math.max(waitersMax, waiters);
    }
    if (kind === 'mutex' && changed && series.timeAt(n) >= from) {
      if (value > 0) lockedSince = series.timeAt(n);
      else if (lockedSince !== undefined) {
        holdSpans.push(series.timeAt(n) - lockedSince);
        lockedSince = undefined;
      }
    }
  }

  const share = (time: number) => (covered > 0 ? time / covered : 0);
  const metrics: ObjectMetrics = {
    path,
    kind,
    windowMs,
    busyShare: share(busyTime),
    // Per second of the time the object was seen: one that appeared a second ago and changed
    // five times is busier than 5 / window suggests.
    transitionsPerSec: covered > 0 ? transitions / (covered / 1000) : 0,
    score: 0,
  };
  if (kind === 'event' || kind === 'timer') metrics.signaledShare = share(valueTime);
  if (kind === 'mutex' || kind === 'file-lock') metrics.lockedShare = share(valueTime);
  if (kind === 'semaphore' && input.max) metrics.utilisation = share(busyTime);
  if (waitersKnownTime > 0) {
    metrics.waitersMean = waitersTime / waitersKnownTime;
    metrics.waitersMax = waitersMax;
  }
  if (kind === 'mutex') {
    metrics.holds = {
      count: holdSpans.length,
      meanMs: holdSpans.length ? holdSpans.reduce((a, b) => a + b, 0) / holdSpans.length : 0,
      maxMs: holdSpans.length ? Math.max(...holdSpans) : 0,
    };
  }
  // Held-without-waiters is normal for notification objects and for file locks (programs keep
  // profile and database locks for hours); it only counts as contention when someone waits.
  const heldIsNormal = kind === 'event' || kind === 'timer' || kind === 'file-lock';
  metrics.score = metrics.busyShare * ((heldIsNormal ? 0 : 1) + (metrics.waitersMean ?? 0));
  return metrics;
}

/** The most contended objects first. */
export function rankContention(metrics: ObjectMetrics[], limit = Infinity): ObjectMetrics[] {
  return metrics
    .filter((m) => m.score > 0 || m.transitionsPerSec > 0)
    .sort((a, b) => b.score - a.score || b.transitionsPerSec - a.transitionsPerSec || a.path.localeCompare(b.path))
    .slice(0, limit);
}
