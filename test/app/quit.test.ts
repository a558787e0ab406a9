// Quitting: main (main/main.ts, bundled as Forge bundles it) gives the engine a bounded clean-up
// and quits whatever happens in it. Run with the electron stand-in: the window closes, and the
// app must quit when the engine cleans up, when its clean-up fails, and when it never answers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { ROOT, notLinux } from '../support/linux';

/** An engine that starts, then answers `dispose` as told: a failed clean-up, or nothing at all. */
const misbehavingEngine = (onDispose: 'fail' | 'hang') => `
const port = process.parentPort;
port.on('message', (message) => {
  if (message.data && message.data.type === 'dispose' && ${JSON.stringify(onDispose)} === 'fail') {
    port.postMessage({ type: 'disposed', error: 'could not remove /dev/shm/sem.demo: EACCES' });
  }
});
port.postMessage({ type: 'ready', platform: 'linux' });
`;

describe('quitting the app (main.ts with the electron stand-in)', { skip: notLinux, timeout: 120_000 }, () => {
  let work = '';

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-quit-'));
    await build({
      entryPoints: [path.join(ROOT, 'main/main.ts')],
      outfile: path.join(work, 'build/main.cjs'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['electron', 'koffi'],
      // What Forge's Vite plugin and vite.main.config.mts define in a packaged build.
      define: { MAIN_WINDOW_VITE_NAME: '"main_window"', __SYNCSCOPE_DEV_SCRIPT_HASHES__: '[]' },
      logLevel: 'warning',
    });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  function quitWith(engineSource: string | undefined): { quit: boolean; quitAfterMs: number; stderr: string; error?: string } {
    const engine = path.join(work, 'build/engine.cjs');
    if (engineSource === undefined) fs.copyFileSync(path.join(ROOT, 'dist/engine.cjs'), engine);
    else fs.writeFileSync(engine, engineSource);
    fs.copyFileSync(path.join(ROOT, 'dist/demo-worker.cjs'), path.join(work, 'build/demo-worker.cjs'));
    const resultFile = path.join(work, 'result.json');
    fs.rmSync(resultFile, { force: true });
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist/fixtures/electron-stand-in.cjs')], {
      env: {
        ...process.env,
        SYNCSCOPE_STANDIN_ROLE: 'main',
        SYNCSCOPE_STANDIN_MAIN: path.join(work, 'build/main.cjs'),
        SYNCSCOPE_STANDIN_DRIVE: resultFile,
        SYNCSCOPE_STANDIN_CLOSE_ONLY: '1',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 0, `the stand-in run failed: ${run.stderr}`);
    return { ...JSON.parse(fs.readFileSync(resultFile, 'utf8')), stderr: run.stderr };
  }

  test('the engine cleans up: the app quits at once', () => {
    const result = quitWith(undefined);
    assert.equal(result.error, undefined);
    assert.equal(result.quit, true);
    assert.ok(result.quitAfterMs < 5000, `${result.quitAfterMs} ms`);
    assert.doesNotMatch(result.stderr, /failed clean-up/);
  });

  test("the engine's clean-up fails: the app says so and quits anyway", () => {
    const result = quitWith(misbehavingEngine('fail'));
    assert.equal(result.quit, true);
    assert.match(result.stderr, /quitting despite a failed clean-up: the engine's clean-up failed: could not remove \/dev\/shm\/sem\.demo: EACCES/);
  });

  test('the engine never answers: the app ends it after 5 s and quits', () => {
    const result = quitWith(misbehavingEngine('hang'));
    assert.equal(result.quit, true);
    assert.ok(result.quitAfterMs >= 4900, `it waited for the clean-up first (${result.quitAfterMs} ms)`);
    assert.match(result.stderr, /quitting despite a failed clean-up: the engine did not finish its clean-up within 5000 ms; it was ended/);
  });
});
