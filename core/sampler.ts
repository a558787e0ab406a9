// The live engine: scans the namespace, samples states, attributes holders and waiters, each at
// its own cadence, and commits what changed to the update stream and the history.
//
// States are read through the backend's StateReader, many objects per call: it keeps between
// ticks only what does not change an object's life (see native/backend.ts); a backend without one
// opens and closes each object per sample (open-each-read.ts). The reader is closed on stop().
//
// The cadences spend a CPU budget (issue 15; the accounting is in sample-planner.ts). Each state
// tick plans within what the budget holds, tier by tier: watched objects have their own tick at
// the watch rate; then the hot tier (objects visible in the list and objects whose state changed
// in the last 10 s) at the state rate, the most recently changed first when they do not all fit;
// then the cold tier, every other object, due once a second, taken round-robin from where the
// last tick stopped (the longest-unsampled first), as many as the budget leaves. Scans and the
// holder/waiter passes run at most at their rates, each only when its own account is not in
// debt, so an expensive pass runs less often. stateTick() and scanTick() called directly (after an
// action, in tests, in the benchmark's per-object figures) still do everything at once.
import picomatch from 'picomatch';
import type { Backend, ObjectEntry, StateReader } from '../native';
import { invalidArgument, isNativeError, messageOf } from '../native/errors';
import type { ObjectState, UnreadablePids } from '../native/types';
import { type BudgetStatus, DEFAULT_CPU_BUDGET_PERCENT, DEFAULT_RATES, cpuBudgetSchema, type ObjectRecord, type Rates } from '../protocol';
import { HistoryStore } from './history';
import { levelOf } from './levels';
import { openEachRead } from './open-each-read';
import { type Account, CostModel, CpuBudget, defaultWorkClock, nextIntervalTier, roundMs } from './sample-planner';
import { sameValue } from './same-value';
import { UpdateStream } from './update-stream';
import { WaitClock } from './wait-clock';

export interface SamplerOptions {
  backend: Backend;
  /** Directories or sources to scan (backend defaults when empty). */
  scopes?: string[];
  kinds?: string[];
  nameGlob?: string;
  /** Sample exactly these names (resolved by the backend) instead of scanning. */
  fixedNames?: string[];
  rates?: Partial<Rates>;
  /** Samples kept per object, and bytes for all history together. */
  historyCapacity?: number;
  historyBudgetBytes?: number;
  /** How long a vanished object stays listed (with its last state) before it is dropped. */
  goneRetentionMs?: number;
  /** Holder and waiter attribution; off for cheap watches. */
  attribution?: boolean;
  now?: () => number;
  /** Percent of one core the engine may spend (0.5..100; default DEFAULT_CPU_BUDGET_PERCENT). */
  cpuBudgetPercent?: number;
  /** The planner's monotonic clock, ms: refills the budget, says when objects were sampled and when cadences are due (default performance.now; an injected one must advance with the timers). */
  clock?: () => number;
  /** What work costs, ms (default: process CPU time on Linux, wall time elsewhere; see sample-planner.ts). */
  workClock?: () => number;
  /** Whether the work clock counts CPU time (default: when it is the thread's or the process's CPU clock); a wake-up's price is learned only then. */
  workClockIsCpu?: boolean;
  /** This process's CPU time, ms; null to budget only the sampler's measured work (default process.cpuUsage). */
  processCpuMs?: (() => number) | null;
  /** How long a changed object stays in the hot tier, ms (default 10,000). */
  hotWindowMs?: number;
  /** How often every other object is due, ms (default 1,000). */
  coldIntervalMs?: number;
}

type Tier = 'watched' | 'hot' | 'cold';

export interface SamplerStats {
  ticks: number;
  samples: number;
  /** State ticks that ran out of their time budget and resumed on the next tick. */
  overruns: number;
  lastTickMs: number;
  /** Time on the planner's clock (wall time by default) spent in each cadence's ticks since start. */
  busyMs: Record<Cadence, number>;
  /** Samples taken by the planned ticks, per tier. */
  tierSamples: Record<Tier, number>;
  /** Scheduled ticks skipped because their account of the budget was spent. */
  deferred: Record<Cadence, number>;
  /** Timer wake-ups (one runs every cadence then due). */
  wakeUps: number;
  /** The last error a scheduled tick threw, if any. */
  lastError?: string;
}

interface Tracked {
  entry: Pick<ObjectEntry, 'kind' | 'name' | 'path'>;
  record: ObjectRecord;
  /** Semaphore maximum for metrics. */
  max?: number;
  /** When it was last sampled, and when its state last changed (planner clock; -Infinity: never). */
  sampledAt: number;
  stateChangedAt: number;
  /** When the cold tier's round-robin last sampled it (the round stops at the first it reached within the interval). */
  roundAt?: number;
}

type Cadence = keyof Rates;
/** The order a wake-up runs due cadences in: the watched objects' delay is the tightest. */
const CADENCES: readonly Cadence[] = ['watchMs', 'stateMs', 'scanMs', 'holdersMs'];
const CADENCES_WITHOUT_ATTRIBUTION: readonly Cadence[] = CADENCES.filter((cadence) => cadence !== 'holdersMs');
const QUICK = { quick: true } as const;
/** The account each cadence's ticks are paid from. */
const ACCOUNT_OF: Record<Cadence, Account> = { watchMs: 'watched', stateMs: 'sampling', scanMs: 'scans', holdersMs: 'attribution' };
/** The longest a cadence waits for its account (then it runs and is deferred as before). */
const MAX_BUDGET_WAIT_MS = 5_000;
/** Measured wake-ups whose gaps make one median (see learnWakeCost), and how often one is measured. */
const WAKE_SAMPLE = 16;
const WAKE_MEASURE_EVERY = 8;
/** One watch tick in this many measures its cost; the others are charged the learned cost (the clock is a system call). */
const WATCH_MEASURE_EVERY = 8;
/** A cadence due within this long (ms, at most a quarter of its period) runs with the wake-up at hand. */
const COALESCE_MS = 2;

/** No holders or waiters: one shared empty list, so that an unattributed object allocates nothing per pass. */
const NONE = Object.freeze([]) as unknown as never[];
/** Objects per reader call at most (process_vm_readv reads up to 1,024 pieces per call). */
const MAX_BATCH = 1024;
/** Objects sampled at the watch rate at most (the detail pane's, `watch`'s first ones). */
const MAX_WATCHED = 10;
/** How long one slice of a scan in slices lists, ms (the event loop is never held longer by a scan). */
const SCAN_SLICE_MS = 10;
/** A scan that costs at most this (ms of work) runs at its rate even while the scans' account is in debt. */
const CHEAP_SCAN_MS = 2;
/** Batches smaller than this do not teach the cost model a per-object cost. */
const MIN_COSTED_BATCH = 16;
/** A name filter matching at most this many objects names what the user looks at (the hot tier). */
const USER_NAMED_MAX = 100;
/** The longest period a tier is said to have (10 minutes: "hardly sampled at all"). */
const MAX_PERIOD_MS = 600_000;

export class Sampler {
  readonly stream: UpdateStream<ObjectRecord>;
  readonly history: HistoryStore;
  /** When each thread was first seen waiting on each object (the "at least" of `why` in the app). */
  readonly waitClock = new WaitClock();
  readonly stats: SamplerStats = {
    ticks: 0,
    samples: 0,
    overruns: 0,
    wakeUps: 0,
    lastTickMs: 0,
    busyMs: { scanMs: 0, stateMs: 0, watchMs: 0, holdersMs: 0 },
    tierSamples: { watched: 0, hot: 0, cold: 0 },
    deferred: { scanMs: 0, stateMs: 0, watchMs: 0, holdersMs: 0 },
  };
  private readonly backend: Backend;
  private readonly now: () => number;
  private readonly tracked = new Map<string, Tracked>();
  /** Tracked objects marked gone (kept listed until their retention ends). */
  private readonly gone = new Set<string>();
  /** The backend's last listing and the entries the filters kept of it. */
  private lastDiscovered?: { listed: ReadonlyArray<Pick<ObjectEntry, 'kind' | 'name' | 'path'>>; entries: Array<Pick<ObjectEntry, 'kind' | 'name' | 'path'>> };
  /** The last scan's listing, and its paths. */
  private lastListing?: { entries: ReadonlyArray<Pick<ObjectEntry, 'kind' | 'name' | 'path'>>; paths: Set<string> };
  /** `tracked` as an array for round-robin ticks; rebuilt only after the set changes. */
  private order: Tracked[] = [];
  private orderStale = true;
  private readonly sampledKinds: Set<string>;
  private readonly watched = new Set<string>();
  private readonly pending = new Map<string, ObjectRecord>();
  private readonly pendingRemoved = new Set<string>();
  private readonly matchesName: (name: string) => boolean;
  private readonly kinds?: Set<string>;
  private rates: Rates;
  private timer: NodeJS.Timeout | undefined;
  private readonly wakeCostLearned: boolean;
  /** Thread CPU between recent wake-ups, ms (see learnWakeCost). */
  private readonly wakeGaps: number[] = [];
  /** The work clock when the last wake-up's ticks ended. */
  private lastWakeEnd: number | undefined;
  /** What the current state tick's batches have charged so far. */
  private tickCharged = 0;
  private wakesSinceMeasured = 0;
  /** Watch ticks since the last one whose cost was measured. */
  private unmeasuredWatchTicks = 0;
  /** When each cadence is next due (the planner's clock). */
  private readonly dueAt: Record<Cadence, number> = { scanMs: 0, stateMs: 0, watchMs: 0, holdersMs: 0 };
  private roundRobin = 0;
  private waitersUnavailable?: string;
  private readonly lastUnreadable: Required<UnreadablePids> = { holders: [], waiters: [] };
  private running = false;
  /** Opened on first use, closed by stop(). */
  private stateReader?: StateReader;
  private readonly clock: () => number;
  private readonly workClock: () => number;
  private readonly budget: CpuBudget;
  private readonly costs = new CostModel<'hot' | 'cold' | 'watch' | 'wake'>();
  private readonly hotWindowMs: number;
  private readonly coldIntervalMs: number;
  /** Objects whose state changed within the hot window, with when (planner clock). */
  private readonly recent = new Map<Tracked, number>();
  private visible = new Set<string>();
  /** Watched objects beyond the first MAX_WATCHED: at the state rate, as visible ones. */
  private watchedBeyondRate = new Set<string>();
  /** What the user looks at besides the watched objects: the visible rows and watched ones beyond the limit (the hot tier). */
  private userHot = new Set<string>();
  /** What the last scan cost, ms of work. */
  private lastScanMs: number | undefined;
  /** Where the cold tier's round-robin goes on, in `order`. */
  private coldCursor = 0;
  /** Samples a second each tier got (smoothed), the tiers' sizes, and the interval each shows. */
  private readonly tierRate: Record<Tier, number | undefined> = { watched: undefined, hot: undefined, cold: undefined };
  private readonly tierSize: Record<Tier, number> = { watched: 0, hot: 0, cold: 0 };
  private readonly tierInterval: Record<Tier, number>;
  private hotPeriodMs = 0;
  private liveCount?: number;

  private readonly rateWindows: Record<Tier, { start?: number; count: number }> = {
    watched: { count: 0 },
    hot: { count: 0 },
    cold: { count: 0 },
  };

  constructor(private readonly options: SamplerOptions) {
    this.backend = options.backend;
    this.now = options.now ?? Date.now;
    this.rates = { ...DEFAULT_RATES, ...options.rates };
    this.sampledKinds = new Set(this.backend.sampledKinds);
    this.stream = new UpdateStream<ObjectRecord>(this.now);
    this.history = new HistoryStore(options.historyCapacity, options.historyBudgetBytes);
    this.matchesName = options.nameGlob ? picomatch(options.nameGlob, { nocase: true, dot: true }) : () => true;
    this.kinds = options.kinds?.length ? new Set(options.kinds.map((k) => k.toLowerCase())) : undefined;
    this.clock = options.clock ?? (() => performance.now());
    // The engine's own thread's CPU where the backend tells it: the process's would also count
    // other threads' time (GC, the pool) that lands inside a short span.
    const threadClock = this.backend.threadCpuMs?.bind(this.backend);
    this.workClock = options.workClock ?? (options.clock ? options.clock : threadClock ?? defaultWorkClock());
    // A wake-up's price can be learned only from a CPU clock: on a wall clock the gap between
    // wake-ups is mostly sleep (Windows, whose CPU times move in 15.6 ms steps).
    this.wakeCostLearned = options.workClockIsCpu ?? (options.workClock === undefined && !options.clock && (threadClock !== undefined || process.platform === 'linux'));
    this.budget = new CpuBudget({
      percent: checkedBudget(options.cpuBudgetPercent ?? DEFAULT_CPU_BUDGET_PERCENT),
      clock: this.clock,
      processCpuMs: options.processCpuMs,
    });
    this.hotWindowMs = options.hotWindowMs ?? 10_000;
    this.coldIntervalMs = options.coldIntervalMs ?? 1_000;
    this.tierInterval = {
      watched: nextIntervalTier(undefined, this.rates.watchMs),
      hot: nextIntervalTier(undefined, this.rates.stateMs),
      cold: nextIntervalTier(undefined, this.coldIntervalMs),
    };
  }

  private focusScopes: string[] = [];

  get currentRates(): Rates {
    return { ...this.rates };
  }

  /** First scan and sample at once, then every cadence on the one timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A first scan that fails (a source unreadable right now) must not stop the inspector from
    // starting: the cadences retry, and stats.lastError says why.
    // The first picture is whole, whatever it costs, and not charged (under Wine the first scan
    // alone is a minute of the passes' share, which would hold back the first holders).
    this.guarded(() => this.scheduledTick('scanMs', { evenInDebt: true }));
    this.guarded(() => this.scheduledTick('stateMs'));
    if (this.options.attribution !== false) this.guarded(() => this.scheduledTick('holdersMs', { evenInDebt: true }));
    this.startTimers();
  }

  /** Runs a tick now (after an action, to show its effect at once); a failure is recorded, not thrown. */
  refresh(tick: 'scan' | 'state'): void {
    this.guarded(() => (tick === 'scan' ? this.scanTick() : this.stateTick()));
  }

  private guarded(tick: () => void): void {
    try {
      tick();
    } catch (error) {
      this.stats.lastError = messageOf(error);
    }
  }

  /** Stops the cadences and releases what the reader keeps (a later tick opens a new one). */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastWakeEnd = undefined;
    this.wakeGaps.length = 0;
    this.stateReader?.close();
    this.stateReader = undefined;
  }

  private get reader(): StateReader {
    this.stateReader ??= this.backend.openReader?.() ?? openEachRead(this.backend);
    return this.stateReader;
  }

  /** New rates apply from the next tick of each cadence. */
  setRates(rates: Partial<Rates>): Rates {
    this.rates = { ...this.rates, ...rates };
    if (this.running) this.startTimers();
    return this.currentRates;
  }

  /** Changes the budget (percent of one core, 0.5..100) from now on. */
  setCpuBudget(percent: number): BudgetStatus {
    this.budget.setPercent(checkedBudget(percent));
    // A cadence asleep until its account could pay under the old budget wakes on the new one.
    if (this.running) this.armTimer();
    return this.budgetStatus();
  }

  /** The objects visible in the list now (the hot tier); replaces the previous set. */
  setVisible(paths: readonly string[]): void {
    this.visible = new Set(paths);
    this.userHot = new Set([...this.visible, ...this.watchedBeyondRate]);
  }

  /** The budget, what the engine used over the last second, and how long a round of every object takes. */
  budgetStatus(): BudgetStatus {
    this.budget.refill();
    // Counted by the state ticks about once a second; counted here only before the first.
    let objects = this.liveCount ?? 0;
    if (this.liveCount === undefined) for (const tracked of this.tracked.values()) if (this.isLive(tracked)) objects++;
    let fullRoundMs = 0;
    for (const tier of ['watched', 'hot', 'cold'] as const) {
      if (this.tierSize[tier] > 0) fullRoundMs = Math.max(fullRoundMs, this.tierPeriod(tier));
    }
    return {
      budgetPercent: this.budget.budgetPercent,
      usedPercent: Math.round(this.budget.usedPercent * 100) / 100,
      fullRoundMs: Number.isFinite(fullRoundMs) ? Math.round(fullRoundMs) : -1,
      objects,
    };
  }

  /** Paths sampled at the watch rate (the first MAX_WATCHED; any more at the state rate). */
  watch(paths: string[]): string[] {
    this.watched.clear();
    this.watchedBeyondRate = new Set();
    for (const path of paths) {
      if (this.tracked.has(path)) (this.watched.size < MAX_WATCHED ? this.watched : this.watchedBeyondRate).add(path);
    }
    this.userHot = new Set([...this.visible, ...this.watchedBeyondRate]);
    // The first watch tick comes at the watch rate, not at the end of the slower idle period.
    if (this.running && this.watched.size > 0) {
      this.dueAt.watchMs = Math.min(this.dueAt.watchMs, this.clock() + this.rates.watchMs);
      this.armTimer();
    }
    return [...this.watched, ...this.watchedBeyondRate];
  }

  maxOf(path: string): number | undefined {
    return this.tracked.get(path)?.max;
  }

  kindOf(path: string): string | undefined {
    return this.tracked.get(path)?.entry.kind;
  }

  /**
   * Namespace scan: new objects appear, missing ones are marked gone, old gone ones dropped. A
   * listing equal to the last one (an incremental scan found nothing new) only ages the gone ones:
   * walking 10,000 unchanged entries each second cost more than the listing.
   */
  scanTick(options: { planned?: boolean; sliced?: boolean } = {}): void {
    const t = this.now();
    const entries = this.discover(options.sliced === true);
    // A scan in slices still under way (Wine's directory walk): nothing to compare yet.
    if (!entries) return;
    const retention = this.options.goneRetentionMs ?? 30_000;
    if (this.lastListing && sameListing(entries, this.lastListing.entries)) {
      for (const path of [...this.gone]) {
        const tracked = this.tracked.get(path);
        if (!tracked) this.gone.delete(path);
        else if (this.lastListing.paths.has(path)) this.recreated(path, t);
        else if (t - tracked.record.goneAt! >= retention) this.drop(path, tracked);
      }
      this.flush();
      return;
    }
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.path);
      const known = this.tracked.get(entry.path);
      if (!known) {
        const record: ObjectRecord = { kind: entry.kind, name: entry.name, path: entry.path, changedAt: t };
        // Under the planner a new object starts in the cold tier, and its record says so at once
        // (set later, it would rewrite every record of a fresh scan a second time).
        if (options.planned && this.sampledKinds.has(entry.kind)) record.intervalMs = this.tierInterval.cold;
        const tracked: Tracked = { entry, record, sampledAt: Number.NEGATIVE_INFINITY, stateChangedAt: Number.NEGATIVE_INFINITY };
        this.tracked.set(entry.path, tracked);
        this.orderStale = true;
        this.sampleOne(entry.path, t);
        this.pending.set(entry.path, this.tracked.get(entry.path)!.record);
      } else if (known.record.goneAt !== undefined) this.recreated(entry.path, t);
    }
    this.lastListing = { entries, paths: seen };
    for (const [path, tracked] of this.tracked) {
      const goneAt = tracked.record.goneAt;
      if (goneAt === undefined && !seen.has(path) && !this.options.fixedNames) this.markGone(path, t);
      else if (goneAt !== undefined && t - goneAt >= retention) this.drop(path, tracked);
    }
    this.flush();
  }

  /**
   * Samples every live object, round-robin within a time budget of one state period, a batch per
   * reader call: a slow object delays only the objects after it, which go first on the next tick.
   */
  stateTick(): void {
    const started = performance.now();
    const budget = this.rates.stateMs * 0.8;
    if (this.orderStale) {
      this.order = [...this.tracked.values()];
      this.orderStale = false;
    }
    const order = this.order;
    const t = this.now();
    let done = 0;
    // The first batch is one object, to learn the pace; then as many as, at that pace, fit in half
    // the budget left (at most MAX_BATCH), so slow objects are checked after each one.
    let batchSize = 1;
    const batch: Tracked[] = [];
    while (done < order.length) {
      const end = Math.min(order.length, done + batchSize);
      batch.length = 0;
      for (let i = done; i < end; i++) {
        const tracked = order[(this.roundRobin + i) % order.length];
        if (tracked.record.goneAt === undefined && this.sampledKinds.has(tracked.entry.kind)) batch.push(tracked);
      }
      this.sampleBatch(batch, t);
      done = end;
      if (done < order.length) {
        const elapsed = performance.now() - started;
        if (elapsed > budget) {
          this.stats.overruns++;
          break;
        }
        const perObject = elapsed / done;
        batchSize = perObject > 0 ? Math.max(1, Math.min(MAX_BATCH, Math.floor((budget - elapsed) / 2 / perObject))) : MAX_BATCH;
      }
    }
    this.roundRobin = order.length ? (this.roundRobin + done) % order.length : 0;
    this.stats.ticks++;
    this.stats.lastTickMs = performance.now() - started;
    this.flush();
  }

  watchTick(): void {
    if (this.watched.size === 0) return;
    const t = this.now();
    for (const path of this.watched) this.sampleOne(path, t);
    this.flush();
  }

  /**
   * The state cadence under the budget: the hot tier, then the cold tier, as far as the sampling
   * account allows.
   */
  plannedStateTick(): void {
    const started = this.clock();
    // The tick's work is measured from here to the end of its flush; its batches are charged as
    // they go (so the budget stops them in time), and the rest (the tiers' lists, the flush to the
    // stream) when it ends.
    const workStarted = this.workClock();
    this.tickCharged = 0;
    this.budget.refill();
    const t = this.now();
    if (this.orderStale) {
      this.order = [...this.tracked.values()];
      this.orderStale = false;
    }
    const order = this.order;

    // Hot: changed within the window, or visible; watched objects have their own tick.
    const hot: Tracked[] = [];
    for (const [tracked, at] of this.recent) {
      if (started - at > this.hotWindowMs || !this.tracked.has(tracked.entry.path)) this.recent.delete(tracked);
      else if (this.isLive(tracked) && !this.watched.has(tracked.entry.path)) hot.push(tracked);
    }
    for (const path of this.userHot) {
      const tracked = this.tracked.get(path);
      if (tracked && this.isLive(tracked) && !this.recent.has(tracked) && !this.watched.has(path)) hot.push(tracked);
    }
    // Objects the user named are what they look at: all hot. That is `watch NAME` (fixedNames), and
    // a name filter that leaves a handful (`record --name X`), not one that only fences off a run.
    if (this.options.fixedNames !== undefined || (this.options.nameGlob !== undefined && (this.liveCount ?? Infinity) <= USER_NAMED_MAX)) {
      for (const tracked of order) {
        if (this.isLive(tracked) && !this.recent.has(tracked) && !this.userHot.has(tracked.entry.path) && !this.watched.has(tracked.entry.path)) hot.push(tracked);
      }
    }
    const fits = this.affordable('hot');
    if (hot.length > fits) hot.sort((a, b) => b.stateChangedAt - a.stateChangedAt);
    let hotDone = 0;
    while (hotDone < hot.length) {
      const n = Math.min(this.affordable('hot'), hot.length - hotDone);
      if (n < 1) break;
      this.sampleMeasured(hot.slice(hotDone, hotDone + n), t, 'hot');
      hotDone += n;
    }

    // Cold: round-robin from where the last tick stopped.
    const dueBy = started - (this.coldIntervalMs - this.rates.stateMs / 2);
    const isDue = (tracked: Tracked) =>
      tracked.sampledAt <= dueBy &&
      this.isLive(tracked) &&
      !this.recent.has(tracked) &&
      !this.userHot.has(tracked.entry.path) &&
      !this.watched.has(tracked.entry.path);
    let coldDone = 0;
    const batch: Tracked[] = [];
    let room = this.affordable('cold');
    // The round goes on from where it stopped, and stops at the first object it already reached
    // within the interval: the ones after it were reached later still, so none of them is due
    // (walking all of them at every tick would cost more than sampling them).
    let position = order.length ? this.coldCursor % order.length : 0;
    let visited = 0;
    let caughtUp = false;
    while (!caughtUp && visited < order.length && room >= 1) {
      batch.length = 0;
      while (visited < order.length && batch.length < room) {
        const tracked = order[position];
        if (tracked.roundAt !== undefined && tracked.roundAt > dueBy && this.isLive(tracked)) {
          caughtUp = true;
          break;
        }
        if (isDue(tracked)) {
          batch.push(tracked);
          tracked.roundAt = started;
        }
        position = (position + 1) % order.length;
        visited++;
      }
      if (batch.length === 0) break;
      this.sampleMeasured(batch, t, 'cold');
      coldDone += batch.length;
      room = this.affordable('cold');
    }
    this.coldCursor = position;

    // What each tier got, smoothed, and the interval its records show (the live objects counted
    // about once a second: a loop over all of them at every tick costs more than it tells).
    if (this.stats.ticks % 10 === 0 || this.liveCount === undefined) {
      this.liveCount = 0;
      for (const tracked of order) if (this.isLive(tracked)) this.liveCount++;
    }
    const live = this.liveCount;
    const watchedLive = [...this.watched].filter((path) => this.tracked.has(path)).length;
    this.tierSize.watched = watchedLive;
    this.tierSize.hot = hot.length;
    this.tierSize.cold = Math.max(0, live - hot.length - watchedLive);
    // The hot tier is offered every tick, so its period is the tick's share of it that fitted,
    // smoothed over about 2 s (20 ticks): one short tick must not flip the interval of every hot
    // record (each flip rewrites them all).
    const hotMeasured = hot.length === 0 ? this.rates.stateMs : hotDone === 0 ? Math.min(MAX_PERIOD_MS, Math.max(this.hotPeriodMs, this.rates.stateMs) * 2) : (this.rates.stateMs * hot.length) / hotDone;
    this.hotPeriodMs = this.hotPeriodMs === 0 ? hotMeasured : this.hotPeriodMs * 0.95 + hotMeasured * 0.05;
    this.countSamples('cold', coldDone, started, this.coldIntervalMs);
    for (const tier of ['hot', 'cold'] as const) this.tierInterval[tier] = nextIntervalTier(this.tierInterval[tier], this.tierPeriod(tier));
    if (hotDone < hot.length) this.stats.overruns++;
    this.stats.ticks++;
    this.flush();
    this.budget.settle('sampling', this.workClock() - workStarted - this.tickCharged);
    this.stats.lastTickMs = this.clock() - started;
  }

  /** The watch cadence under the budget: its objects have an account of their own. */
  plannedWatchTick(): void {
    if (this.watched.size === 0) return;
    const started = this.clock();
    this.budget.refill();
    if (this.budget.balance('watched') <= 0) {
      this.stats.deferred.watchMs++;
      return;
    }
    const estimate = this.costs.estimate('watch');
    const measured = estimate === undefined || ++this.unmeasuredWatchTicks >= WATCH_MEASURE_EVERY;
    const workStarted = measured ? this.workClock() : 0;
    const t = this.now();
    const batch: Tracked[] = [];
    for (const path of this.watched) {
      const tracked = this.tracked.get(path);
      if (tracked && this.isLive(tracked)) batch.push(tracked);
    }
    if (batch.length) {
      this.sampleBatch(batch, t, 'watched');
      this.flush();
      if (measured) {
        const took = this.workClock() - workStarted;
        this.budget.charge('watched', took);
        this.costs.observe('watch', took, batch.length);
        this.unmeasuredWatchTicks = 0;
      } else this.budget.charge('watched', estimate! * batch.length);
    }
    this.countSamples('watched', batch.length, started, this.rates.watchMs);
    this.tierInterval.watched = nextIntervalTier(this.tierInterval.watched, this.tierPeriod('watched'));
  }

  /** One cadence's work as its timer runs it, under the budget (tests drive the planner with it). */
  scheduledTick(cadence: Cadence, options: { evenInDebt?: boolean } = {}): void {
    // A new object's first sample comes with the scan that found it, paid from the scans' account.
    // The first picture is whole; after it, an expensive listing goes on in slices (Wine).
    if (cadence === 'scanMs') this.pass('scanMs', () => this.scanTick({ planned: true, sliced: !options.evenInDebt }), options.evenInDebt);
    else if (cadence === 'stateMs') this.plannedStateTick();
    else if (cadence === 'watchMs') this.plannedWatchTick();
    else if (this.options.attribution !== false) this.pass('holdersMs', () => this.attributionTick(), options.evenInDebt);
  }

  /**
   * A scan that cost next to nothing last time (an incremental listing) is not held back by its
   * account's debt (a whole re-listing after a burst of new names): new objects then appear at
   * the scan rate, and only expensive scans (a directory under Wine) wait for the account.
   */
  private isCheapScan(cadence: Cadence): boolean {
    return cadence === 'scanMs' && this.lastScanMs !== undefined && this.lastScanMs <= CHEAP_SCAN_MS;
  }

  /** A scan or holder/waiter pass, when its account is not in debt; it pays for itself after. */
  private pass(cadence: Cadence, run: () => void, evenInDebt = false): void {
    this.budget.refill();
    if (!evenInDebt && !this.isCheapScan(cadence) && this.budget.balance(ACCOUNT_OF[cadence]) <= 0) {
      this.stats.deferred[cadence]++;
      return;
    }
    // The first picture (evenInDebt, at start) is the cost of starting: its scan samples every
    // object once, which later scans do not, so it is neither charged nor taken as a scan's cost
    // (nor for the process's overhead).
    const started = this.workClock();
    if (evenInDebt) {
      try {
        return run();
      } finally {
        this.budget.forgive(this.workClock() - started);
      }
    }
    try {
      run();
    } finally {
      const took = this.workClock() - started;
      if (cadence === 'scanMs') this.lastScanMs = took;
      this.budget.charge(ACCOUNT_OF[cadence], took);
    }
  }

  /**
   * How many state samples the sampling account pays for now: while it is not empty, at least one,
   * so that a cost learned from an expensive first read (the reader setting up) is re-measured at
   * once instead of blocking sampling until the balance covers it.
   */
  private affordable(tier: 'hot' | 'cold'): number {
    const room = this.budget.balance('sampling');
    if (room <= 0) return 0;
    const perObject = this.costs.estimate(tier) ?? this.costs.estimate(tier === 'hot' ? 'cold' : 'hot');
    if (perObject === undefined) return 1;
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(room / Math.max(perObject, 1e-4))));
  }

  /**
   * Samples a batch of the state tick, measured (and teaching its tier's cost per object). The
   * tiers are costed apart: a hot object has usually changed (a new record, history, the stream),
   * a cold one has not. Batches are as large as the account allows (up to MAX_BATCH), so a tick
   * makes few clock reads, each a foreign call.
   */
  private sampleMeasured(batch: readonly Tracked[], t: number, tier: 'hot' | 'cold'): void {
    const started = this.workClock();
    this.sampleBatch(batch, t, tier);
    const took = this.workClock() - started;
    this.budget.charge('sampling', took);
    this.tickCharged += took;
    // The cost per object is learned from batches big enough that the call's fixed cost (the
    // system call, koffi, the clock itself) does not pass for a per-object one; a small batch,
    // whose fixed cost makes it look dearer than it is, teaches only that the estimate is too high
    // (a first expensive read, the reader setting up, must not stay the estimate of a tier of a
    // few objects: its batches would stay small). Every batch is charged what it cost.
    const known = this.costs.estimate(tier);
    if (batch.length >= MIN_COSTED_BATCH || known === undefined || took / batch.length < known) this.costs.observe(tier, took, batch.length);
  }

  /**
   * Counts a tier's samples; its rate is taken over windows of at least two of its intervals (a
   * cold round due all at once must not look like a burst then a stall), smoothed. The first tick
   * stands for its whole interval.
   */
  private countSamples(tier: Tier, samples: number, at: number, nominalMs: number): void {
    const window = this.rateWindows[tier];
    if (window.start === undefined) {
      window.start = at;
      return;
    }
    window.count += samples;
    const elapsed = at - window.start;
    // The cold tier's windows are long (5 s): every flip of its interval tier rewrites each cold
    // record as it is next sampled, so its estimate must not follow every second's noise.
    if (elapsed < (tier === 'cold' ? Math.max(5 * nominalMs, 5000) : Math.max(2 * nominalMs, 1000))) return;
    const perSecond = (window.count / elapsed) * 1000;
    const known = this.tierRate[tier];
    this.tierRate[tier] = known === undefined ? perSecond : known * 0.7 + perSecond * 0.3;
    window.start = at;
    window.count = 0;
  }

  /** How long a round of a tier takes at the rate it gets, never under its nominal interval. */
  private tierPeriod(tier: Tier): number {
    if (tier === 'hot') return Math.max(this.rates.stateMs, this.hotPeriodMs);
    const floor = tier === 'watched' ? this.rates.watchMs : this.coldIntervalMs;
    // Until a first window is measured, the tier is taken to get its nominal rate.
    const rate = this.tierRate[tier];
    if (rate === undefined) return floor;
    return Math.min(MAX_PERIOD_MS, roundMs(this.tierSize[tier], rate, floor));
  }

  private isLive(tracked: Tracked): boolean {
    return tracked.record.goneAt === undefined && this.sampledKinds.has(tracked.entry.kind);
  }

  /**
   * Holders (one pass over the handle table) and, where the OS tells, waiters. Only records whose
   * holders, waiters or reasons changed are touched: at 10,000 objects a pass that rewrote every
   * record cost more than the OS calls behind it.
   */
  attributionTick(): void {
    const t = this.now();
    const live: Tracked[] = [];
    for (const tracked of this.tracked.values()) {
      if (tracked.record.goneAt === undefined && !tracked.record.error && this.sampledKinds.has(tracked.entry.kind)) live.push(tracked);
    }
    if (live.length === 0) return;
    const paths = live.map((tracked) => tracked.entry.path);
    try {
      const result = this.backend.holders(paths);
      this.lastUnreadable.holders = result.unreadablePids ?? [];
      // A complete answer clears the reason an earlier failed or incomplete one left.
      const reason = result.incomplete ? `incomplete: ${result.incomplete}` : undefined;
      for (const tracked of live) this.attribute(tracked, 'holders', result.holders.get(tracked.entry.path) ?? NONE, reason, t);
    } catch (error) {
      const reason = messageOf(error);
      for (const tracked of live) this.attribute(tracked, 'holders', undefined, reason, t);
    }
    if (this.waitersUnavailable === undefined) {
      try {
        const result = this.backend.waiters(paths);
        this.lastUnreadable.waiters = result.unreadablePids ?? [];
        // As for holders: a complete answer clears an earlier reason, an incomplete one says why.
        const reason = result.incomplete ? `incomplete: ${result.incomplete}` : undefined;
        for (const tracked of live) this.attribute(tracked, 'waiters', result.waiters.get(tracked.entry.path) ?? NONE, reason, t);
        const waits: Array<{ pid: number; tid: number; object: string }> = [];
        for (const [object, waiters] of result.waiters) for (const w of waiters) waits.push({ pid: w.pid, tid: w.tid, object });
        this.waitClock.observe(t, waits);
      } catch (error) {
        if (isNativeError(error) && error.kind === 'unsupported') this.waitersUnavailable = error.message;
        else {
          const reason = messageOf(error);
          for (const tracked of live) this.attribute(tracked, 'waiters', undefined, reason, t);
        }
      }
    }
    if (this.waitersUnavailable !== undefined) {
      for (const tracked of live) this.attribute(tracked, 'waiters', undefined, this.waitersUnavailable, t);
    }
    this.flush();
  }

  /**
   * Sets a record's holders or waiters (undefined: keep what it has) and the reason they may be
   * missing (undefined: none); nothing when both are as they are.
   */
  private attribute(tracked: Tracked, key: 'holders' | 'waiters', list: ObjectRecord['holders'] | ObjectRecord['waiters'] | undefined, reason: string | undefined, t: number): void {
    const record = tracked.record;
    const path = tracked.entry.path;
    const sameList = list === undefined || sameValue(record[key], list);
    if (sameList && record.unavailable?.[key] === reason) return;
    const unavailable = reason === undefined ? this.withoutUnavailable(path, key) : this.withUnavailable(path, { [key]: reason });
    this.update(path, sameList ? { unavailable } : { [key]: list, unavailable }, t);
  }

  /** The processes the last holders and waiters passes could not read (the records say only how many). */
  unreadablePids(): UnreadablePids {
    return { holders: [...this.lastUnreadable.holders], waiters: [...this.lastUnreadable.waiters] };
  }

  /** Everything tracked now, as the stream's records. */
  records(): ObjectRecord[] {
    return [...this.stream.records()];
  }

  /** What the scopes hold now; undefined while a scan in slices (`sliced`, where the backend has one) is under way. */
  private discover(sliced = false): Array<Pick<ObjectEntry, 'kind' | 'name' | 'path'>> | undefined {
    if (this.options.fixedNames) {
      const entries: Array<Pick<ObjectEntry, 'kind' | 'name' | 'path'>> = [];
      for (const name of this.options.fixedNames) {
        const known = this.tracked.get(this.backend.resolve(name));
        if (known) {
          entries.push(known.entry);
          continue;
        }
        try {
          const object = this.backend.open(name);
          entries.push({ kind: object.kind, name: object.name, path: object.path });
          object.close();
        } catch (error) {
          if (!(isNativeError(error) && error.kind === 'not-found')) throw error;
        }
      }
      return entries;
    }
    const scopes = this.options.scopes?.length ? this.options.scopes : undefined;
    const listed = sliced && this.backend.scanInSlices ? this.backend.scanInSlices(scopes, SCAN_SLICE_MS) : this.backend.scan(scopes);
    if (!listed) return undefined;
    // The same listing as last time (no focus scope): the same filtered entries, without filtering 10,000 names again.
    if (this.focusScopes.length === 0 && this.lastDiscovered && sameListing(listed, this.lastDiscovered.listed)) return this.lastDiscovered.entries;
    const entries = [...listed];
    // The focused process's own objects: scanned apart, so that its exit empties only them.
    for (const scope of this.focusScopes) {
      try {
        const known = new Set(entries.map((entry) => entry.path));
        for (const entry of this.backend.scan([scope])) if (!known.has(entry.path)) entries.push(entry);
      } catch (error) {
        if (!isNativeError(error)) throw error;
      }
    }
    const filtered = entries.filter((entry) => (!this.kinds || this.kinds.has(entry.kind)) && this.matchesName(entry.name));
    // A copy: a backend may hand out an array it changes later (the entries themselves are kept).
    this.lastDiscovered = this.focusScopes.length === 0 ? { listed: listed.slice(), entries: filtered } : undefined;
    return filtered;
  }

  /**
   * Also tracks what one process holds that the default scan leaves out (Windows: its unnamed
   * objects), for the app's Processes view; undefined stops. Returns the scopes added.
   */
  focusProcess(pid: number | undefined): string[] {
    const scope = pid === undefined ? undefined : this.backend.heldObjectsScope?.(pid);
    this.focusScopes = scope ? [scope] : [];
    this.refresh('scan');
    return this.focusScopes;
  }

  private sampleOne(path: string, t: number): void {
    const tracked = this.tracked.get(path);
    if (tracked) this.sampleTracked(tracked, t);
  }

  private sampleTracked(tracked: Tracked, t: number): void {
    if (this.sampledKinds.has(tracked.entry.kind)) this.sampleBatch([tracked], t);
  }

  /** Reads a batch of tracked objects (all of sampled kinds) and applies each result. */
  private sampleBatch(batch: readonly Tracked[], t: number, tier?: Tier): void {
    if (batch.length === 0) return;
    // The watched objects are read again within milliseconds: a quick read (see StateReader).
    const results = this.reader.read(
      batch.map((tracked) => tracked.entry),
      tier === 'watched' ? QUICK : undefined,
    );
    const sampledAt = this.clock();
    if (tier) this.stats.tierSamples[tier] += batch.length;
    for (let i = 0; i < batch.length; i++) {
      const tracked = batch[i];
      const path = tracked.entry.path;
      const result = results[i];
      tracked.sampledAt = sampledAt;
      if (result instanceof Error) {
        if (isNativeError(result) && (result.kind === 'not-found' || result.kind === 'vanished')) this.markGone(path, t);
        else this.update(path, { error: { kind: isNativeError(result) ? result.kind : 'internal', message: messageOf(result) } }, t);
        continue;
      }
      this.stats.samples++;
      // The common case, nothing changed, allocates nothing.
      if (tracked.record.error === undefined && sameValue(tracked.record.state, result)) {
        if (tier && tracked.record.intervalMs !== this.tierInterval[tier]) this.update(path, { intervalMs: this.tierInterval[tier] }, t);
        continue;
      }
      const changed = tracked.record.state !== undefined;
      if (changed) {
        tracked.stateChangedAt = sampledAt;
        this.recent.set(tracked, sampledAt);
      }
      // A changed object joins the hot tier: its record says so with the change, not a tick later.
      const interval = tier === undefined ? undefined : this.tierInterval[changed && tier === 'cold' ? 'hot' : tier];
      this.update(path, interval === undefined || interval === tracked.record.intervalMs ? { state: result, error: undefined } : { state: result, error: undefined, intervalMs: interval }, t);
    }
  }

  /** A gone object listed again: re-created under the same name. */
  private recreated(path: string, t: number): void {
    this.gone.delete(path);
    this.update(path, { goneAt: undefined, error: undefined }, t);
    this.sampleOne(path, t);
  }

  /** A gone object past its retention: no longer listed. */
  private drop(path: string, tracked: Tracked): void {
    this.gone.delete(path);
    this.tracked.delete(path);
    this.recent.delete(tracked);
    this.stateReader?.forget(path);
    this.orderStale = true;
    this.watched.delete(path);
    this.history.delete(path);
    this.pending.delete(path);
    this.pendingRemoved.add(path);
  }

  private markGone(path: string, t: number): void {
    if (this.tracked.get(path)?.record.goneAt !== undefined) return;
    this.gone.add(path);
    this.stateReader?.forget(path);
    this.update(path, { goneAt: t }, t);
  }

  private withUnavailable(path: string, patch: Record<string, string>): Record<string, string> {
    return { ...this.tracked.get(path)?.record.unavailable, ...patch };
  }

  /** The record's reasons without `key` (the same object when it has none); undefined when none remain. */
  private withoutUnavailable(path: string, key: string): Record<string, string> | undefined {
    const current = this.tracked.get(path)?.record.unavailable;
    if (!current || !(key in current)) return current;
    const rest: Record<string, string> = {};
    for (const [k, v] of Object.entries(current)) if (k !== key) rest[k] = v;
    return Object.keys(rest).length > 0 ? rest : undefined;
  }

  /** Applies a change to a record; only a real difference makes a new record and a history point. */
  private update(path: string, patch: Partial<ObjectRecord>, t: number): void {
    const tracked = this.tracked.get(path);
    if (!tracked) return;
    const current = tracked.record;
    let changed = false;
    for (const [key, value] of Object.entries(patch)) {
      if (!sameValue((current as Record<string, unknown>)[key], value)) {
        changed = true;
        break;
      }
    }
    if (!changed) return;
    // The sampling interval alone is not a change of the object: no new changedAt, no history point.
    const onlyInterval = Object.keys(patch).length === 1 && 'intervalMs' in patch;
    const next: ObjectRecord = { ...current, ...patch, changedAt: onlyInterval ? current.changedAt : t };
    for (const key of Object.keys(patch) as Array<keyof ObjectRecord>) if (next[key] === undefined) delete next[key];
    tracked.record = next;
    if (onlyInterval) {
      this.pending.set(path, next);
      return;
    }
    const level = levelOf(tracked.entry.kind, next.goneAt === undefined ? next.state : undefined, next.waiters?.length);
    if (level.max !== undefined) tracked.max = level.max;
    this.history.record(path, t, level);
    this.pending.set(path, next);
  }

  private flush(): void {
    if (this.pending.size === 0 && this.pendingRemoved.size === 0) return;
    const upserts = new Map(this.pending);
    const removed = [...this.pendingRemoved];
    this.pending.clear();
    this.pendingRemoved.clear();
    this.stream.commit(upserts, removed);
  }

  /**
   * One timer for every cadence: each keeps when it is next due, and a wake-up runs all that are
   * due (the watched objects first) then sleeps until the earliest next one. A timer wake-up costs
   * the process about as much CPU as a tick's work here (130 µs under a VM), so 100 Hz watching
   * must not come with separate wake-ups for the state ticks, scans and passes.
   */
  private startTimers(): void {
    const now = this.clock();
    for (const cadence of CADENCES) this.dueAt[cadence] = now + this.periodOf(cadence);
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    const now = this.clock();
    this.budget.refill();
    let next = Number.POSITIVE_INFINITY;
    for (const cadence of this.activeCadences()) next = Math.min(next, Math.max(this.dueAt[cadence], now + this.waitForBudgetMs(cadence)));
    this.timer = setTimeout(() => this.wake(), Math.max(0, next - now));
  }

  /**
   * A wake-up's price is the median of what the thread spent between wake-ups over about a second:
   * the gaps also hold other work now and then (a subscriber's acknowledgement sending a delta, a
   * garbage collection), which the process's CPU counts as the budget's overhead instead.
   */
  private learnWakeCost(gap: number): void {
    if (!(gap >= 0)) return;
    this.wakeGaps.push(gap);
    if (this.wakeGaps.length < WAKE_SAMPLE) return;
    this.wakeGaps.sort((a, b) => a - b);
    this.costs.observe('wake', this.wakeGaps[this.wakeGaps.length >> 1]);
    this.wakeGaps.length = 0;
  }

  /**
   * How long until a cadence's account (refilled by the caller) can pay for its next tick and the wake-up before it: a
   * tick the budget would skip must not cost a wake-up (which costs as much as the tick). Counted
   * at the account's own share of the refill; what full accounts pass on may make it sooner, and
   * the state cadence's wake-ups (every 100 ms) then run it.
   */
  private waitForBudgetMs(cadence: Cadence): number {
    if (this.watched.size === 0 && cadence === 'watchMs') return 0;
    const account = ACCOUNT_OF[cadence];
    const wake = this.costs.estimate('wake') ?? 0;
    const tick = cadence === 'watchMs' ? (this.costs.estimate('watch') ?? 0) * this.watched.size : 0;
    // Passes wait until their debt is repaid (a cheap scan does not; see isCheapScan).
    if (this.isCheapScan(cadence)) return 0;
    const missing = wake + tick - this.budget.balance(account);
    if (missing <= 0) return 0;
    const perMs = this.budget.refillRate(account);
    return perMs > 0 ? Math.min(MAX_BUDGET_WAIT_MS, missing / perMs) : MAX_BUDGET_WAIT_MS;
  }

  private activeCadences(): readonly Cadence[] {
    if (this.options.attribution === false) return CADENCES_WITHOUT_ATTRIBUTION;
    return CADENCES;
  }

  /** How often a cadence runs; with nothing watched, the watch cadence only checks at the state rate whether that changed. */
  private periodOf(cadence: Cadence): number {
    if (cadence === 'watchMs' && this.watched.size === 0) return Math.max(this.rates.watchMs, this.rates.stateMs);
    return this.rates[cadence];
  }

  private wake(): void {
    this.timer = undefined;
    if (!this.running) return;
    this.stats.wakeUps++;
    // What the thread spent since the last wake-up ended (returning to the event loop, the
    // wake-up itself, small callbacks) is the price of this wake-up: charged to the first
    // cadence that runs, and learned, so that the timer waits until an account can pay for it.
    // Measured one wake-up in WAKE_MEASURE_EVERY (the clock is a foreign call too).
    if (this.wakeCostLearned && this.lastWakeEnd !== undefined) {
      const lastWakeEnd = this.lastWakeEnd;
      this.guarded(() => this.learnWakeCost(this.workClock() - lastWakeEnd));
    }
    let gap = this.costs.estimate('wake') ?? 0;
    for (const cadence of this.activeCadences()) {
      const period = this.periodOf(cadence);
      // Due within COALESCE_MS (at most a quarter of its period): run now, with the others, instead of waking again.
      if (this.clock() < this.dueAt[cadence] - Math.min(COALESCE_MS, period / 4)) continue;
      const started = this.clock();
      if (gap > 0) {
        this.budget.charge(ACCOUNT_OF[cadence], gap);
        gap = 0;
      }
      // A failed scan (say, a directory became unreadable) must not stop the other cadences.
      this.guarded(() => this.scheduledTick(cadence));
      const ended = this.clock();
      this.stats.busyMs[cadence] += ended - started;
      // The period counts from the tick's start, so the tick's own time does not lower the rate
      // (10 Hz stays 10 Hz); a tick as long as its period still leaves a fifth of it to the rest.
      this.dueAt[cadence] = Math.max(started + period, ended + period / 5);
      if (!this.running) return;
    }
    const measureNext = this.wakeCostLearned && (++this.wakesSinceMeasured >= WAKE_MEASURE_EVERY || this.costs.estimate('wake') === undefined);
    this.lastWakeEnd = undefined;
    if (measureNext) this.guarded(() => (this.lastWakeEnd = this.workClock()));
    if (this.lastWakeEnd !== undefined) this.wakesSinceMeasured = 0;
    this.armTimer();
  }
}

/** Two listings with the same objects in the same order (the backend may return the same entries again). */
function sameListing(a: ReadonlyArray<Pick<ObjectEntry, 'kind' | 'name' | 'path'>>, b: ReadonlyArray<Pick<ObjectEntry, 'kind' | 'name' | 'path'>>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && (x.path !== y.path || x.kind !== y.kind || x.name !== y.name)) return false;
  }
  return true;
}

function checkedBudget(percent: number): number {
  if (!cpuBudgetSchema.safeParse(percent).success) {
    throw invalidArgument('cpu budget', `the CPU budget must be a number from 0.5 to 100 (percent of one core), not ${percent}`);
  }
  return percent;
}
