// The live engine: scans the namespace, samples states, attributes holders and waiters, each at
// its own cadence, and commits what changed to the update stream and the history.
//
// States are read through the backend's StateReader, many objects per call: it keeps between
// ticks only what does not change an object's life (see native/backend.ts); a backend without one
// opens and closes each object per sample (open-each-read.ts). The reader is closed on stop().
import picomatch from 'picomatch';
import type { Backend, ObjectEntry, StateReader } from '../native';
import { invalidArgument, isNativeError, messageOf } from '../native/errors';
import type { ObjectState, UnreadablePids } from '../native/types';
import { DEFAULT_CPU_BUDGET_PERCENT, DEFAULT_RATES, cpuBudgetSchema, type BudgetStatus, type ObjectRecord, type Rates } from '../protocol';
import { HistoryStore } from './history';
import { levelOf } from './levels';
import { openEachRead } from './open-each-read';
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
  /** The engine's CPU budget, percent of one core (default DEFAULT_CPU_BUDGET_PERCENT). */
  cpuBudgetPercent?: number;
  now?: () => number;
}

export interface SamplerStats {
  ticks: number;
  samples: number;
  /** State ticks that ran out of their time budget and resumed on the next tick. */
  overruns: number;
  lastTickMs: number;
  /** Wall time spent in each cadence's ticks since start (where the inspector's CPU goes). */
  busyMs: Record<Cadence, number>;
  /** The last error a scheduled tick threw, if any. */
  lastError?: string;
}

interface Tracked {
  entry: Pick<ObjectEntry, 'kind' | 'name' | 'path'>;
  record: ObjectRecord;
  /** Semaphore maximum for metrics. */
  max?: number;
}

type Cadence = keyof Rates;

/** Objects per reader call at most (process_vm_readv reads up to 1,024 pieces per call). */
const MAX_BATCH = 256;

export class Sampler {
  readonly stream: UpdateStream<ObjectRecord>;
  readonly history: HistoryStore;
  /** When each thread was first seen waiting on each object (the "at least" of `why` in the app). */
  readonly waitClock = new WaitClock();
  readonly stats: SamplerStats = {
    ticks: 0,
    samples: 0,
    overruns: 0,
    lastTickMs: 0,
    busyMs: { scanMs: 0, stateMs: 0, watchMs: 0, holdersMs: 0 },
  };
  private readonly backend: Backend;
  private readonly now: () => number;
  private readonly tracked = new Map<string, Tracked>();
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
  private timers = new Map<Cadence, NodeJS.Timeout>();
  private roundRobin = 0;
  private waitersUnavailable?: string;
  private readonly lastUnreadable: Required<UnreadablePids> = { holders: [], waiters: [] };
  private running = false;
  /** Opened on first use, closed by stop(). */
  private stateReader?: StateReader;

  constructor(private readonly options: SamplerOptions) {
    this.backend = options.backend;
    this.now = options.now ?? Date.now;
    this.rates = { ...DEFAULT_RATES, ...options.rates };
    this.sampledKinds = new Set(this.backend.sampledKinds);
    this.stream = new UpdateStream<ObjectRecord>(this.now);
    this.history = new HistoryStore(options.historyCapacity, options.historyBudgetBytes);
    this.matchesName = options.nameGlob ? picomatch(options.nameGlob, { nocase: true, dot: true }) : () => true;
    this.kinds = options.kinds?.length ? new Set(options.kinds.map((k) => k.toLowerCase())) : undefined;
  }

  private focusScopes: string[] = [];

  get currentRates(): Rates {
    return { ...this.rates };
  }

  /** First scan and sample at once, then every cadence on its own timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    // A first scan that fails (a source unreadable right now) must not stop the inspector from
    // starting: the cadences retry, and stats.lastError says why.
    this.guarded(() => this.scanTick());
    this.guarded(() => this.stateTick());
    if (this.options.attribution !== false) this.guarded(() => this.attributionTick());
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
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
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
    if (this.running) {
      for (const timer of this.timers.values()) clearTimeout(timer);
      this.startTimers();
    }
    return this.currentRates;
  }

  /** Paths sampled at the watch rate on top of the normal rate. */
  watch(paths: string[]): string[] {
    this.watched.clear();
    for (const path of paths) if (this.tracked.has(path)) this.watched.add(path);
    return [...this.watched];
  }

  maxOf(path: string): number | undefined {
    return this.tracked.get(path)?.max;
  }

  kindOf(path: string): string | undefined {
    return this.tracked.get(path)?.entry.kind;
  }

  /** Namespace scan: new objects appear, missing ones are marked gone, old gone ones dropped. */
  scanTick(): void {
    const t = this.now();
    const seen = new Set<string>();
    for (const entry of this.discover()) {
      seen.add(entry.path);
      const known = this.tracked.get(entry.path);
      if (!known) {
        const record: ObjectRecord = { kind: entry.kind, name: entry.name, path: entry.path, changedAt: t };
        this.tracked.set(entry.path, { entry, record });
        this.orderStale = true;
        this.sampleOne(entry.path, t);
        this.pending.set(entry.path, this.tracked.get(entry.path)!.record);
      } else if (known.record.goneAt !== undefined) {
        // Re-created under the same name.
        this.update(entry.path, { goneAt: undefined, error: undefined }, t);
        this.sampleOne(entry.path, t);
      }
    }
    const retention = this.options.goneRetentionMs ?? 30_000;
    for (const [path, tracked] of this.tracked) {
      const goneAt = tracked.record.goneAt;
      if (goneAt === undefined && !seen.has(path) && !this.options.fixedNames) this.markGone(path, t);
      else if (goneAt !== undefined && t - goneAt >= retention) {
        this.tracked.delete(path);
        this.stateReader?.forget(path);
        this.orderStale = true;
        this.watched.delete(path);
        this.history.delete(path);
        this.pending.delete(path);
        this.pendingRemoved.add(path);
      }
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

  /** Holders (one pass over the handle table) and, where the OS tells, waiters. */
  attributionTick(): void {
    const t = this.now();
    const live = [...this.tracked.values()].filter(
      (x) => x.record.goneAt === undefined && !x.record.error && this.sampledKinds.has(x.entry.kind),
    );
    if (live.length === 0) return;
    const paths = live.map((x) => x.entry.path);
    try {
      const result = this.backend.holders(paths);
      this.lastUnreadable.holders = result.unreadablePids ?? [];
      for (const path of paths) {
        const holders = result.holders.get(path) ?? [];
        // A complete answer clears the reason an earlier failed or incomplete one left.
        const unavailable = result.incomplete
          ? this.withUnavailable(path, { holders: `incomplete: ${result.incomplete}` })
          : this.withoutUnavailable(path, 'holders');
        this.update(path, { holders, unavailable }, t);
      }
    } catch (error) {
      for (const path of paths) this.update(path, { unavailable: this.withUnavailable(path, { holders: messageOf(error) }) }, t);
    }
    if (this.waitersUnavailable === undefined) {
      try {
        const result = this.backend.waiters(paths);
        this.lastUnreadable.waiters = result.unreadablePids ?? [];
        for (const path of paths) {
          // As for holders: a complete answer clears an earlier reason, an incomplete one says why.
          const unavailable = result.incomplete
            ? this.withUnavailable(path, { waiters: `incomplete: ${result.incomplete}` })
            : this.withoutUnavailable(path, 'waiters');
          this.update(path, { waiters: result.waiters.get(path) ?? [], unavailable }, t);
        }
        this.waitClock.observe(t, paths.flatMap((path) => (result.waiters.get(path) ?? []).map((w) => ({ pid: w.pid, tid: w.tid, object: path }))));
      } catch (error) {
        if (isNativeError(error) && error.kind === 'unsupported') this.waitersUnavailable = error.message;
        else for (const path of paths) this.update(path, { unavailable: this.withUnavailable(path, { waiters: messageOf(error) }) }, t);
      }
    }
    if (this.waitersUnavailable !== undefined) {
      for (const path of paths) {
        this.update(path, { unavailable: this.withUnavailable(path, { waiters: this.waitersUnavailable }) }, t);
      }
    }
    this.flush();
  }

  /** The processes the last holders and waiters passes could not read (the records say only how many). */
  unreadablePids(): UnreadablePids {
    return { holders: [...this.lastUnreadable.holders], waiters: [...this.lastUnreadable.waiters] };
  }

  /** Everything tracked now, as the stream's records. */
  records(): ObjectRecord[] {
    return [...this.stream.records()];
  }

  private discover(): Array<Pick<ObjectEntry, 'kind' | 'name' | 'path'>> {
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
    const entries = this.backend.scan(this.options.scopes?.length ? this.options.scopes : undefined);
    // The focused process's own objects: scanned apart, so that its exit empties only them.
    for (const scope of this.focusScopes) {
      try {
        const known = new Set(entries.map((entry) => entry.path));
        for (const entry of this.backend.scan([scope])) if (!known.has(entry.path)) entries.push(entry);
      } catch (error) {
        if (!isNativeError(error)) throw error;
      }
    }
    return entries.filter((entry) => (!this.kinds || this.kinds.has(entry.kind)) && this.matchesName(entry.name));
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
  private sampleBatch(batch: readonly Tracked[], t: number): void {
    if (batch.length === 0) return;
    const results = this.reader.read(batch.map((tracked) => tracked.entry));
    for (let i = 0; i < batch.length; i++) {
      const tracked = batch[i];
      const path = tracked.entry.path;
      const result = results[i];
      if (result instanceof Error) {
        if (isNativeError(result) && (result.kind === 'not-found' || result.kind === 'vanished')) this.markGone(path, t);
        else this.update(path, { error: { kind: isNativeError(result) ? result.kind : 'internal', message: messageOf(result) } }, t);
        continue;
      }
      this.stats.samples++;
      // The common case, nothing changed, allocates nothing.
      if (tracked.record.error === undefined && sameValue(tracked.record.state, result)) continue;
      this.update(path, { state: result, error: undefined }, t);
    }
  }

  private markGone(path: string, t: number): void {
    if (this.tracked.get(path)?.record.goneAt !== undefined) return;
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
    const next: ObjectRecord = { ...current, ...patch, changedAt: t };
    for (const key of Object.keys(patch) as Array<keyof ObjectRecord>) if (next[key] === undefined) delete next[key];
    tracked.record = next;
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

  private startTimers(): void {
    this.schedule('scanMs', () => this.scanTick());
    this.schedule('stateMs', () => this.stateTick());
    this.schedule('watchMs', () => this.watchTick());
    if (this.options.attribution !== false) this.schedule('holdersMs', () => this.attributionTick());
  }

  private schedule(cadence: Cadence, tick: () => void): void {
    const run = () => {
      if (!this.running) return;
      const started = performance.now();
      // A failed scan (say, a directory became unreadable) must not stop the other cadences.
      this.guarded(tick);
      const took = performance.now() - started;
      this.stats.busyMs[cadence] += took;
      // The period counts from the tick's start, so the tick's own time does not lower the rate
      // (10 Hz stays 10 Hz); a tick as long as its period still leaves a fifth of it to the rest.
      const period = this.rates[cadence];
      const next = Math.max(period / 5, period - took);
      if (this.running) this.timers.set(cadence, setTimeout(run, next));
    };
    this.timers.set(cadence, setTimeout(run, this.rates[cadence]));
  }

  // ---- The CPU budget's interface (issue 15) ------------------------------------------------------
  // A minimal stand-in that the planner replaces: it stores the budget and the visible set, and
  // reports what the cadences above spend (stats.busyMs, wall time of their synchronous ticks) per
  // second of wall time, and how long a round of every object takes given the state ticks' overruns.
  // It plans nothing yet: every live object is still sampled each state tick, round-robin.

  private budgetPercent?: number;
  private readonly visiblePaths = new Set<string>();
  /** Where the last measured interval started (construction, at first). */
  private budgetMark = { at: performance.now(), busy: 0, ticks: 0, samples: 0, overruns: 0 };
  private lastBudget?: Pick<BudgetStatus, 'usedPercent' | 'fullRoundMs'>;

  /** Sets the budget (percent of one core, 0.5 to 100) and says what it buys now. */
  setCpuBudget(percent: number): BudgetStatus {
    if (!cpuBudgetSchema.safeParse(percent).success) throw invalidArgument('cpu budget', `the CPU budget must be a number from 0.5 to 100 (percent of one core), not ${percent}`);
    this.budgetPercent = percent;
    return this.budgetStatus();
  }

  /** The objects visible in the list now; replaces the previous set. */
  setVisible(paths: readonly string[]): void {
    this.visiblePaths.clear();
    for (const path of paths) this.visiblePaths.add(path);
  }

  /** Used against the budget over the last second or more, and the full-round time. */
  budgetStatus(): BudgetStatus {
    const budgetPercent = this.budgetPercent ?? this.options.cpuBudgetPercent ?? DEFAULT_CPU_BUDGET_PERCENT;
    let objects = 0;
    for (const tracked of this.tracked.values()) if (tracked.record.goneAt === undefined && this.sampledKinds.has(tracked.entry.kind)) objects++;
    const at = performance.now();
    const mark = this.budgetMark;
    const elapsed = at - mark.at;
    // Each caller (the CLI's header, every window's) sees the same interval of at least a second.
    if (elapsed >= 1000 || !this.lastBudget) {
      const busy = Object.values(this.stats.busyMs).reduce((sum, ms) => sum + ms, 0);
      const ticks = this.stats.ticks - mark.ticks;
      const overruns = this.stats.overruns - mark.overruns;
      const perTick = ticks > 0 ? (this.stats.samples - mark.samples) / ticks : 0;
      // Without overruns every state tick reads every object; with them, a tick reads what fits.
      const fullRoundMs =
        overruns > 0 && perTick > 0 && objects > perTick ? Math.max(this.rates.stateMs, (elapsed / ticks) * (objects / perTick)) : this.rates.stateMs;
      this.lastBudget = { usedPercent: elapsed > 0 ? ((busy - mark.busy) / elapsed) * 100 : 0, fullRoundMs };
      if (elapsed >= 1000) this.budgetMark = { at, busy, ticks: this.stats.ticks, samples: this.stats.samples, overruns: this.stats.overruns };
    }
    return { budgetPercent, ...this.lastBudget, objects };
  }
}

