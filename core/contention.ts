// Metrics over the live sampler's history: one object, or the ranked list across all of them.
import { computeMetrics, rankContention, type ObjectMetrics } from './metrics';
import type { Sampler } from './sampler';

export function liveMetrics(sampler: Sampler, path: string, windowMs: number, now = Date.now()): ObjectMetrics | null {
  const series = sampler.history.get(path);
  const kind = sampler.kindOf(path);
  if (!series || !kind) return null;
  return computeMetrics({ path, kind, series, max: sampler.maxOf(path) }, now, windowMs);
}

/** The most contended live (not gone) objects over the window. */
export function liveContention(sampler: Sampler, windowMs: number, limit = Infinity, now = Date.now()): ObjectMetrics[] {
  const all: ObjectMetrics[] = [];
  for (const record of sampler.stream.records()) {
    if (record.goneAt !== undefined) continue;
    const metrics = liveMetrics(sampler, record.path, windowMs, now);
    if (metrics) all.push(metrics);
  }
  return rankContention(all, limit);
}
