// The app's main process stays free: Electron main's event-loop delay while the engine samples
// 1,000 real POSIX semaphores and while it waits 5 s in an acquire, with the engine in its own
// process (main/engine-host.ts through the electron stand-in, as the app runs) and, for
// comparison in the same run, with the same Service in main's own loop (how the app ran before).
//
//   node --import tsx bench/app.bench.ts --out FILE [--objects 1000] [--seconds 5]
//
// The stand-in is harder on main than Electron: it relays every port message through main (Electron
// connects the window and the engine directly) and plays the window in main's process too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AuditLog } from '../core/audit';
import { Service } from '../core/service';
import { loadBackend } from '../native';
import { BrowserWindow, StandInRenderer, installAsElectron } from '../test/fixtures/electron-stand-in';
import { finishPart, type Figure, type PartResult, round } from './figures';

installAsElectron();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { EngineHost } = require('../main/engine-host') as typeof import('../main/engine-host');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { registerWindowIpc } = require('../main/window-ipc') as typeof import('../main/window-ipc');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { APP_ORIGIN, navigationAllowed } = require('../main/policy') as typeof import('../main/policy');

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const outFile = option('out', '');
const count = Number(option('objects', '1000'));
const seconds = Number(option('seconds', '5'));
const root = path.resolve(__dirname, '..');
const prefix = `ssbench_app${process.pid}`;
const names = Array.from({ length: count }, (_, i) => `${prefix}_${i}`);
const gate = `${prefix}_gate`;
const APP_URL = `${APP_ORIGIN}/index.html`;

interface Delay {
  p99: number;
  max: number;
}

async function delayWhile(work: () => Promise<unknown>): Promise<Delay> {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  await work();
  histogram.disable();
  return { p99: round(histogram.percentile(99) / 1e6, 2), max: round(histogram.max / 1e6, 1) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sampling with something moving (a few semaphores up and down), then a 5 s acquire that times out. */
async function measure(act: (request: object) => Promise<unknown>, backend: ReturnType<typeof loadBackend>): Promise<{ sampling: Delay; acquire: Delay }> {
  let turn = 0;
  const churn = setInterval(() => void backend.act({ action: turn++ % 20 < 10 ? 'post' : 'trywait', name: names[turn % 10] }).catch(() => undefined), 50);
  await sleep(2500); // past the first scans and holder walk
  const sampling = await delayWhile(() => sleep(seconds * 1000));
  const acquire = await delayWhile(() => act({ action: 'acquire', name: gate, timeoutMs: 5000 }).catch(() => undefined));
  clearInterval(churn);
  return { sampling, acquire };
}

async function main(): Promise<PartResult> {
  const backend = loadBackend();
  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-app-bench-'));
  process.env.SYNCSCOPE_AUDIT_LOG = path.join(auditDir, 'audit.log');
  for (const name of [...names, gate]) backend.create({ kind: 'posix-semaphore', name, count: name === gate ? 0 : 1 }).close();
  try {
    // Before: the engine on main's own loop.
    const service = new Service(loadBackend(), { audit: new AuditLog(path.join(auditDir, 'in-main.log'), 'app') });
    service.start();
    const subscription = service.sampler.stream.subscribe(() => queueMicrotask(() => subscription.ack()));
    const inMain = await measure((request) => Promise.resolve(service.handlers.act(request as never)), backend);
    subscription.close();
    await service.dispose();

    // Now: the engine in its own process, a window on its port.
    const host = new EngineHost({ enginePath: path.join(root, 'dist/engine.cjs'), workerPath: path.join(root, 'dist/demo-worker.cjs'), log: () => undefined });
    const unregister = registerWindowIpc(host, (url) => navigationAllowed(APP_URL, url), () => undefined);
    host.start();
    const window = new BrowserWindow({ webPreferences: {} });
    await window.loadURL(APP_URL);
    const renderer = new StandInRenderer(window);
    await renderer.connect();
    await renderer.waitForStatus('running', 60_000);
    await renderer.request('subscribe');
    await renderer.waitForUpdate((update) => update.type === 'snapshot' && (update.records?.length ?? 0) > count, 60_000);
    const separate = await measure((request) => renderer.call('act', request, 30_000), backend);
    unregister();
    await host.dispose(5000).catch(() => undefined);

    const figure = (id: string, name: string, value: number, extra: Partial<Figure>): Figure => ({ id, section: 'app', name, value, unit: 'ms', ...extra });
    return {
      part: 'app',
      figures: [
        figure('app.main-loop-p99.sampling', `main's event-loop delay p99 while the engine samples ${count} objects`, separate.sampling.p99, {
          max: 10,
          margin: 0.2,
          target: '≤ 10 ms',
          detail: `engine in its own process: max ${separate.sampling.max} ms; with the engine in main's loop: p99 ${inMain.sampling.p99} ms, max ${inMain.sampling.max} ms`,
        }),
        figure('app.main-loop-p99.acquire', "main's event-loop delay p99 during a 5 s acquire in the engine", separate.acquire.p99, {
          max: 10,
          margin: 0.2,
          target: '≤ 10 ms',
          detail: `engine in its own process: max ${separate.acquire.max} ms; with the engine in main's loop: p99 ${inMain.acquire.p99} ms, max ${inMain.acquire.max} ms`,
        }),
        figure('app.main-loop-max.in-main', "for comparison: main's longest stall with the engine in main's loop (sampling)", inMain.sampling.max, {
          detail: `p99 ${inMain.sampling.p99} ms; the acquire waits on a wait thread of its own, so it adds little`,
        }),
      ],
      notes: [`app: ${count} POSIX semaphores, ${seconds} s of sampling at 10 Hz with 10 of them moving, then a 5 s acquire of one at 0; the stand-in relays port messages through main`],
    };
  } finally {
    for (const name of [...names, gate]) fs.rmSync(`/dev/shm/sem.${name}`, { force: true });
    backend.dispose();
    fs.rmSync(auditDir, { recursive: true, force: true });
  }
}

finishPart(main(), 'app', outFile, { exit: true });
