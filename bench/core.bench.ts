// The engine's own cost, with the OS calls taken out: a backend whose objects answer from memory
// stands in for the kernel, so what is measured is the sampler, stream and history around it.
//   node --import tsx bench/core.bench.ts [--json]
import type { Backend, SampledObject } from '../native/backend';
import type { ObjectEntry } from '../native/types';
import { Sampler } from '../core/sampler';
import type { Update } from '../core/update-stream';
import type { ObjectRecord } from '../protocol';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
}

/** N semaphores in memory; `churn(share)` changes that share of them. */
function memoryBackend(count: number) {
  const entries: ObjectEntry[] = [];
  const states = new Map<string, { count: number; max: number }>();
  for (let i = 0; i < count; i++) {
    const path = `\\BaseNamedObjects\\bench${i}`;
    entries.push({ kind: 'semaphore', name: `bench${i}`, path, directory: '\\BaseNamedObjects', typeName: 'Semaphore' });
    states.set(path, { count: 0, max: 10 });
  }
  let cursor = 0;
  const backend: Backend = {
    platform: 'linux',
    sampledKinds: ['semaphore'],
    capabilities: () => {
      throw new Error('not used');
    },
    defaultScopes: () => ['\\BaseNamedObjects'],
    scan: () => entries,
    resolve: (name) => name,
    open: (path): SampledObject => {
      const state = states.get(path)!;
      return { kind: 'semaphore', name: path, path, sample: () => ({ count: state.count, max: state.max }), close: () => undefined };
    },
    holders: () => ({ holders: new Map() }),
    waiters: () => new Map(),
    act: () => Promise.reject(new Error('not used')),
    create: () => {
      throw new Error('not used');
    },
    processHandleCount: () => 0,
    dispose: () => undefined,
  };
  const churn = (share: number) => {
    const changes = Math.round(count * share);
    for (let i = 0; i < changes; i++) {
      const state = states.get(entries[cursor].path)!;
      state.count = (state.count + 1) % state.max;
      cursor = (cursor + 1) % count;
    }
  };
  return { backend, churn };
}

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

const json = process.argv.includes('--json');
// Warm up the JIT so the first configuration is not charged for compilation.
measure(10_000, 0.01, 20);
const onePercent = measure(10_000, 0.01, 100);
const tenPercent = measure(10_000, 0.1, 100);
const idle = measure(10_000, 0, 100);
const cpuShare = (onePercent.cpuPerTickMs * 10) / 1000;
const bytesRatio = tenPercent.bytesPerTick / onePercent.bytesPerTick;

const figures: Figure[] = [
  {
    name: 'engine CPU sampling 10,000 objects at 10 Hz, 1% changing (OS calls excluded)',
    value: +(cpuShare * 100).toFixed(2),
    unit: '% of one core',
    target: '≤ 10',
    pass: cpuShare <= 0.1,
  },
  { name: 'engine CPU per tick, 10,000 objects, 1% changing', value: +onePercent.cpuPerTickMs.toFixed(3), unit: 'ms' },
  { name: 'engine CPU per tick, 10,000 objects, none changing', value: +idle.cpuPerTickMs.toFixed(3), unit: 'ms' },
  { name: 'bytes to a subscriber per tick, 1% changing', value: Math.round(onePercent.bytesPerTick), unit: 'B' },
  { name: 'bytes to a subscriber per tick, 10% changing', value: Math.round(tenPercent.bytesPerTick), unit: 'B' },
  {
    name: 'bytes ratio 10% / 1% changing (proportional: about 10)',
    value: +bytesRatio.toFixed(2),
    unit: 'x',
    target: '8..12',
    pass: bytesRatio >= 8 && bytesRatio <= 12,
  },
  {
    name: 'bytes to a subscriber per tick, none changing',
    value: Math.round(idle.bytesPerTick),
    unit: 'B',
    target: '0',
    pass: idle.bytesPerTick === 0,
  },
  {
    name: 'snapshots sent after the first, while the subscriber keeps up',
    value: onePercent.snapshotsAfterFirst + tenPercent.snapshotsAfterFirst,
    unit: '',
    target: '0',
    pass: onePercent.snapshotsAfterFirst + tenPercent.snapshotsAfterFirst === 0,
  },
  {
    name: 'history per idle object',
    value: Math.round(idle.historyBytes / 10_000),
    unit: 'B',
    target: '< 1024',
    pass: idle.historyBytes / 10_000 < 1024,
  },
];

if (json) process.stdout.write(JSON.stringify({ figures }, null, 2) + '\n');
else {
  for (const f of figures) {
    const verdict = f.pass === undefined ? '' : f.pass ? 'pass' : 'FAIL';
    process.stdout.write(`${f.name.padEnd(78)} ${String(f.value).padStart(9)} ${f.unit.padEnd(14)} ${(f.target ?? '').padEnd(8)} ${verdict}\n`);
  }
}
process.exitCode = figures.some((f) => f.pass === false) ? 1 : 0;
