// `npm run bench`: every performance figure of SyncScope, each with its target, from one run.
//
//   npm run bench [-- --json] [-- --only engine,linux,budget,wine,renderer,app] [-- --quick]
//
// The npm script builds first (scripts/build.mjs bundles this file and the parts into dist/, and
// the renderer into dist/renderer); this orchestrator then compiles the C baseline
// (bench/linux-baseline.c) into .bench/ with the machine's gcc and runs the parts one after
// another, never side by side, so they do not disturb each other's timings:
//
//   engine    node dist/core.bench.cjs           the engine over an in-memory backend
//   linux     node dist/linux.bench.cjs          real POSIX and System V semaphores vs C
//   budget    node dist/budget.bench.cjs         the CPU budget: the inspector in its own process
//   wine      wine-rig run dist/wine.bench.cjs   real events/mutexes/semaphores under Wine
//             node dist/wine-budget.bench.cjs    the CPU budget under Wine (two node.exe under the rig)
//   renderer  node --import tsx bench/renderer.bench.ts   the renderer in Chromium
//   app       node --import tsx bench/app.bench.ts        Electron main's event loop, the engine apart
//
// It prints the table (or, with --json, one JSON document) and exits 1 when a target is missed
// by more than its margin, or a part could not measure it; 0 otherwise. Every object a part
// makes is removed when it ends, and swept again here after it, also when it failed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Figure, type PartResult, formatTable, missBy, verdictOf } from './figures';

const root = path.resolve(__dirname, '..');
const work = path.join(root, '.bench');
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const PARTS = ['engine', 'linux', 'budget', 'wine', 'renderer', 'app'] as const;
type Part = (typeof PARTS)[number];
const only = new Set<string>(onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',') : PARTS);
for (const part of only) if (!PARTS.includes(part as Part)) throw new Error(`unknown part ${part}: parts are ${PARTS.join(', ')}`);

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const toWinePath = (p: string) => 'Z:' + path.resolve(p).replaceAll('/', '\\');

let current: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // The child cleans up on the same signal; then the sweep below runs on exit.
    if (current?.pid) current.kill(signal);
    setTimeout(() => process.exit(130), 3000).unref();
  });
}
process.on('exit', sweepLinux);

/** Runs a part's process with its output on our stderr; resolves to its exit code. */
function run(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, argv, { cwd: root, env, stdio: ['ignore', 2, 2] });
    current = child;
    child.on('error', (error) => {
      log(`${command}: ${error.message}`);
      resolve({ code: 127, ms: Date.now() - started });
    });
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), ms: Date.now() - started });
    });
  });
}

/** Objects the Linux part may have left (it removes them itself; this is the safety net). */
function sweepLinux(): void {
  const manifest = path.join(work, 'linux-objects.json');
  if (!fs.existsSync(manifest)) return;
  try {
    const { posixPrefix, keyBase, keyCount } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    for (const name of fs.readdirSync('/dev/shm')) {
      if (name.startsWith(posixPrefix)) fs.rmSync(path.join('/dev/shm', name), { force: true });
    }
    for (const line of fs.readFileSync('/proc/sysvipc/sem', 'latin1').split('\n').slice(1)) {
      const [key, semid] = line.trim().split(/\s+/).map(Number);
      if (key >= keyBase && key < keyBase + keyCount) spawnSync('ipcrm', ['-s', String(semid)], { stdio: 'ignore' });
    }
    fs.rmSync(manifest, { force: true });
  } catch (error) {
    log(`sweeping the Linux part's objects: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A figure standing for a part that could not measure: it fails the run. */
function notMeasured(part: Part, why: string): Figure {
  return { id: `${part}.not-measured`, section: part, name: `${part}: not measured`, value: null, unit: '', max: 0, target: 'measured', detail: why };
}

function readResult(part: Part, file: string, code: number): PartResult {
  try {
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as PartResult & { error?: string };
    if (result.error) throw new Error(result.error);
    if (code !== 0) result.figures.push(notMeasured(part, `the ${part} part exited with code ${code}`));
    return result;
  } catch (error) {
    const why = `the ${part} part exited with code ${code} and left no figures (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); its output is above`;
    return { part, figures: [notMeasured(part, why)], notes: [] };
  }
}

function versionOf(command: string, argv: string[]): string {
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : 'not installed';
}

async function main(): Promise<number> {
  fs.mkdirSync(work, { recursive: true });
  const started = Date.now();
  const results: PartResult[] = [];
  const durations: Record<string, number> = {};
  const out = (part: Part) => {
    const file = path.join(work, `${part}.json`);
    fs.rmSync(file, { force: true });
    return file;
  };
  const node = process.execPath;

  if (only.has('engine')) {
    log('engine: the sampler, stream and history over an in-memory backend');
    const file = out('engine');
    const { code, ms } = await run(node, [path.join(root, 'dist/core.bench.cjs'), '--out', file]);
    durations.engine = ms;
    results.push(readResult('engine', file, code));
  }

  if (only.has('linux')) {
    const file = out('linux');
    const baseline = path.join(work, 'linux-baseline');
    const gcc = spawnSync('gcc', ['-O2', '-Wall', '-o', baseline, path.join(root, 'bench/linux-baseline.c')], { encoding: 'utf8' });
    if (process.platform !== 'linux') results.push({ part: 'linux', figures: [notMeasured('linux', 'not on Linux')], notes: [] });
    else if (gcc.status !== 0) {
      results.push({ part: 'linux', figures: [notMeasured('linux', `gcc could not build the C baseline: ${gcc.error?.message ?? gcc.stderr}`)], notes: [] });
    } else {
      const sizes = quick ? '1000' : '1000,10000';
      log(`linux: ${sizes} POSIX semaphores and System V sets, against the C baseline (about a minute)`);
      const { code, ms } = await run(node, [
        path.join(root, 'dist/linux.bench.cjs'),
        ...['--baseline', baseline, '--work', work, '--out', file, '--sizes', sizes, '--reps', quick ? '3' : '5'],
      ]);
      durations.linux = ms;
      sweepLinux();
      results.push(readResult('linux', file, code));
    }
  }

  if (only.has('budget')) {
    const file = out('budget');
    if (process.platform !== 'linux') results.push({ part: 'budget', figures: [notMeasured('budget', 'not on Linux')], notes: [] });
    else {
      const sizes = quick ? '1000' : '1000,10000,50000';
      log(`budget: the inspector (default budget) over ${sizes} POSIX semaphores${quick ? '' : ' and 10,000 System V sets'}, 1 % changing (about 4 minutes)`);
      const { code, ms } = await run(node, [
        path.join(root, 'dist/budget.bench.cjs'),
        ...['--work', work, '--out', file, '--sizes', sizes, '--sysv', quick ? '' : '10000'],
        ...['--inspector', path.join(root, 'dist/budget-inspector.cjs')],
      ]);
      durations.budget = ms;
      sweepLinux();
      results.push(readResult('budget', file, code));
    }
  }

  if (only.has('wine')) {
    const file = out('wine');
    if (spawnSync('wine', ['--version'], { stdio: 'ignore' }).status !== 0) {
      results.push({ part: 'wine', figures: [notMeasured('wine', 'wine is not installed (Debian: apt-get install -y wine64)')], notes: [] });
    } else {
      const sizes = quick ? '1000' : '1000,10000';
      // A prefix of its own, so its wineserver serves nothing but this run (tests running beside it
      // share the rig's); made by the rig on first use (a few seconds, then reused).
      const prefix = path.join(work, 'wine-prefix');
      log(`wine: ${sizes} events/mutexes/semaphores in the Windows node.exe (WINEPREFIX ${prefix})`);
      const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree=d;mshtml=d' };
      // Provision (first use), then boot the prefix and let its services settle before measuring.
      await run(node, [path.join(root, 'scripts/wine-rig.mjs'), 'provision'], wineEnv);
      spawnSync('wineserver', ['-p', '60'], { env: wineEnv, stdio: 'ignore' });
      spawnSync('wine', ['cmd', '/c', 'exit'], { env: wineEnv, stdio: 'ignore', timeout: 120_000 });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const { code, ms } = await run(node, [
        path.join(root, 'scripts/wine-rig.mjs'),
        'run',
        path.join(root, 'dist/wine.bench.cjs'),
        toWinePath(file),
        sizes,
        quick ? '3' : '9',
      ], wineEnv);
      results.push(readResult('wine', file, code));
      // The CPU budget under Wine: the inspector and an object owner, two node.exe in this prefix.
      const budgetFile = path.join(work, 'wine-budget.json');
      fs.rmSync(budgetFile, { force: true });
      log(`wine: the inspector's CPU at the default budget over ${sizes} events/mutexes/semaphores, 1 % changing (about ${quick ? 40 : 80} s)`);
      const budgetRun = await run(node, [path.join(root, 'dist/wine-budget.bench.cjs'), '--work', work, '--out', budgetFile, '--sizes', sizes], wineEnv);
      results.push(readResult('wine', budgetFile, budgetRun.code));
      // Ends this prefix's wineserver and its services (only this run's processes live there).
      spawnSync('wineserver', ['-k'], { env: wineEnv, stdio: 'ignore', timeout: 30_000 });
      durations.wine = ms + budgetRun.ms;
    }
  }

  if (only.has('renderer')) {
    const file = out('renderer');
    log('renderer: dist/renderer in Chromium, 10,000 rows');
    const { code, ms } = await run(node, [
      '--import',
      'tsx',
      path.join(root, 'bench/renderer.bench.ts'),
      '--out',
      file,
      ...(quick ? ['--rounds', '1'] : []),
    ]);
    durations.renderer = ms;
    results.push(readResult('renderer', file, code));
  }

  if (only.has('app')) {
    const file = out('app');
    if (process.platform !== 'linux') results.push({ part: 'app', figures: [notMeasured('app', 'not on Linux')], notes: [] });
    else {
      log("app: Electron main's event loop with the engine in its own process (the electron stand-in), 1,000 semaphores");
      const { code, ms } = await run(node, ['--import', 'tsx', path.join(root, 'bench/app.bench.ts'), '--out', file, ...(quick ? ['--seconds', '3'] : [])]);
      durations.app = ms;
      results.push(readResult('app', file, code));
    }
  }

  // Grouped by section in this order (a part may report in more than one, e.g. history).
  const order = ['engine', 'linux', 'history', 'budget', 'wine', 'renderer', 'app'];
  const rank = (f: Figure) => {
    const at = order.findIndex((section) => f.section.startsWith(section));
    return at < 0 ? order.length : at;
  };
  const figures = results
    .flatMap((r) => r.figures)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
  const notes = results.flatMap((r) => r.notes);
  const failed = figures.filter((f) => verdictOf(f) === 'FAIL');
  const missed = figures.filter((f) => verdictOf(f) === 'miss');
  const cpus = os.cpus();
  const machine = {
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GB`,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    gcc: versionOf('gcc', ['--version']),
    wine: versionOf('wine', ['--version']),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const seconds = Math.round((Date.now() - started) / 1000);
  const document = {
    command: `npm run bench -- ${args.join(' ')}`.replace(/ -- $/, ''),
    date: new Date(started).toISOString(),
    seconds,
    partSeconds: Object.fromEntries(Object.entries(durations).map(([k, v]) => [k, Math.round(v / 1000)])),
    machine,
    figures: figures.map((f) => ({
      ...f,
      verdict: verdictOf(f) || undefined,
      missBy: verdictOf(f) === 'FAIL' || verdictOf(f) === 'miss' ? missBy(f) : undefined,
    })),
    notes,
    passed: failed.length === 0,
  };
  // Kept after every run, whatever was printed.
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(document, null, 2) + '\n');
  if (json) {
    process.stdout.write(JSON.stringify(document, null, 2) + '\n');
  } else {
    process.stdout.write(`SyncScope benchmark, ${new Date(started).toISOString()}, ${seconds} s\n`);
    process.stdout.write(`${machine.cpu}, ${machine.memory}, ${machine.kernel}, node ${machine.node}, load ${machine.loadAverage.join(' ')}\n`);
    process.stdout.write(formatTable(figures));
    if (notes.length) process.stdout.write('\n' + notes.map((n) => `note: ${n}`).join('\n') + '\n');
    const verdict =
      failed.length > 0
        ? `FAILED: ${failed.length} target(s) missed beyond their margin: ${failed.map((f) => f.id).join(', ')}`
        : missed.length > 0
          ? `passed within margins; missed by less than the margin: ${missed.map((f) => f.id).join(', ')}`
          : 'every target met';
    process.stdout.write(`\n${verdict}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
