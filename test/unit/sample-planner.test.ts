// The CPU budget's planner (issue 15), deterministic: one fake clock for both the planner and the
// work, which a backend advances by a fixed cost per object read, per scan and per holder pass.
// The Sampler's cadences are driven by calling scheduledTick() at their due times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CostModel, CpuBudget, intervalTier, nextIntervalTier, roundMs } from '../../core/sample-planner';
import { Sampler, type SamplerOptions } from '../../core/sampler';
import type { ReadTarget, StateReader } from '../../native/backend';
import type { ObjectState } from '../../native/types';
import type { ObjectRecord } from '../../protocol';
import { MemoryBackend } from '../support/memory-backend';

const clockAt = (start = 0) => {
  const clock = { t: start };
  return { clock, now: () => clock.t };
};

test('CpuBudget: refills at the budget, holds at most its capacity, and a charge may go into debt', () => {
  const { clock, now } = clockAt();
  const budget = new CpuBudget({ percent: 5, clock: now, processCpuMs: null, burstMs: 200 });
  // Full at the start: watched 5 % x 35 % x 200 ms, sampling 5 % x 50 % x 200 ms, scans 5 % x 5 % x 1 s, attribution 5 % x 10 % x 1 s.
  const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
  near(budget.capacity('watched'), 3.5, 'watched capacity');
  near(budget.capacity('sampling'), 5, 'sampling capacity');
  near(budget.capacity('scans'), 2.5, 'scans capacity');
  near(budget.capacity('attribution'), 5, 'attribution capacity');
  near(budget.balance('sampling'), 5, 'full at the start');
  budget.charge('sampling', 10);
  near(budget.balance('sampling'), -5, 'a charge beyond the balance is debt');
  clock.t += 100; // earns 5 ms: 2.5 to sampling, and the shares of the full accounts
  budget.refill();
  near(budget.balance('sampling'), -5 + 5, 'sampling after 100 ms');
  near(budget.balance('attribution'), 5, 'attribution stays full');
  clock.t += 10_000;
  budget.refill();
  near(budget.balance('sampling'), 5, 'never more than its capacity');
  budget.charge('attribution', 1800); // a holder pass of 10,000 objects under Wine
  near(budget.balance('scans'), 2.5, 'a holder pass does not touch the scans');
  clock.t += 1000;
  budget.refill();
  // The others are full, so their shares of the second go to the attribution's debt too: 50 ms in all.
  near(budget.balance('attribution'), 5 - 1800 + 50, 'attribution repays its debt');
});

test('CpuBudget: what the process spends beside the measured work is taken off the refill, down to a quarter', () => {
  const { clock, now } = clockAt();
  const cpu = { ms: 0 };
  const budget = new CpuBudget({ percent: 10, clock: now, processCpuMs: () => cpu.ms });
  assert.equal(budget.workShare, 0.1);
  // Each second: 20 ms measured work, 60 ms of process CPU: 40 ms (4 %) went elsewhere.
  budget.charge('sampling', 20);
  cpu.ms += 60;
  clock.t += 1000;
  budget.refill();
  assert.ok(budget.workShare < 0.1 && budget.workShare > 0.06, `work share ${budget.workShare}: it moves towards 6 %, smoothed`);
  assert.ok(Math.abs(budget.usedPercent - 6) < 1e-9, 'used: the whole process, percent of a core');
  for (let second = 0; second < 30; second++) {
    budget.charge('sampling', 20);
    cpu.ms += 60;
    clock.t += 1000;
    budget.refill();
  }
  assert.ok(Math.abs(budget.workShare - 0.06) < 1e-3, `work share ${budget.workShare}`);
  // A process busy elsewhere (say a `why` request) still leaves the sampler a quarter of its budget.
  for (let second = 0; second < 10; second++) {
    cpu.ms += 900;
    clock.t += 1000;
    budget.refill();
  }
  assert.equal(budget.workShare, 0.025);
});

test('CpuBudget: forgiven work (the first picture at start) is neither charged nor taken for overhead', () => {
  const { clock, now } = clockAt();
  const cpu = { ms: 0 };
  const budget = new CpuBudget({ percent: 5, clock: now, processCpuMs: () => cpu.ms });
  const full = budget.balance('scans');
  // A 2.6 s first scan and holder pass under Wine at 10,000 objects.
  budget.forgive(2600);
  cpu.ms += 2600;
  clock.t += 3000;
  budget.refill();
  assert.equal(budget.balance('scans'), full, 'no account paid for it');
  assert.equal(budget.workShare, 0.05, 'and the refill is not cut for seconds after it');
});

test('CostModel and the interval tiers', () => {
  const costs = new CostModel<'state'>();
  assert.equal(costs.estimate('state'), undefined);
  costs.observe('state', 10, 10);
  assert.equal(costs.estimate('state'), 1);
  costs.observe('state', 30, 10);
  assert.equal(costs.estimate('state'), 1.5);
  assert.equal(intervalTier(100), 100);
  assert.equal(intervalTier(104), 100, 'within a tenth of a tier');
  assert.equal(intervalTier(130), 200);
  assert.equal(intervalTier(1000), 1000);
  assert.equal(intervalTier(42_000), 60_000);
  // Hysteresis: 1,000 stays while the measurement stays within [500, 2000].
  assert.equal(nextIntervalTier(1000, 1900), 1000);
  assert.equal(nextIntervalTier(1000, 600), 1000);
  assert.equal(nextIntervalTier(1000, 2100), 2000);
  assert.equal(nextIntervalTier(1000, 450), 500);
  assert.equal(nextIntervalTier(1000, 90), 100);
  assert.equal(roundMs(10_000, 250, 1000), 40_000);
  assert.equal(roundMs(500, 10_000, 1000), 1000, 'never under the floor');
  assert.equal(roundMs(5, 0, 1000), Number.POSITIVE_INFINITY);
});

/** A memory backend whose reads, scans and holder passes cost fake time on the shared clock. */
class CostlyBackend extends MemoryBackend {
  readonly reads: string[] = [];
  /** Work done, with when it started and how long it took: the planner's spending, seen from outside. */
  readonly work: Array<{ at: number; ms: number }> = [];
  constructor(
    private readonly clock: { t: number },
    readonly readMs: number,
    readonly scanMs = 0,
    readonly holdersMs = 0,
  ) {
    super();
  }
  private spend(ms: number): void {
    this.work.push({ at: this.clock.t, ms });
    this.clock.t += ms;
  }
  openReader(): StateReader {
    return {
      read: (targets: readonly ReadTarget[]) => {
        this.spend(this.readMs * targets.length);
        return targets.map((target) => {
          this.reads.push(target.path);
          return { ...this.objects.get(target.path)!.state } as unknown as ObjectState;
        });
      },
      forget: () => undefined,
      close: () => undefined,
    };
  }
  override scan() {
    this.spend(this.scanMs);
    return super.scan();
  }
  override holders(paths: string[]) {
    this.spend(this.holdersMs);
    return super.holders(paths);
  }
}

const pathOf = (i: number) => `\\Memory\\o${i}`;

function plannedRig(count: number, readMs: number, options: Partial<SamplerOptions> = {}, passes: { scanMs?: number; holdersMs?: number } = {}) {
  const { clock, now } = clockAt(1_000_000);
  const backend = new CostlyBackend(clock, readMs, passes.scanMs, passes.holdersMs);
  for (let i = 0; i < count; i++) backend.add(pathOf(i), 'semaphore', { count: 0, max: 10 });
  const sampler = new Sampler({ backend, now, clock: now, processCpuMs: null, ...options });
  const rates = sampler.currentRates;
  const next = { scanMs: clock.t, stateMs: clock.t, watchMs: clock.t, holdersMs: clock.t };
  /** Runs the cadences as their timers would, each at its period from its last start, until `ms` later. */
  const run = (ms: number, onTick?: (cadence: keyof typeof next) => void) => {
    const end = clock.t + ms;
    for (;;) {
      const cadence = (Object.keys(next) as Array<keyof typeof next>).reduce((a, b) => (next[b] < next[a] ? b : a));
      if (next[cadence] >= end) break;
      clock.t = Math.max(clock.t, next[cadence]);
      const started = clock.t;
      sampler.scheduledTick(cadence);
      next[cadence] = started + rates[cadence];
      ackAll();
      onTick?.(cadence);
    }
    clock.t = Math.max(clock.t, end);
  };
  const set = (i: number, value: number) => {
    backend.objects.get(pathOf(i))!.state = { count: value, max: 10 };
  };
  const updates: ObjectRecord[][] = [];
  const pending: Array<() => void> = [];
  const subscription = sampler.stream.subscribe((update) => {
    updates.push(update.type === 'snapshot' ? update.records : update.upserts);
    pending.push(() => subscription.ack());
  });
  subscription.ack();
  // Acknowledged after each tick, as a front end keeping up would.
  const ackAll = () => {
    for (const ack of pending.splice(0)) ack();
  };
  return { clock, backend, sampler, run, set, updates };
}

test('planner: within the budget every object is sampled once a second and the changing ones at 10 Hz', () => {
  // 1,000 objects at 0.01 ms: 10 ms a second for the cold round, well within 5 % (50 ms/s).
  const { backend, sampler, run, set } = plannedRig(1000, 0.01, { attribution: false });
  let value = 0;
  const change = (cadence: string) => {
    if (cadence !== 'stateMs') return;
    value++;
    for (let i = 0; i < 10; i++) set(i, value);
  };
  // The first change of each is seen by its cold sample (within a second); from then on it is hot.
  run(2000, change);
  backend.reads.length = 0;
  run(5000, change);
  const counts = new Map<string, number>();
  for (const path of backend.reads) counts.set(path, (counts.get(path) ?? 0) + 1);
  for (let i = 0; i < 10; i++) assert.ok(counts.get(pathOf(i))! >= 48, `hot ${i}: ${counts.get(pathOf(i))} samples in 5 s`);
  for (let i = 10; i < 1000; i += 97) {
    const n = counts.get(pathOf(i)) ?? 0;
    assert.ok(n >= 4 && n <= 6, `cold ${i}: ${n} samples in 5 s`);
  }
  const status = sampler.budgetStatus();
  assert.equal(status.objects, 1000);
  assert.equal(status.budgetPercent, 5);
  assert.ok(status.fullRoundMs >= 1000 && status.fullRoundMs < 1250, `a full round is the cold interval: ${status.fullRoundMs} ms`);
});

test('planner: tiers in order when the budget is short: watched, then hot (most recently changed first), then cold', () => {
  // 0.05 ms an object at 3 %: the watched account (6 ms/s) pays for 100 Hz on its own; what is
  // left of 30 ms/s (the idle passes' share flows on) pays for 4 hot objects at 10 Hz (2 ms), then
  // about 460 samples a second for 995 cold ones.
  const { backend, sampler, run, set, clock } = plannedRig(1000, 0.05, { attribution: false, cpuBudgetPercent: 3 });
  // Long enough for two 5 s windows of the cold tier's rate.
  run(11_000);
  sampler.watch([pathOf(999)]);
  sampler.setVisible([pathOf(300)]);
  // Changed in order: 5 first, then 6, 7 — 7 is the most recent.
  for (const [i, value] of [[5, 1], [6, 2], [7, 3]] as const) {
    set(i, value);
    // Make each change seen, so each has its own change time: a watch-only look is not enough, so sample all at once.
    sampler.stateTick();
    clock.t += 50;
  }
  backend.reads.length = 0;
  run(1000);
  const counts = new Map<string, number>();
  for (const path of backend.reads) counts.set(path, (counts.get(path) ?? 0) + 1);
  const watched = counts.get(pathOf(999)) ?? 0;
  const hot = [5, 6, 7, 300].map((i) => counts.get(pathOf(i)) ?? 0);
  assert.ok(watched >= 90, `watched object: ${watched} samples in 1 s (100 Hz)`);
  for (const n of hot) assert.ok(n >= 9, `hot objects get the state rate: ${hot}`);
  // Cold objects get what is left: far less than once a second each.
  const cold = [...counts].filter(([path]) => ![5, 6, 7, 300, 999].map(pathOf).includes(path)).reduce((sum, [, n]) => sum + n, 0);
  assert.ok(cold < 700, `cold samples ${cold} for 995 cold objects in 1 s`);
  const status = sampler.budgetStatus();
  assert.ok(status.fullRoundMs > 1400, `a full round takes longer than a second: ${status.fullRoundMs} ms`);

  // Now more hot objects than the budget holds: the most recently changed go first.
  const fresh = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  sampler.setVisible([]);
  sampler.watch([]);
  for (const [k, i] of fresh.entries()) {
    set(i, 1 + k);
    sampler.stateTick();
    clock.t += 5;
  }
  // One state tick with a budget for fewer objects than are hot: 0.5 % holds 0.69 ms, 13 objects.
  sampler.setCpuBudget(0.5);
  clock.t += 1000;
  backend.reads.length = 0;
  sampler.scheduledTick('stateMs');
  assert.ok(backend.reads.length < fresh.length + 3, `${backend.reads.length} sampled`);
  const firstOfTick = backend.reads.slice(0, 5);
  assert.deepEqual(firstOfTick, [25, 24, 23, 22, 21].map(pathOf), 'most recently changed first');
});

test('planner: the cold tier is round-robin, the longest-unsampled first, and the full round is reported', () => {
  // 600 objects, 1 ms each, 5 %: 37.5 samples a second for the cold tier: a round takes 16 s.
  const { backend, sampler, run } = plannedRig(600, 1, { attribution: false });
  run(100);
  backend.reads.length = 0;
  run(60_000);
  const reads = backend.reads;
  const lastSampled = new Map<string, number>();
  for (let k = 0; k < reads.length; k++) {
    const path = reads[k];
    // Longest unsampled first: every object sampled before this one since its own last sample.
    const previous = lastSampled.get(path);
    if (previous !== undefined) {
      for (const [other, at] of lastSampled) if (other !== path) assert.ok(at > previous, `${path} sampled again before ${other} (sample ${k})`);
    }
    lastSampled.set(path, k);
  }
  assert.ok(reads.length > 600 * 2, `more than two rounds in 60 s: ${reads.length} samples`);
  const perSecond = reads.length / 60;
  const status = sampler.budgetStatus();
  const expected = (600 / perSecond) * 1000;
  assert.ok(Math.abs(status.fullRoundMs - expected) / expected < 0.2, `full round ${status.fullRoundMs} ms, expected about ${expected.toFixed(0)}`);
  // And the records say how slowly they are sampled, as a tier.
  const record = sampler.records().find((r) => r.path === pathOf(17))!;
  assert.equal(record.intervalMs, nextIntervalTier(undefined, expected));
});

test('planner: the budget is never exceeded over a window, passes included (they run less often instead)', () => {
  // 2,000 objects at 0.05 ms (100 ms for a round), a 30 ms scan and a 40 ms holder pass, 5 %.
  const { backend, sampler, run, set } = plannedRig(2000, 0.05, {}, { scanMs: 30, holdersMs: 40 });
  sampler.watch([pathOf(0), pathOf(1)]);
  let value = 0;
  const start = backend.work.length;
  const t0 = backend.work.length ? backend.work[backend.work.length - 1].at : 0;
  run(60_000, (cadence) => {
    if (cadence === 'stateMs') {
      value++;
      for (let i = 0; i < 20; i++) set(i * 7, value);
    }
  });
  const work = backend.work.slice(start);
  const first = work[0].at;
  const last = work[work.length - 1].at;
  const total = work.reduce((sum, w) => sum + w.ms, 0);
  // Over the whole run: at most the budget plus what the accounts held at the start.
  // The accounts start full (22 ms) and may end in debt (a pass, 40 ms; the watched tier's band, 9.4 ms).
  assert.ok(total <= 0.05 * (last - first) + 22 + 40 + 9.4, `spent ${total.toFixed(1)} ms in ${(last - first).toFixed(0)} ms`);
  // Over every 10 s window: at most the budget (500 ms) plus the burst (22 ms), the watched tier's
  // debt band (9.4 ms) and one pass of each account in debt (a scan, 30 ms; a holder pass, 40 ms).
  for (let from = first; from + 10_000 <= last; from += 500) {
    const spent = work.filter((w) => w.at >= from && w.at < from + 10_000).reduce((sum, w) => sum + w.ms, 0);
    assert.ok(spent <= 500 + 22 + 9.4 + 30 + 40, `${spent.toFixed(1)} ms of work in the 10 s from ${from - t0}`);
  }
  // Passes ran, less often than their rates (scan 1 Hz: 60; holders 0.5 Hz: 30) since the budget is short.
  assert.ok(sampler.stats.deferred.scanMs > 0 || sampler.stats.deferred.holdersMs > 0, 'some passes were deferred');
  // The scans' account (5 % of the 5 %: 2.5 ms a second) pays for a 30 ms scan about every 12 s.
  assert.ok(backend.work.filter((w) => w.ms === 30).length >= 3, 'scans still ran');
  assert.ok(backend.work.filter((w) => w.ms === 40).length >= 3, 'holder passes still ran');
});

test('planner: intervalMs moves by tier with the object, and idle objects send nothing', () => {
  const { sampler, run, set, updates } = plannedRig(50, 0.01, { attribution: false });
  run(3000);
  const cold = sampler.records().find((r) => r.path === pathOf(3))!;
  assert.equal(cold.intervalMs, 1000);
  updates.length = 0;
  run(5000);
  assert.equal(updates.flat().length, 0, 'nothing changes, nothing is sent: intervals are not rewritten each tick');
  set(3, 7);
  run(1100);
  const changed = updates.flat().filter((r) => r.path === pathOf(3));
  assert.equal(changed.length, 1, 'the change and its new interval travel in one record');
  assert.equal(changed[0].state && (changed[0].state as { count: number }).count, 7);
  assert.equal(changed[0].intervalMs, 100, 'a changed object is sampled at the state rate');
  updates.length = 0;
  run(12_000);
  const later = updates.flat().filter((r) => r.path === pathOf(3));
  assert.equal(later.length, 1, 'back to the cold tier once, 10 s after its change');
  assert.equal(later[0].intervalMs, 1000);
  assert.equal(later[0].changedAt, changed[0].changedAt, 'a new interval is not a change of the object');
});

test('setCpuBudget: takes 0.5..100, refuses anything else', () => {
  const { sampler } = plannedRig(1, 0.01);
  assert.equal(sampler.setCpuBudget(20).budgetPercent, 20);
  for (const bad of [0.4, 101, Number.NaN, -1]) assert.throws(() => sampler.setCpuBudget(bad), (error: any) => error.kind === 'invalid-argument' && /from 0\.5 to 100/.test(error.message));
  assert.equal(sampler.budgetStatus().budgetPercent, 20);
});

test('planner: objects a user named (watch NAME, a name filter leaving a handful) are hot from the start', () => {
  // o19 and o190..o199: 11 objects.
  for (const options of [{ fixedNames: [pathOf(19), pathOf(2)] }, { nameGlob: 'o19*' }]) {
    const { backend, run } = plannedRig(200, 0.01, { attribution: false, ...options });
    run(500);
    backend.reads.length = 0;
    run(1000);
    const reads = backend.reads.filter((p) => p === pathOf(19)).length;
    assert.ok(reads >= 9, `${JSON.stringify(options)}: an unchanged named object sampled ${reads} times in 1 s (10 Hz)`);
  }
  // A filter that leaves many (a run fencing off its own objects) is no focus: once a second.
  const { backend, run } = plannedRig(200, 0.01, { attribution: false, nameGlob: 'o*' });
  run(500);
  backend.reads.length = 0;
  run(1000);
  const reads = backend.reads.filter((p) => p === pathOf(1)).length;
  assert.ok(reads <= 2, `sampled ${reads} times in 1 s`);
});

test('planner: at most 10 objects at the watch rate; more watched ones get the state rate', () => {
  const { backend, sampler, run } = plannedRig(100, 0.001, { attribution: false });
  const paths = Array.from({ length: 12 }, (_, i) => pathOf(i));
  run(1000);
  assert.deepEqual(sampler.watch(paths), paths, 'every path is watched');
  run(1000);
  backend.reads.length = 0;
  run(1000);
  const count = (i: number) => backend.reads.filter((path) => path === pathOf(i)).length;
  for (let i = 0; i < 10; i++) assert.ok(count(i) >= 95, `watched ${i}: ${count(i)} samples in 1 s`);
  for (const i of [10, 11]) assert.ok(count(i) >= 9 && count(i) <= 15, `watched beyond the ten, ${i}: ${count(i)} samples in 1 s (the state rate)`);
});

test('planner: the first picture is whole: an expensive first scan does not hold back the first holders', () => {
  // A 2 s scan puts the passes' account (12.5 ms a second at 5 %) in debt for minutes.
  const { sampler } = plannedRig(10, 0.01, {}, { scanMs: 2000, holdersMs: 1 });
  sampler.start();
  try {
    for (let i = 0; i < 10; i++) {
      const record = sampler.records().find((r) => r.path === pathOf(i));
      assert.ok(record?.holders, `object ${i} has its holders from the start: ${JSON.stringify(record)}`);
    }
  } finally {
    sampler.stop();
  }
});

test('planner: scans and holder passes pay from accounts of their own: a holder pass in debt does not hold back scans; an expensive scan waits for its own account', () => {
  // Holder passes of 500 ms keep the attribution account (5 ms a second at 5 %, more with what idle accounts pass on) in debt.
  const cheap = plannedRig(10, 0.01, {}, { scanMs: 1, holdersMs: 500 });
  cheap.run(5000);
  cheap.backend.add(pathOf(10), 'semaphore', { count: 3, max: 10 });
  cheap.run(1500);
  assert.ok(cheap.sampler.stats.deferred.holdersMs > 0, 'the holder passes have their account in debt');
  assert.equal(cheap.sampler.stats.deferred.scanMs, 0, 'no scan waited');
  assert.ok(cheap.sampler.records().some((r) => r.path === pathOf(10)), 'the new object is listed within a second and a half');
  // A 2 s scan (a directory under Wine, whole) puts the scans' account in debt for about 40 s.
  const costly = plannedRig(10, 0.01, {}, { scanMs: 2000, holdersMs: 500 });
  costly.run(5000);
  costly.backend.add(pathOf(10), 'semaphore', { count: 3, max: 10 });
  costly.run(1500);
  assert.ok(!costly.sampler.records().some((r) => r.path === pathOf(10)), 'a 2 s scan waits for its account');
  assert.ok(costly.sampler.stats.deferred.scanMs > 0);
});

/** Moves the planner's clock and the mocked timers together, a millisecond at a time. */
function advancer(t: { mock: { timers: { tick(ms: number): void } } }, clock: { t: number }) {
  return (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.t += 1;
      t.mock.timers.tick(1);
    }
  };
}

test('timer: one wake-up runs every cadence then due, so 100 Hz watching adds no wake-ups for state ticks, scans and passes', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { clock, sampler, backend } = plannedRig(50, 0.001, { cpuBudgetPercent: 100 }, { scanMs: 0.3, holdersMs: 0.7 });
  const advance = advancer(t, clock);
  sampler.start();
  try {
    sampler.watch([pathOf(0)]);
    advance(2000);
    const before = { wakeUps: sampler.stats.wakeUps, ticks: sampler.stats.ticks, reads: backend.reads.length, work: backend.work.length };
    advance(1000);
    const watchedReads = backend.reads.slice(before.reads).filter((path) => path === pathOf(0)).length;
    const stateTicks = sampler.stats.ticks - before.ticks;
    const passes = backend.work.slice(before.work).filter((w) => w.ms === 0.3 || w.ms === 0.7).length;
    assert.ok(watchedReads >= 90, `the watched object read at the watch rate: ${watchedReads} in 1 s`);
    assert.ok(stateTicks >= 9 && stateTicks <= 11, `state ticks at 10 Hz: ${stateTicks}`);
    assert.ok(passes >= 1, `a scan or holder pass ran: ${passes}`);
    const wakeUps = sampler.stats.wakeUps - before.wakeUps;
    assert.ok(wakeUps <= watchedReads + 2, `${wakeUps} wake-ups for ${watchedReads} watch ticks, ${stateTicks} state ticks and ${passes} passes`);
  } finally {
    sampler.stop();
  }
});

test('timer: a cadence whose account cannot pay sleeps until it can, instead of waking up to be deferred', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // A watched read costs 0.5 ms; at 1 % the watched account earns 3.5 ms a second: about 7 ticks.
  const { clock, sampler, backend } = plannedRig(5, 0.5, { cpuBudgetPercent: 1, attribution: false });
  const advance = advancer(t, clock);
  sampler.start();
  try {
    sampler.watch([pathOf(0)]);
    advance(3000);
    const before = { wakeUps: sampler.stats.wakeUps, deferred: sampler.stats.deferred.watchMs, reads: backend.reads.length };
    advance(5000);
    const watchedReads = backend.reads.slice(before.reads).filter((path) => path === pathOf(0)).length;
    const wakeUps = sampler.stats.wakeUps - before.wakeUps;
    const deferred = sampler.stats.deferred.watchMs - before.deferred;
    assert.ok(watchedReads >= 10 && watchedReads <= 80, `the watched object is read as the budget allows: ${watchedReads} in 5 s`);
    assert.ok(deferred <= 3, `watch ticks deferred after waking: ${deferred}`);
    assert.ok(wakeUps < 200, `${wakeUps} wake-ups in 5 s (100 Hz would be 500)`);
  } finally {
    sampler.stop();
  }
});

test('planner: where the backend scans in slices, the timer scans go on in slices (the first picture is whole), and a round in progress changes nothing', () => {
  const { clock, now } = clockAt(1_000_000);
  const slices: number[] = [];
  class SlicedBackend extends CostlyBackend {
    whole = 0;
    pending = 0;
    override scan() {
      this.whole++;
      return super.scan();
    }
    scanInSlices(_scopes: string[] | undefined, sliceMs: number) {
      slices.push(sliceMs);
      // A round takes three calls.
      if (++this.pending < 3) return undefined;
      this.pending = 0;
      return super.scan();
    }
  }
  const backend = new SlicedBackend(clock, 0.001);
  for (let i = 0; i < 5; i++) backend.add(pathOf(i), 'semaphore', { count: 0, max: 10 });
  const sampler = new Sampler({ backend, now, clock: now, processCpuMs: null, cpuBudgetPercent: 100 });
  sampler.scheduledTick('scanMs', { evenInDebt: true });
  assert.equal(backend.whole, 1, 'the first scan is whole');
  assert.equal(sampler.records().length, 5);
  backend.objects.delete(pathOf(4));
  backend.add(pathOf(5), 'semaphore', { count: 1, max: 10 });
  for (let call = 1; call <= 2; call++) {
    clock.t += 1000;
    sampler.scheduledTick('scanMs');
    const paths = sampler.records().map((r) => `${r.path}${r.goneAt === undefined ? '' : ' (gone)'}`);
    assert.deepEqual(paths.sort(), [0, 1, 2, 3, 4].map(pathOf).sort(), `slice ${call}: nothing changes while the round is under way`);
  }
  clock.t += 1000;
  sampler.scheduledTick('scanMs');
  assert.equal(backend.whole, 1, 'the timer scans went in slices');
  assert.ok(slices.length === 3 && slices.every((ms) => ms > 0 && ms <= 20), `slices of ${slices.join(', ')} ms`);
  const byPath = new Map(sampler.records().map((r) => [r.path, r]));
  assert.ok(byPath.get(pathOf(5)) && byPath.get(pathOf(5))!.goneAt === undefined, 'the new object is listed when the round ends');
  assert.ok(byPath.get(pathOf(4))?.goneAt !== undefined, 'the removed one is gone when the round ends');
});

test('planner: a hot tier of a few objects re-learns its cost (a first expensive read does not stay its estimate)', () => {
  const { clock, now } = clockAt(1_000_000);
  class FirstReadSlow extends CostlyBackend {
    calls = 0;
    slowNext = false;
    override openReader(): StateReader {
      const inner = super.openReader();
      return {
        ...inner,
        read: (targets: readonly ReadTarget[]) => {
          // A read that sets the reader up again (after stop(): mappings, a watch): 30 ms, 7.5 ms an object of four.
          this.calls++;
          if (this.slowNext) clock.t += 30;
          this.slowNext = false;
          return inner.read(targets);
        },
      };
    }
  }
  const backend = new FirstReadSlow(clock, 0.01);
  for (let i = 0; i < 2000; i++) backend.add(pathOf(i), 'semaphore', { count: 0, max: 10 });
  const sampler = new Sampler({ backend, now, clock: now, processCpuMs: null, attribution: false });
  sampler.scheduledTick('scanMs', { evenInDebt: true });
  sampler.setVisible([0, 1, 2, 3].map(pathOf));
  backend.slowNext = true;
  for (let tick = 0; tick < 300; tick++) {
    clock.t += 100;
    sampler.scheduledTick('stateMs');
  }
  const before = { calls: backend.calls, ticks: sampler.stats.ticks };
  for (let tick = 0; tick < 20; tick++) {
    clock.t += 100;
    sampler.scheduledTick('stateMs');
  }
  const perTick = (backend.calls - before.calls) / (sampler.stats.ticks - before.ticks);
  assert.ok(sampler.stats.tierSamples.hot >= 300 * 4, `the visible objects sampled at every tick: ${sampler.stats.tierSamples.hot}`);
  // One call for the four visible objects and at most one for the cold round's share.
  assert.ok(perTick <= 2.5, `${perTick} reader calls a tick`);
});
