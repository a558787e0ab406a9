// The engine's own cost, with the OS calls taken out: a backend whose objects answer from memory
// stands in for the kernel, so what is measured is the sampler, stream and history around it.
// Part of `npm run bench` (bench/bench.ts); alone:
//   node --import tsx bench/core.bench.ts [--json] [--out FILE]
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Sampler } from '../core/sampler';
import { DEFAULT_HISTORY_BUDGET_BYTES, HistoryStore } from '../core/history';
import type { Update } from '../core/update-stream';
import type { ObjectRecord } from '../protocol';
import { type Figure, type PartResult, formatTable, verdictOf, round } from './figures';
import { memoryBackend } from './memory-backend';

function cpuMs(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function measure(objects: number, churnShare: number, ticks: number) {
  const { backend, churn } = memoryBackend(objects);
  let t = 1_000_000;
  const sampler = new Sampler({ backend, attribution: false, now: () => t, rates: { stateMs: 100 } });
  sampler.scanTick();
  let bytes = 0;
  let snapshots = 0;
  let ready = false;
  const subscription = sampler.stream.subscribe((update: Update<ObjectRecord>) => {
    if (update.type === 'snapshot') snapshots++;
    if (ready) bytes += JSON.stringify(update).length;
  });
  subscription.ack();
  ready = true;
  // 50 subscribers that never acknowledge: they must cost nothing per tick.
  for (let i = 0; i < 50; i++) sampler.stream.subscribe(() => undefined);
  const used = cpuMs(() => {
    for (let i = 0; i < ticks; i++) {
      churn(churnShare);
      t += 100;
      sampler.stateTick();
      subscription.ack();
    }
  });
  return { cpuPerTickMs: used / ticks, bytesPerTick: bytes / ticks, snapshotsAfterFirst: snapshots - 1, historyBytes: sampler.history.bytes, overruns: sampler.stats.overruns };
}

/** gc() even when node was started without --expose-gc. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** Memory (JS heap + array buffers) that `count` idle histories really take, per object. */
function idleHistoryHeap(count: number): number {
  const gc = collector();
  const paths = Array.from({ length: count }, (_, i) => `/dev/shm/sem.bench-idle-${i}`);
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const store = new HistoryStore();
  for (const path of paths) store.record(path, 1_000_000, { value: 1, waiters: 0 });
  const after = used();
  if ([...store.paths()].length !== count) throw new Error('history lost objects');
  return (after - before) / count;
}

/** Every object changes every tick, far past the budget: the accounted bytes never pass it. */
function budgetRun(objects: number, budgetBytes: number, ticks: number) {
  const store = new HistoryStore(undefined, budgetBytes);
  const paths = Array.from({ length: objects }, (_, i) => `bench-budget-${i}`);
  let most = 0;
  let stored = 0;
  let t = 1_000_000;
  for (let tick = 0; tick < ticks; tick++) {
    t += 100;
    for (let i = 0; i < objects; i++) if (store.record(paths[i], t, { value: (tick + i) % 7, waiters: 0 })) stored++;
    most = Math.max(most, store.bytes);
  }
  return { most, stored, series: [...store.paths()].length };
}

export function engineFigures(): PartResult {
  // Warm up the JIT so the first configuration is not charged for compilation.
  measure(10_000, 0.01, 20);
  const onePercent = measure(10_000, 0.01, 100);
  const tenPercent = measure(10_000, 0.1, 100);
  const idle = measure(10_000, 0, 100);
  const cpuShare = (onePercent.cpuPerTickMs * 10) / 1000;
  const bytesRatio = tenPercent.bytesPerTick / onePercent.bytesPerTick;
  const heapPerIdle = idleHistoryHeap(10_000);
  const budget = 16 * 1024 * 1024;
  const flood = budgetRun(10_000, budget, 300);
  const section = 'engine (in-memory backend, OS calls excluded)';

  const figures: Figure[] = [
    {
      id: 'engine.cpu.10000',
      section,
      name: 'engine CPU sampling 10,000 objects at 10 Hz, 1 % changing',
      value: round(cpuShare * 100, 2),
      unit: '% of a core',
      max: 10,
      margin: 0.1,
      target: '≤ 10 %',
      detail: `Sampler.stateTick over a backend answering from memory, ${round(onePercent.cpuPerTickMs, 3)} ms CPU per tick`,
    },
    { id: 'engine.tick.idle', section, name: '  engine CPU per tick, 10,000 objects, none changing', value: round(idle.cpuPerTickMs, 3), unit: 'ms' },
    { id: 'engine.bytes.1pct', section, name: 'bytes to a subscriber per tick, 1 % changing', value: Math.round(onePercent.bytesPerTick), unit: 'B' },
    { id: 'engine.bytes.10pct', section, name: 'bytes to a subscriber per tick, 10 % changing', value: Math.round(tenPercent.bytesPerTick), unit: 'B' },
    {
      id: 'engine.bytes.ratio',
      section,
      name: '  bytes ratio 10 % / 1 % changing (proportional: 10)',
      value: round(bytesRatio, 2),
      unit: 'x',
      min: 8,
      max: 12,
      margin: 0.1,
      target: '8 .. 12',
    },
    { id: 'engine.bytes.idle', section, name: 'bytes to a subscriber per tick, none changing', value: Math.round(idle.bytesPerTick), unit: 'B', max: 0, target: '0' },
    {
      id: 'engine.snapshots',
      section,
      name: 'snapshots after the first, subscriber keeping up (50 more never ack)',
      value: onePercent.snapshotsAfterFirst + tenPercent.snapshotsAfterFirst,
      unit: '',
      max: 0,
      target: '0',
    },
    {
      id: 'history.idle.accounted',
      section: 'history',
      name: 'history per idle object (typed arrays, as the budget counts it)',
      value: Math.round(idle.historyBytes / 10_000),
      unit: 'B',
      max: 1023,
      target: '< 1 KB',
      detail: '10,000 objects sampled 100 times without a change: one stored point each',
    },
    {
      id: 'history.idle.heap',
      section: 'history',
      name: 'history per idle object, measured (JS heap + array buffers, after gc)',
      value: Math.round(heapPerIdle),
      unit: 'B',
      max: 1023,
      target: '< 1 KB',
      detail: 'HistoryStore with 10,000 series of one point: growth of process.memoryUsage().heapUsed + arrayBuffers, per object',
    },
    {
      id: 'history.budget.max',
      section: 'history',
      name: 'history bytes at most, 16 MB budget, 10,000 objects all changing for 300 ticks',
      value: flood.most,
      unit: 'B',
      max: budget,
      target: `≤ ${budget}`,
      detail: `${flood.series} series, ${flood.stored} points stored; unbounded it would take ${10_000 * 512 * 20} B. The default budget is ${DEFAULT_HISTORY_BUDGET_BYTES / 1024 / 1024} MB (DEFAULT_HISTORY_BUDGET_BYTES), enforced by the same check`,
    },
  ];
  return {
    part: 'engine',
    figures,
    notes: [`engine: ${onePercent.overruns + tenPercent.overruns + idle.overruns} tick overruns`],
  };
}

if (require.main === module) {
  const result = engineFigures();
  const out = process.argv.indexOf('--out');
  if (out > 0) fs.writeFileSync(process.argv[out + 1], JSON.stringify(result, null, 2) + '\n');
  else if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else process.stdout.write(formatTable(result.figures));
  process.exitCode = result.figures.some((f) => verdictOf(f) === 'FAIL') ? 1 : 0;
}
