// The sampler's CPU budget (issue 15): how much work it may start now, what each kind of work has
// cost, and the sampling interval each tier of objects really gets. Pure: the clocks are injected.
//
// Spending is a token bucket in milliseconds of work, refilled at budget% of the wall clock, in
// four accounts with fixed shares: `watched` (the detail pane's objects, 35 %: a timer-woken
// watch tick with its wake-up costs 0.2-0.45 ms of CPU, 2-4 % of a core at 100 Hz, so at the
// default 5 % one watched object gets 20-30 ticks a second), `sampling` (the hot and cold tiers,
// 50 %), `scans` (5 %) and `attribution` (holder and waiter passes, 10 %). An account that is
// full hands its refill on to the others (in that order), so an idle tier's share is not lost, and
// no tier can starve another's share. A pass cannot be split, so it may drive its account into
// debt; the next pass of that account waits until the debt is repaid, so an expensive pass (a
// holder pass of 1.8 s under Wine at 10,000 objects) runs less often instead of overspending.
// Scans and attribution have accounts of their own because such a debt took minutes to repay: in
// one account, a holder pass kept every scan waiting, and under Wine a walk of the directory in
// slices never ended.
//
// Work is measured with the `work` clock: on Linux the engine thread's CPU time (the backend's
// threadCpuMs; this module's default without one is the process's, getrusage through
// process.cpuUsage()), because wall time on a loaded machine counts the time other
// processes ran while ours was preempted; elsewhere wall time (performance.now) of the
// synchronous calls, since Windows reports process CPU in 15.6 ms steps (wall time then also
// counts the time blocked on wineserver, which is spent on our behalf: conservative).
// What the process spends beside the measured work (the update stream, JSON, GC, timers,
// requests) is learned once a second from process.cpuUsage() and taken off the refill, so the
// whole process, not just the sampler's calls, stays within the budget.

export type Account = 'watched' | 'sampling' | 'scans' | 'attribution';
const ACCOUNTS: readonly Account[] = ['watched', 'sampling', 'scans', 'attribution'];
const SHARES: Record<Account, number> = { watched: 0.35, sampling: 0.5, scans: 0.05, attribution: 0.1 };
/** The accounts of passes (a scan, a holder and waiter pass), which hold a second of their share and may go into debt. */
const PASS_ACCOUNTS: ReadonlySet<Account> = new Set(['scans', 'attribution']);

export interface CpuBudgetOptions {
  /** Percent of one core. */
  percent: number;
  /** The clock work is measured and refilled against, ms (monotonic). */
  clock: () => number;
  /** Process CPU time, ms (user + system); null to budget the measured work alone. */
  processCpuMs?: (() => number) | null;
  /** How much the watched and sampling accounts may hold: this many ms of their shares (a burst). */
  burstMs?: number;
}

/** The share of the budget the sampler's own work keeps however busy the rest of the process is. */
const MIN_WORK_SHARE = 0.25;
/** Over how long the process's CPU is compared with the measured work. */
const FEEDBACK_WINDOW_MS = 1000;

export class CpuBudget {
  private percent: number;
  private readonly clock: () => number;
  private readonly processCpuMs: (() => number) | null;
  private readonly burstMs: number;
  private readonly balances: Record<Account, number>;
  private refilledAt: number;
  /** Process CPU not in the measured work, as a share of a core (smoothed). */
  private overheadShare = 0;
  private windowStart: number;
  private windowCpu: number | undefined;
  private windowCharged = 0;
  /** All work charged since construction, ms, per account (settle() corrects it either way). */
  readonly charged: Record<Account, number> = { watched: 0, sampling: 0, scans: 0, attribution: 0 };
  private usedShare = 0;

  constructor(options: CpuBudgetOptions) {
    this.percent = options.percent;
    this.clock = options.clock;
    this.processCpuMs = options.processCpuMs === undefined ? defaultProcessCpuMs : options.processCpuMs;
    this.burstMs = options.burstMs ?? 250;
    this.refilledAt = this.clock();
    this.windowStart = this.refilledAt;
    this.windowCpu = this.processCpuMs?.();
    this.balances = { watched: this.capacity('watched'), sampling: this.capacity('sampling'), scans: this.capacity('scans'), attribution: this.capacity('attribution') };
  }

  get budgetPercent(): number {
    return this.percent;
  }

  setPercent(percent: number): void {
    this.refill();
    this.percent = percent;
    for (const account of ACCOUNTS) this.balances[account] = Math.min(this.balances[account], this.capacity(account));
  }

  /** The share of a core the work may take now: the budget less what the rest of the process takes. */
  get workShare(): number {
    const budget = this.percent / 100;
    return Math.max(budget * MIN_WORK_SHARE, budget - this.overheadShare);
  }

  /** What the process (or, without a process clock, the measured work) used over the last window, percent of a core. */
  get usedPercent(): number {
    return this.usedShare * 100;
  }

  /** The most an account holds: the passes' accounts one second of their share, the others a burst of theirs. */
  capacity(account: Account): number {
    const budget = this.percent / 100;
    return budget * SHARES[account] * (PASS_ACCOUNTS.has(account) ? 1000 : this.burstMs);
  }

  /** What an account earns per ms of the clock (its share of the work share; surplus passed on comes on top). */
  refillRate(account: Account): number {
    return this.workShare * SHARES[account];
  }

  balance(account: Account): number {
    return this.balances[account];
  }

  /** Adds what the clock's advance earned; an account that is full passes its surplus to the other. */
  refill(): void {
    const now = this.clock();
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.refilledAt = now;
    const earned = elapsed * this.workShare;
    let surplus = 0;
    for (const account of ACCOUNTS) {
      const next = this.balances[account] + earned * SHARES[account];
      const cap = this.capacity(account);
      if (next > cap) {
        surplus += next - cap;
        this.balances[account] = cap;
      } else this.balances[account] = next;
    }
    for (const account of ACCOUNTS) {
      const room = this.capacity(account) - this.balances[account];
      const given = Math.min(room, surplus);
      if (given > 0) {
        this.balances[account] += given;
        surplus -= given;
      }
    }
    this.learnOverhead(now);
  }

  /** Takes measured work off an account (it may go negative: debt). */
  charge(account: Account, ms: number): void {
    if (!(ms > 0)) return;
    this.balances[account] -= ms;
    this.charged[account] += ms;
    this.windowCharged += ms;
  }

  /**
   * Work the budget does not pay for (the first picture at start) but that was measured: counted
   * with the charged work when the process's overhead is learned, so that it is not taken for
   * overhead (which would shrink the refill for many seconds after start).
   */
  forgive(ms: number): void {
    if (ms > 0) this.windowCharged += ms;
  }

  /** Corrects an account by what measured work differs from what was charged for it by estimate (either way). */
  settle(account: Account, ms: number): void {
    if (!Number.isFinite(ms) || ms === 0) return;
    this.balances[account] -= ms;
    this.charged[account] += ms;
    this.windowCharged += ms;
  }

  private learnOverhead(now: number): void {
    const span = now - this.windowStart;
    if (span < FEEDBACK_WINDOW_MS) return;
    const cpu = this.processCpuMs?.();
    if (cpu !== undefined && this.windowCpu !== undefined) {
      const processShare = Math.max(0, cpu - this.windowCpu) / span;
      const overhead = Math.max(0, processShare - this.windowCharged / span);
      // Smoothed over several windows (a fifth of each): one garbage collection should not halve
      // the next second, and a quick reaction would swing with what it causes itself.
      this.overheadShare = this.overheadShare * 0.8 + overhead * 0.2;
      this.usedShare = processShare;
    } else this.usedShare = this.windowCharged / span;
    this.windowStart = now;
    this.windowCpu = cpu;
    this.windowCharged = 0;
  }
}

/** The clock work is measured with by default (see above): process CPU on Linux, else wall time. */
export function defaultWorkClock(): () => number {
  return process.platform === 'linux' ? defaultProcessCpuMs : () => performance.now();
}

function defaultProcessCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** What one unit of each kind of work costs, ms, smoothed; undefined until first measured. */
export class CostModel<K extends string> {
  private readonly perUnit = new Map<K, number>();

  estimate(kind: K): number | undefined {
    return this.perUnit.get(kind);
  }

  observe(kind: K, ms: number, units = 1): void {
    if (units <= 0 || !(ms >= 0)) return;
    const unit = ms / units;
    const known = this.perUnit.get(kind);
    // A quarter of each new measurement: fast enough to follow a slower OS, steady through noise.
    this.perUnit.set(kind, known === undefined ? unit : known * 0.75 + unit * 0.25);
  }
}

/**
 * The intervals a record may show (1-2-5 steps, ms). A record's intervalMs moves only between
 * these, so a slowly drifting rate does not rewrite every record at every tick.
 */
export const INTERVAL_TIERS = [10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000, 120_000, 300_000, 600_000] as const;

/** The tier for a measured interval: the nearest one at or above it, within a tenth. */
export function intervalTier(ms: number): number {
  for (const tier of INTERVAL_TIERS) if (ms <= tier * 1.1) return tier;
  return INTERVAL_TIERS[INTERVAL_TIERS.length - 1];
}

/**
 * The tier to show after measuring `ms` while `current` is shown: it goes up only when the
 * measurement is over twice the current tier, and down only when it is under two thirds of it, so
 * jitter around a tier's edge does not flip it (each flip of the cold tier rewrites every cold
 * record as it is next sampled).
 */
export function nextIntervalTier(current: number | undefined, ms: number): number {
  if (current === undefined) return intervalTier(ms);
  if (ms > current * 2 || ms <= (current * 2) / 3) return intervalTier(ms);
  return current;
}

/** How long a round of `count` objects takes at `perSecond` samples a second, never under `floorMs`. */
export function roundMs(count: number, perSecond: number, floorMs: number): number {
  if (count === 0) return floorMs;
  if (!(perSecond > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(floorMs, (count / perSecond) * 1000);
}
