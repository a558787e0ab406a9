// The CPU budget's figures of `npm run bench` (issue 15): the inspector as `syncscope serve` runs it
// (bench/budget-inspector.ts, its own process, default budget 5 %) over real POSIX semaphores and
// System V sets, its CPU read from outside (/proc/<pid>/stat), and how long changes take to reach
// its update stream. Run by bench/bench.ts:
//
//   node dist/budget.bench.cjs --work .bench --out FILE [--sizes 1000,10000,50000] [--sysv 10000]
//
// Workload, per run: a fixed 1 % of the objects (100 of 10,000) change at every 100 ms tick (this
// process posts each once); one watched object (the detail pane) changes at random moments, 150 to
// 350 ms apart; over the measured 20 s, 20 cold objects (never changed since they were made, not
// watched, not visible) change once each at random moments. The changes are made here, not in
// the inspector, and timed on the wall clock both processes share.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { LinuxBackend } from '../native/linux/backend';
import { libc, sembuf } from '../native/linux/libc';
import { cleanUpOnExit, removeSemaphores } from './cleanup';
import { finishPart, type Figure, type PartResult, percentile, round } from './figures';

function argument(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < process.argv.length) return process.argv[at + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const work = path.resolve(argument('work', '.bench'));
const outFile = argument('out', '');
const posixSizes = argument('sizes', '1000,10000,50000').split(',').filter(Boolean).map(Number);
const sysvSizes = argument('sysv', '10000').split(',').filter(Boolean).map(Number);
const inspectorScript = path.resolve(argument('inspector', path.join(__dirname, 'budget-inspector.cjs')));
const BUDGET = Number(argument('budget', '5'));
const TARGET_SIZE = 10_000;
const WARM_MS = 12_000;
const PHASE_MS = 20_000;
const COLD_CHANGES = 20;
const TICK_MS = 100;

const log = (message: string) => process.stderr.write(`[budget] ${message}\n`);
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

// ---- objects --------------------------------------------------------------------------------------

const backend = new LinuxBackend();
const prefix = `ssbench${process.pid}`;
const keyBase = 0x5b000000 + ((process.pid & 0xfff) << 14);
const posixNames: string[] = [];
const sysvIds: number[] = [];
let inspector: ChildProcess | undefined;

function cleanup(): void {
  if (inspector && inspector.exitCode === null) inspector.kill('SIGKILL');
  removeSemaphores(posixNames.splice(0).map((name) => `/dev/shm/sem.${name}`), sysvIds.splice(0));
}
cleanUpOnExit(cleanup);
fs.mkdirSync(work, { recursive: true });
fs.writeFileSync(path.join(work, 'linux-objects.json'), JSON.stringify({ pid: process.pid, posixPrefix: `sem.${prefix}.`, keyBase, keyCount: 1 << 14 }) + '\n');

function createPosix(count: number): void {
  while (posixNames.length < count) {
    const name = `${prefix}.${posixNames.length}`;
    backend.create({ kind: 'posix-semaphore', name, count: 0 }).close();
    posixNames.push(name);
  }
}

function createSysv(count: number): void {
  if (count > 1 << 14) throw new Error('at most 16,384 System V sets');
  while (sysvIds.length < count) {
    const created = backend.create({ kind: 'sysv-semaphore', name: `0x${(keyBase + sysvIds.length).toString(16)}`, nsems: 1, count: 0 });
    sysvIds.push(Number(created.path.slice('sysv:'.length)));
  }
}

/** Posts one unit to an object, as another process would. */
interface Poster {
  path: string;
  post(): void;
  close(): void;
}

function posixPoster(name: string): Poster {
  const c = libc();
  const sem = c.sem_open(`/${name}`, 0);
  if (!sem) throw new Error(`sem_open /${name} failed`);
  return {
    path: `/dev/shm/sem.${name}`,
    post: () => void c.sem_post(sem),
    close: () => void c.sem_close(sem),
  };
}

function sysvPoster(semid: number): Poster {
  const c = libc();
  const up = sembuf(0, 1, 0);
  return { path: `sysv:${semid}`, post: () => void c.semop(semid, up, 1), close: () => undefined };
}

// ---- the inspector's CPU, from outside ------------------------------------------------------------

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process (all its threads), ms. */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5); the slice starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

// ---- one run --------------------------------------------------------------------------------------

interface RunResult {
  kind: 'posix' | 'sysv';
  count: number;
  cpuPercent: number;
  seconds: number;
  delays: { hot: number[]; cold: number[]; watched: number[] };
  missed: { hot: number; cold: number; watched: number };
  changes: { hot: number; cold: number; watched: number };
  status: { budgetPercent: number; usedPercent: number; fullRoundMs: number; objects: number }[];
  tierSamples?: Record<string, number>;
  deferred?: Record<string, number>;
  bytesPerSecond: number;
  lastError?: string;
}

async function measure(kind: 'posix' | 'sysv', count: number): Promise<RunResult> {
  const all = kind === 'posix' ? posixNames.slice(0, count) : sysvIds.slice(0, count);
  const poster = (i: number) => (kind === 'posix' ? posixPoster(all[i] as string) : sysvPoster(all[i] as number));
  const hotCount = Math.max(1, Math.round(count / 100));
  const hot = Array.from({ length: hotCount }, (_, i) => poster(i));
  // A few probes only: every report the inspector writes is CPU it spends for the bench.
  const hotProbes = hot.slice(0, 5);
  // Cold objects from the second half, spread out; the watched one in the middle of the first half.
  const cold = Array.from({ length: COLD_CHANGES }, (_, i) => poster(Math.floor(count / 2) + Math.floor((i * (count / 2 - 1)) / COLD_CHANGES)));
  const watched = poster(Math.floor(count / 4));
  const probes = [...hotProbes, ...cold, watched];
  // What each probe holds now (an earlier, smaller run may have changed the same objects): the
  // k-th change of this run makes it base + k.
  const valueOf = (p: Poster) => {
    const object = backend.open(p.path);
    try {
      const state = object.sample() as { count?: number; values?: number[] };
      return state.count ?? state.values![0];
    } finally {
      object.close();
    }
  };
  const base = probes.map(valueOf);
  const probeFile = path.join(work, `budget-probes-${kind}-${count}.txt`);
  fs.writeFileSync(probeFile, probes.map((p) => p.path).join('\n') + '\n');

  const child = spawn(
    process.execPath,
    [
      // Node options for the inspector only (say --cpu-prof, to see where its CPU goes).
      ...(process.env.SYNCSCOPE_BENCH_INSPECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean),
      inspectorScript,
      ...['--kind', kind, '--watch', watched.path, '--probes', probeFile, '--budget', String(BUDGET), '--expect', String(count)],
      ...(kind === 'posix' ? ['--glob', `${prefix}.*`] : []),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  inspector = child;
  const reports: Array<{ p: number; v: number; t: number }> = [];
  const statuses: RunResult['status'] = [];
  let lastStats: { tierSamples?: Record<string, number>; deferred?: Record<string, number>; lastError?: string } = {};
  const bytesAt: Array<{ t: number; bytes: number }> = [];
  let ready: (() => void) | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.on('exit', (code) => reject(new Error(`the inspector exited (${code}) before it was ready`)));
  });
  let measuring = false;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.ready) ready?.();
    else if (message.status) {
      if (measuring) statuses.push(message.status);
      lastStats = message.stats;
      bytesAt.push({ t: wallNow(), bytes: message.bytes });
    } else reports.push(message);
  });
  await readyPromise;
  log(`${kind} ${count}: inspector ready; ${WARM_MS / 1000} s of warm-up with ${hotCount} objects changing per tick`);

  // Change times: hot[k] = when tick k's posts started (every hot object's value is then k).
  const hotTimes: number[] = [0];
  const watchedTimes: number[] = [0];
  const coldTimes: number[] = [];
  let stopped = false;
  const hotLoop = (async () => {
    let next = performance.now();
    while (!stopped) {
      hotTimes.push(wallNow());
      for (const p of hot) p.post();
      next += TICK_MS;
      await sleep(next - performance.now());
    }
  })();
  const watchLoop = (async () => {
    while (!stopped) {
      await sleep(150 + Math.random() * 200);
      watchedTimes.push(wallNow());
      watched.post();
    }
  })();
  await sleep(WARM_MS);

  measuring = true;
  const phaseStart = wallNow();
  const cpuStart = cpuMsOf(child.pid!);
  const hotFrom = hotTimes.length;
  const watchedFrom = watchedTimes.length;
  const coldAt = cold.map(() => 500 + Math.random() * (PHASE_MS - 2500)).sort((a, b) => a - b);
  for (const [i, at] of coldAt.entries()) {
    await sleep(phaseStart + at - wallNow());
    coldTimes[i] = wallNow();
    cold[i].post();
  }
  await sleep(phaseStart + PHASE_MS - wallNow());
  const cpuEnd = cpuMsOf(child.pid!);
  const phaseEnd = wallNow();
  measuring = false;
  stopped = true;
  await Promise.all([hotLoop, watchLoop]);
  const hotTo = hotTimes.length;
  const watchedTo = watchedTimes.length;
  // Late reports of the last changes (a slow cold round): wait for them, up to 30 s.
  const firstReport = (probe: number, change: number) => reports.find((r) => r.p === probe && r.v >= base[probe] + change);
  const coldProbe = (i: number) => hotProbes.length + i;
  const waitUntil = wallNow() + 30_000;
  while (wallNow() < waitUntil && cold.some((_, i) => !firstReport(coldProbe(i), 1))) await sleep(200);
  child.stdin!.end();
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on('exit', resolve)));
  inspector = undefined;
  for (const p of [...hot, ...cold, watched]) p.close();

  const delays: RunResult['delays'] = { hot: [], cold: [], watched: [] };
  const missed = { hot: 0, cold: 0, watched: 0 };
  for (let probe = 0; probe < hotProbes.length; probe++) {
    for (let k = hotFrom; k < hotTo; k++) {
      const seen = firstReport(probe, k);
      if (seen) delays.hot.push(seen.t - hotTimes[k]);
      else missed.hot++;
    }
  }
  for (let i = 0; i < cold.length; i++) {
    const seen = firstReport(coldProbe(i), 1);
    if (seen) delays.cold.push(seen.t - coldTimes[i]);
    else missed.cold++;
  }
  const watchedProbe = probes.length - 1;
  for (let k = watchedFrom; k < watchedTo; k++) {
    const seen = firstReport(watchedProbe, k);
    if (seen) delays.watched.push(seen.t - watchedTimes[k]);
    else missed.watched++;
  }
  const inPhase = bytesAt.filter((b) => b.t >= phaseStart && b.t <= phaseEnd);
  const bytesPerSecond = inPhase.length >= 2 ? ((inPhase[inPhase.length - 1].bytes - inPhase[0].bytes) / (inPhase[inPhase.length - 1].t - inPhase[0].t)) * 1000 : Number.NaN;
  return {
    kind,
    count,
    cpuPercent: ((cpuEnd - cpuStart) / (phaseEnd - phaseStart)) * 100,
    seconds: (phaseEnd - phaseStart) / 1000,
    delays,
    missed,
    changes: { hot: (hotTo - hotFrom) * hotProbes.length, cold: cold.length, watched: watchedTo - watchedFrom },
    status: statuses,
    tierSamples: lastStats.tierSamples,
    deferred: lastStats.deferred,
    bytesPerSecond,
    lastError: lastStats.lastError,
  };
}

// ---- figures --------------------------------------------------------------------------------------

const figures: Figure[] = [];
const notes: string[] = [];

/** p95 of the delays, ms; a change never seen counts as longer than any seen (then null if over 5 %). */
function p95(delays: number[], missed: number): number | null {
  const all = [...delays, ...Array.from({ length: missed }, () => Number.POSITIVE_INFINITY)];
  const value = percentile(all, 95);
  return Number.isFinite(value) ? round(value, 1) : null;
}

function runFigures(run: RunResult): void {
  const n = run.count.toLocaleString('en-US');
  const label = run.kind === 'posix' ? 'POSIX semaphores' : 'System V sets';
  const median = (values: number[]) => (values.length ? percentile(values, 50) : Number.NaN);
  const used = run.status.map((s) => s.usedPercent);
  const rounds = run.status.map((s) => s.fullRoundMs).filter((ms) => ms >= 0);
  const roundMs = rounds.length ? percentile(rounds, 50) : Number.NaN;
  const detail =
    `${fmt(run.seconds)} s measured after ${WARM_MS / 1000} s of warm-up; ${Math.round(run.count / 100)} objects changing per 100 ms tick, 1 watched, ` +
    `${COLD_CHANGES} cold changes; the engine's own reading of its use (median of its 1 s windows) ${fmt(median(used), 2)} %; ` +
    `full round (median of its reports) ${fmt(roundMs, 0)} ms; samples by tier ${JSON.stringify(run.tierSamples)}; ` +
    `passes deferred by the budget ${JSON.stringify(run.deferred)}; ${fmt(run.bytesPerSecond / 1000, 1)} kB/s to the subscriber` +
    (run.lastError ? `; last tick error: ${run.lastError}` : '');
  figures.push({
    id: `budget.cpu.${run.kind}.${run.count}`,
    section: 'budget',
    name: `inspector CPU, ${n} ${label}, default budget (5 %)`,
    value: round(run.cpuPercent, 2),
    unit: '% of a core',
    max: BUDGET,
    margin: 0.1,
    target: '≤ 5 % (+10 %)',
    detail: `utime + stime of the inspector process from /proc/<pid>/stat; ${detail}`,
  });
  figures.push({
    id: `budget.round.${run.kind}.${run.count}`,
    section: 'budget',
    name: `  full round of every object (the cold tier), ${n}`,
    value: Number.isFinite(roundMs) ? Math.round(roundMs) : null,
    unit: 'ms',
    detail: `as the engine reports it (budgetStatus().fullRoundMs), median over the measured seconds: ${rounds.join(', ')}`,
  });
  const judged = run.count === TARGET_SIZE;
  const delayFigure = (tier: 'cold' | 'hot' | 'watched', what: string, max: number) => {
    const value = p95(run.delays[tier], run.missed[tier]);
    figures.push({
      id: `budget.delay.${tier}.${run.kind}.${run.count}`,
      section: 'budget',
      name: `${tier === 'cold' ? '' : '  '}change of ${what} to the stream, p95, ${n} ${label}`,
      value,
      unit: 'ms',
      ...(judged && run.kind === 'posix' ? { max, margin: 0.1, target: `≤ ${max.toLocaleString('en-US')} ms` } : {}),
      detail:
        `${run.changes[tier]} changes, ${run.delays[tier].length} seen in the stream, ${run.missed[tier]} never seen (sampled over by a later change or not by the end); ` +
        `median ${fmt(median(run.delays[tier]), 1)} ms, max ${fmt(Math.max(...run.delays[tier]), 1)} ms`,
    });
  };
  delayFigure('cold', 'a cold object', 1500);
  delayFigure('hot', 'a hot object (one of the changing 1 %)', 150);
  delayFigure('watched', 'a watched object', 25);
}

async function main(): Promise<PartResult> {
  notes.push(`POSIX semaphores /dev/shm/sem.${prefix}.*, System V keys 0x${keyBase.toString(16)}..; inspector: ${inspectorScript}, budget ${BUDGET} %`);
  const runs: RunResult[] = [];
  for (const count of [...posixSizes].sort((a, b) => a - b)) {
    const started = performance.now();
    createPosix(count);
    log(`${count} POSIX semaphores made in ${fmt((performance.now() - started) / 1000)} s`);
    const run = await measure('posix', count);
    runs.push(run);
    runFigures(run);
    log(`posix ${count}: ${fmt(run.cpuPercent, 2)} % CPU`);
  }
  removeSemaphores(posixNames.splice(0).map((name) => `/dev/shm/sem.${name}`), []);
  for (const count of sysvSizes) {
    createSysv(count);
    const run = await measure('sysv', count);
    runs.push(run);
    runFigures(run);
    log(`sysv ${count}: ${fmt(run.cpuPercent, 2)} % CPU`);
  }
  const posixRuns = runs.filter((r) => r.kind === 'posix');
  if (posixRuns.length > 1) {
    notes.push(
      'cold round by size (POSIX): ' +
        posixRuns.map((r) => `${r.count.toLocaleString('en-US')}: ${fmt(percentile(r.status.map((s) => s.fullRoundMs), 50), 0)} ms`).join(', '),
    );
  }
  return { part: 'budget', figures, notes };
}

finishPart(main(), 'budget', outFile, { cleanup, exit: true });
