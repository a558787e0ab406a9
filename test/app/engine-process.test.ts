// The engine in its own process, through main's real wiring (main/engine-host.ts and
// main/window-ipc.ts) with a stand-in for Electron's utilityProcess and MessageChannelMain: the
// engine bundle (dist/engine.cjs) runs in a child process over the real Linux backend with over a
// thousand POSIX semaphores, a window talks to it over its port, and main's event loop stays free
// while the engine samples and while it waits 5 s in an acquire. Crashes restart it with the window
// kept; demo workers are utility processes that main starts for the engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend } from '../../native';
import { CONNECT_CHANNEL, RESTART_ENGINE_CHANNEL } from '../../protocol';
import { BrowserWindow, StandInRenderer, installAsElectron, standIn } from '../fixtures/electron-stand-in';
import { ROOT, RUN_PREFIX, notLinux, processAlive, waitFor } from '../support/linux';

installAsElectron();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { EngineHost } = require('../../main/engine-host') as typeof import('../../main/engine-host');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { registerWindowIpc } = require('../../main/window-ipc') as typeof import('../../main/window-ipc');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { APP_ORIGIN, navigationAllowed } = require('../../main/policy') as typeof import('../../main/policy');

const OBJECTS = 1000;
const APP_URL = `${APP_ORIGIN}/index.html`;
const GATE = `${RUN_PREFIX}_gate`;
const names = Array.from({ length: OBJECTS }, (_, i) => `${RUN_PREFIX}_ep${i}`);

/** Main's event-loop delay while `work` runs: p99 and max, in ms. */
async function mainLoopDelay(work: () => Promise<unknown>): Promise<{ p99: number; max: number; result: unknown }> {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const result = await work();
  histogram.disable();
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, result };
}

const engines = () => standIn.utilityProcesses.filter((child) => child.child.spawnargs.some((arg) => arg.endsWith('engine.cjs')));
const runningEngine = () => {
  const running = engines().filter((child) => child.pid !== undefined);
  assert.equal(running.length, 1, 'exactly one engine runs');
  return running[0];
};

describe('the engine process, wired as main wires it', { skip: notLinux, timeout: 300_000 }, () => {
  let backend: Backend;
  let host: InstanceType<typeof EngineHost>;
  let unregister: () => void;
  let window: BrowserWindow;
  let renderer: StandInRenderer;
  const logged: string[] = [];

  before(async () => {
    backend = loadBackend();
    // Real kernel objects, made with sem_open: the engine's scan, sampling and holder walk see them.
    for (const name of [...names, GATE]) backend.create({ kind: 'posix-semaphore', name, count: name === GATE ? 0 : 1 }).close();
    host = new EngineHost({
      enginePath: `${ROOT}/dist/engine.cjs`,
      workerPath: `${ROOT}/dist/demo-worker.cjs`,
      maxRestarts: 2,
      log: (line) => logged.push(line),
    });
    unregister = registerWindowIpc(host, (url) => navigationAllowed(APP_URL, url), (line) => logged.push(line));
    host.start();
    window = new BrowserWindow({ webPreferences: {} });
    await window.loadURL(APP_URL);
    renderer = new StandInRenderer(window);
  });

  after(async () => {
    unregister?.();
    await host?.dispose(5000).catch(() => undefined);
    for (const name of [...names, GATE]) fs.rmSync(`/dev/shm/sem.${name}`, { force: true });
    backend?.dispose();
  });

  test('a frame that is not the app gets no port and no status; the app gets both', async () => {
    for (const url of ['https://example.com/', 'file:///etc/passwd', '', null]) standIn.sendFromWindow(window, CONNECT_CHANNEL, url);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(window.webContents.ports.length, 0, 'no port for a foreign frame');
    assert.equal(window.webContents.sent.length, 0, 'nothing sent to a foreign frame');
    assert.equal(logged.filter((line) => /refused syncscope:connect/.test(line)).length, 4);

    await renderer.connect();
    await renderer.waitForStatus('running', 60_000);
    const session = (await renderer.request('session')) as { platform: string; transport: string };
    assert.deepEqual([session.platform, session.transport], ['linux', 'electron']);
    const engine = standIn.utilityProcesses[0];
    assert.ok(engine.pid && engine.pid !== process.pid, 'the engine is another process');
  });

  test(`sampling ${OBJECTS}+ objects in the engine: main's event loop p99 stays under 10 ms`, async () => {
    await renderer.request('subscribe');
    const snapshot = await renderer.waitForUpdate((update) => update.type === 'snapshot' && (update.records?.length ?? 0) > OBJECTS, 60_000);
    const ours = (snapshot.records as Array<{ name: string }>).filter((record) => record.name.startsWith(`${RUN_PREFIX}_ep`));
    assert.equal(ours.length, OBJECTS, 'every semaphore made for the test is in the stream');

    // Something to stream: a few semaphores move up and down (a sem_post or sem_trywait each, here).
    let turn = 0;
    const churn = setInterval(() => {
      const name = names[turn % 10];
      void backend.act({ action: turn++ % 20 < 10 ? 'post' : 'trywait', name }).catch(() => undefined);
    }, 50);
    const delay = await mainLoopDelay(() => new Promise((resolve) => setTimeout(resolve, 5000)));
    clearInterval(churn);
    const deltas = renderer.updates.filter((update) => update?.type === 'delta').length;
    process.stdout.write(`# main loop while the engine samples ${OBJECTS}+ objects for 5 s: p99 ${delay.p99.toFixed(2)} ms, max ${delay.max.toFixed(2)} ms; ${deltas} deltas\n`);
    assert.ok(deltas > 5, `the stream kept flowing (${deltas} deltas)`);
    assert.ok(delay.p99 < 10, `p99 ${delay.p99} ms`);
  });

  test("a 5 s acquire waits in the engine: main's loop p99 stays under 10 ms and the engine keeps answering", async () => {
    let answeredDuringWait = 0;
    const delay = await mainLoopDelay(async () => {
      const acquire = renderer.call('act', { action: 'acquire', name: GATE, timeoutMs: 5000 });
      const started = Date.now();
      let settled = false;
      void acquire.finally(() => (settled = true));
      while (!settled && Date.now() - started < 4000) {
        await renderer.request('session');
        answeredDuringWait++;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const reply = await acquire;
      return { reply, waitedMs: Date.now() - started };
    });
    const { reply, waitedMs } = delay.result as { reply: { ok: boolean; error?: { kind: string } }; waitedMs: number };
    process.stdout.write(`# main loop during a 5 s acquire: p99 ${delay.p99.toFixed(2)} ms, max ${delay.max.toFixed(2)} ms; engine answered ${answeredDuringWait} requests meanwhile\n`);
    assert.equal(reply.ok, false);
    assert.equal(reply.error?.kind, 'timeout', 'the semaphore stayed at 0: the acquire timed out');
    assert.ok(waitedMs >= 4900, `it waited the whole timeout (${waitedMs} ms)`);
    assert.ok(answeredDuringWait >= 5, `the engine answered other requests while it waited (${answeredDuringWait})`);
    assert.ok(delay.p99 < 10, `p99 ${delay.p99} ms`);
  });

  test('demo workers are utility processes that main starts for the engine, and stop with the demo', async () => {
    const started = (await renderer.request('startDemo', { scenario: 'producer-consumer', workers: 2 })) as { pids: number[] };
    assert.ok(started.pids.length >= 2);
    const workers = standIn.utilityProcesses.filter((child) => started.pids.includes(child.child.pid!));
    assert.equal(workers.length, started.pids.length, 'every worker was started by main as a utility process');
    for (const pid of started.pids) assert.ok(processAlive(pid), `worker ${pid} runs`);
    // The workers report over their own ports to the engine: the demo moves.
    const stateChanged = await renderer.waitForUpdate(
      (update) => update.type === 'delta' && (update.upserts as Array<{ name: string }>).some((record) => /producer-consumer/i.test(record.name)),
      30_000,
    );
    assert.ok(stateChanged);
    assert.deepEqual(await renderer.request('stopDemo'), { stopped: true });
    await waitFor('the workers to exit', () => started.pids.every((pid) => !processAlive(pid)), 10_000);
  });

  test('a crashed engine restarts with the window kept; past the limit it stays stopped until the user restarts it', async () => {
    const statusesBefore = renderer.statuses.length;

    runningEngine().child.kill('SIGKILL');
    await renderer.waitForStatus('restarting', 10_000, statusesBefore);
    const restarting = renderer.statuses.slice(statusesBefore).find((status) => status.state === 'restarting')!;
    assert.match(restarting.reason ?? '', /the engine process exited unexpectedly/);
    assert.equal(restarting.restarts, 1);
    await renderer.waitForStatus('running', 30_000, statusesBefore);
    assert.equal(window.webContents.isDestroyed(), false, 'the window stays');
    // The preload asks for a new port when the engine is back; the stream starts again.
    await renderer.connect();
    await renderer.request('subscribe');
    const fresh = await renderer.waitForUpdate((update) => update.type === 'snapshot' && (update.records?.length ?? 0) > OBJECTS, 60_000);
    assert.ok(fresh);

    // Two more crashes within the minute: past maxRestarts (2), no more automatic restarts.
    for (let crash = 0; crash < 2; crash++) {
      const mark = renderer.statuses.length;
      await waitFor('the engine to be up', () => host.status.state === 'running', 30_000);
      runningEngine().child.kill('SIGKILL');
      await waitFor('the crash to be seen', () => renderer.statuses.slice(mark).some((status) => status.state !== 'running'), 10_000);
    }
    await renderer.waitForStatus('stopped', 10_000, statusesBefore);
    assert.match(renderer.statuses.at(-1)!.reason ?? '', /not restarted automatically/);
    await assert.rejects(renderer.connect(2000), /timed out/, 'no port while the engine is stopped');

    const mark = renderer.statuses.length;
    standIn.sendFromWindow(window, RESTART_ENGINE_CHANNEL);
    await renderer.waitForStatus('running', 30_000, mark);
    await renderer.connect();
    assert.equal(((await renderer.request('session')) as { platform: string }).platform, 'linux');
  });

  test('dispose ends the engine after its clean-up; nothing it started outlives it', async () => {
    await host.dispose(5000);
    assert.equal(host.status.state, 'stopped');
    await waitFor('every engine and worker process to exit', () => standIn.utilityProcesses.every((child) => child.child.exitCode !== null || child.child.signalCode !== null), 10_000);
    assert.equal(engines().length, 4, "the first engine, two automatic restarts, the user's restart after the third crash");
  });
});
