// The Wine CPU-budget figures of `npm run bench` (issue 15, its `wine` part): the inspector as
// `syncscope serve` runs it (bench/wine-budget-inspector.ts, its default budget 5 %) in the Windows
// node.exe under Wine, over real events, mutexes and semaphores that another node.exe
// (bench/wine-budget-owner.ts) holds and changes, 1 % of them at every 100 ms tick. Run in Linux
// Node by bench/bench.ts, after bench/wine.bench.ts, under the same WINEPREFIX:
//
//   node dist/wine-budget.bench.cjs --work .bench --out FILE [--sizes 1000,10000] [--budget 5]
//
// Per size: start the owner, then the inspector, wait until it tracks every object, warm up
// 12 s, then over 20 s read from /proc/<pid>/stat the CPU of the Linux process that runs the
// inspector's node.exe, and of wineserver (which serves every Windows process of the prefix, the
// owner included, so it is its own figure).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { finishPart, type Figure, type PartResult, median, round } from './figures';

function argument(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < process.argv.length) return process.argv[at + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const root = path.resolve(__dirname, '..');
const work = path.resolve(argument('work', path.join(root, '.bench')));
const outFile = argument('out', '');
const sizes = argument('sizes', '1000,10000').split(',').filter(Boolean).map(Number);
const BUDGET = Number(argument('budget', '5'));
const rig = path.join(root, 'scripts/wine-rig.mjs');
const ownerScript = path.join(root, 'dist/wine-budget-owner.cjs');
const inspectorScript = path.join(root, 'dist/wine-budget-inspector.cjs');
const WARM_MS = 12_000;
// The measured span, s (default 20, as the Linux budget part): a longer one shows the average over expensive passes.
const PHASE_MS = Number(argument('seconds', '20')) * 1000;
/** node.exe starts in 2-3 s; 10,000 objects take a few seconds more to create, and to scan. */
const START_TIMEOUT_MS = 120_000;

const log = (message: string) => process.stderr.write(`[wine-budget] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const toWinePath = (p: string) => 'Z:' + path.resolve(p).replaceAll('/', '\\');
const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));

// ---- processes ------------------------------------------------------------------------------------

/** The rig processes started here (each runs one node.exe under Wine as its child). */
const started = new Set<ChildProcess>();

/** Runs a Windows script through the rig; its output joins ours on stderr. */
function startUnderWine(script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [rig, 'run', script, ...args], { cwd: root, stdio: ['ignore', 2, 2] });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return child;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": field 3 on; the command may hold spaces and parentheses.
    return [stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ...stat.slice(stat.lastIndexOf(')') + 2).split(' ')];
  } catch {
    return undefined; // gone
  }
}

function allPids(): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
}

/**
 * The Linux process that runs the rig child's node.exe: the rig spawns `wine node.exe SCRIPT`,
 * and Wine's loader execs itself into the process named node.exe, a direct child of the rig.
 */
function nodeExeOf(rigProcess: ChildProcess, script: string): number | undefined {
  for (const pid of allPids()) {
    const fields = statFields(pid);
    if (!fields || fields[0] !== 'node.exe' || Number(fields[2]) !== rigProcess.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.basename(script))) return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** This prefix's wineserver: the one whose environment names it (it inherits the starter's). */
function wineserverOf(prefix: string): number | undefined {
  for (const pid of allPids()) {
    const fields = statFields(pid);
    if (!fields?.[0].startsWith('wineserver')) continue;
    try {
      const environment = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const named = environment.find((entry) => entry.startsWith('WINEPREFIX='));
      if (named && path.resolve(named.slice('WINEPREFIX='.length)) === prefix) return pid;
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of a process (all its threads), ms. */
function cpuMsOf(pid: number): number {
  const fields = statFields(pid);
  if (!fields) throw new Error(`process ${pid} is gone`);
  // Fields 14 and 15 of stat(5); fields[1] is field 3.
  return ((Number(fields[12]) + Number(fields[13])) / CLOCK_TICKS) * 1000;
}

/** Ends what this part started, whichever way it ends: the node.exe processes, then their rigs. */
function cleanup(): void {
  for (const child of started) {
    for (const script of [ownerScript, inspectorScript]) {
      const pid = nodeExeOf(child, script);
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

/** Waits for `ready` to return a value, failing if `child` exits first or the time runs out. */
async function waitFor<T>(what: string, child: ChildProcess, ready: () => T | undefined, timeoutMs = START_TIMEOUT_MS): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = ready();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`${what}: its process exited (${child.exitCode}) first`);
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** Waits up to `ms` for a rig process to end after it was asked to stop, then kills it. */
async function stop(child: ChildProcess, script: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (child.exitCode === null && Date.now() < until) await sleep(100);
  if (child.exitCode !== null) return;
  log(`${path.basename(script)} did not stop within ${ms / 1000} s: killed`);
  const pid = nodeExeOf(child, script);
  if (pid) process.kill(pid, 'SIGKILL');
  child.kill('SIGKILL');
}

// ---- one run --------------------------------------------------------------------------------------

interface Report {
  t: number;
  ready?: boolean;
  tracked?: number;
  error?: string;
  status?: { budgetPercent: number; usedPercent: number; fullRoundMs: number; objects: number };
  stats?: { tierSamples: Record<string, number>; deferred: Record<string, number>; busyMs: Record<string, number>; overruns: number; lastError?: string };
  bytes?: number;
}

function readReports(file: string): Report[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    // The last line may be half-written.
    .flatMap((line) => {
      try {
        return line ? [JSON.parse(line) as Report] : [];
      } catch {
        return [];
      }
    });
}

interface RunResult {
  count: number;
  cpuPercent: number;
  wineserverPercent: number;
  seconds: number;
  inPhase: Report[];
  first?: Report;
  last?: Report;
  owner: { created: number; hot: number; createdMs: number };
}

async function measure(count: number, prefix: string): Promise<RunResult> {
  const namePrefix = `SSBudget${process.pid}x${count}`;
  const ownerReady = path.join(work, `wine-budget-owner-${count}.json`);
  const reportFile = path.join(work, `wine-budget-inspector-${count}.jsonl`);
  for (const file of [ownerReady, `${ownerReady}.stop`, reportFile, `${reportFile}.stop`]) fs.rmSync(file, { force: true });

  const ownerStarted = Date.now();
  const owner = startUnderWine(ownerScript, [toWinePath(ownerReady), String(count), namePrefix]);
  const ownerInfo = await waitFor(`the owner of ${count} objects`, owner, () =>
    fs.existsSync(ownerReady) ? (JSON.parse(fs.readFileSync(ownerReady, 'utf8')) as RunResult['owner']) : undefined,
  );
  log(`${count}: the owner holds ${ownerInfo.created} objects (made in ${ownerInfo.createdMs} ms, ${((Date.now() - ownerStarted) / 1000).toFixed(1)} s after its start), ${ownerInfo.hot} changing per tick`);

  const inspectorStarted = Date.now();
  const inspector = startUnderWine(inspectorScript, [toWinePath(reportFile), String(count), `${namePrefix}_*`, String(BUDGET)]);
  const ready = await waitFor(`the inspector tracking ${count} objects`, inspector, () => {
    const reports = readReports(reportFile);
    const failed = reports.find((r) => r.error);
    if (failed) throw new Error(`the inspector failed: ${failed.error}`);
    return reports.find((r) => r.ready);
  });
  const inspectorPid = nodeExeOf(inspector, inspectorScript);
  if (!inspectorPid) throw new Error("the inspector's node.exe process was not found among the rig's children");
  const serverPid = wineserverOf(prefix);
  if (!serverPid) throw new Error(`no wineserver runs with WINEPREFIX=${prefix}`);
  log(`${count}: inspector (Linux pid ${inspectorPid}) tracks ${ready.tracked} objects, ${((Date.now() - inspectorStarted) / 1000).toFixed(1)} s after its start; ${WARM_MS / 1000} s of warm-up`);
  await sleep(WARM_MS);

  const phaseStart = Date.now();
  const cpuStart = cpuMsOf(inspectorPid);
  const serverStart = cpuMsOf(serverPid);
  await sleep(PHASE_MS);
  const cpuEnd = cpuMsOf(inspectorPid);
  const serverEnd = cpuMsOf(serverPid);
  const phaseEnd = Date.now();
  if (owner.exitCode !== null) throw new Error(`the owner exited (${owner.exitCode}) before the measurement ended: its output is above`);

  fs.writeFileSync(`${reportFile}.stop`, '');
  fs.writeFileSync(`${ownerReady}.stop`, '');
  await Promise.all([stop(inspector, inspectorScript), stop(owner, ownerScript)]);
  // The inspector's reports stay in the work folder, to read after the run.
  for (const file of [ownerReady, `${ownerReady}.stop`, `${reportFile}.stop`]) fs.rmSync(file, { force: true });
  const reports = readReports(reportFile).filter((r) => r.status);
  const inPhase = reports.filter((r) => r.t >= phaseStart && r.t <= phaseEnd);
  return {
    count,
    cpuPercent: ((cpuEnd - cpuStart) / (phaseEnd - phaseStart)) * 100,
    wineserverPercent: ((serverEnd - serverStart) / (phaseEnd - phaseStart)) * 100,
    seconds: (phaseEnd - phaseStart) / 1000,
    inPhase,
    first: inPhase[0],
    last: inPhase[inPhase.length - 1],
    owner: ownerInfo,
  };
}

// ---- figures --------------------------------------------------------------------------------------

/** What a counter of the inspector's stats grew by over the measured span. */
function grew(run: RunResult, pick: (stats: NonNullable<Report['stats']>) => Record<string, number>): Record<string, number> {
  if (!run.first?.stats || !run.last?.stats) return {};
  const before = pick(run.first.stats);
  const after = pick(run.last.stats);
  return Object.fromEntries(Object.keys(after).map((key) => [key, Math.round(after[key] - (before[key] ?? 0))]));
}

function runFigures(run: RunResult, figures: Figure[]): void {
  const n = run.count.toLocaleString('en-US');
  const used = run.inPhase.map((r) => r.status!.usedPercent);
  const rounds = run.inPhase.map((r) => r.status!.fullRoundMs).filter((ms) => ms >= 0);
  const roundMs = median(rounds);
  const span = run.first && run.last ? (run.last.t - run.first.t) / 1000 : Number.NaN;
  const bytesPerSecond = run.first && run.last && span > 0 ? (run.last.bytes! - run.first.bytes!) / span : Number.NaN;
  const detail =
    `${fmt(run.seconds)} s measured after ${WARM_MS / 1000} s of warm-up; ${run.owner.hot} of ${run.owner.created} objects changing per 100 ms tick ` +
    `(events set/reset, semaphores released; mutexes idle) in another node.exe; the engine's own reading of its use (median of its 1 s windows) ` +
    `${fmt(median(used), 2)} %; over the span (${fmt(span, 0)} s of reports): wall ms busy by cadence ${JSON.stringify(grew(run, (s) => s.busyMs))}, ` +
    `samples by tier ${JSON.stringify(grew(run, (s) => s.tierSamples))}, passes deferred by the budget ${JSON.stringify(grew(run, (s) => s.deferred))}; ` +
    `${fmt(bytesPerSecond / 1000, 1)} kB/s to the subscriber` +
    (run.last?.stats?.lastError ? `; last tick error: ${run.last.stats.lastError}` : '');
  figures.push(
    {
      id: `wine.budget.cpu.${run.count}`,
      section: 'wine',
      name: `Wine: inspector CPU, ${n} events/mutexes/semaphores, default budget (${BUDGET} %)`,
      value: round(run.cpuPercent, 2),
      unit: '% of a core',
      max: BUDGET,
      margin: 0.1,
      target: `≤ ${BUDGET} % (+10 %)`,
      detail: `utime + stime from /proc/<pid>/stat of the Linux process running the inspector's node.exe; ${detail}`,
    },
    {
      id: `wine.budget.wineserver.${run.count}`,
      section: 'wine',
      name: `  wineserver CPU meanwhile, ${n}`,
      value: round(run.wineserverPercent, 2),
      unit: '% of a core',
      detail:
        'no target: under Wine every NtOpen*/NtQuery*/NtClose and directory entry is a request to wineserver, which also serves ' +
        "the owner's changes and every other process of the prefix; it is what sampling costs the machine beyond the inspector's own process",
    },
    {
      id: `wine.budget.round.${run.count}`,
      section: 'wine',
      name: `  full round of every object (the cold tier), ${n}`,
      value: Number.isFinite(roundMs) ? Math.round(roundMs) : null,
      unit: 'ms',
      detail: `as the engine reports it (budgetStatus().fullRoundMs), median over the measured seconds: ${rounds.join(', ')}`,
    },
  );
}

async function main(): Promise<PartResult> {
  if (process.platform !== 'linux') throw new Error('this part reads /proc: run it on Linux (on Windows, measure the inspector with its own tools)');
  const prefix = process.env.WINEPREFIX;
  if (!prefix) throw new Error('WINEPREFIX is not set: bench/bench.ts sets it to the prefix of its own');
  fs.mkdirSync(work, { recursive: true });
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const count of [...sizes].sort((a, b) => a - b)) {
    const run = await measure(count, path.resolve(prefix));
    runFigures(run, figures);
    log(`${count}: inspector ${fmt(run.cpuPercent, 2)} % of a core, wineserver ${fmt(run.wineserverPercent, 2)} %, full round ${fmt(median(run.inPhase.map((r) => r.status!.fullRoundMs)), 0)} ms`);
  }
  notes.push(`wine budget: inspector ${path.relative(root, inspectorScript)} at ${BUDGET} %, owner ${path.relative(root, ownerScript)}, WINEPREFIX ${prefix}`);
  return { part: 'wine', figures, notes };
}

finishPart(main(), 'wine', outFile, { cleanup, exit: true });
