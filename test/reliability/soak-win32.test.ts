// Soak under churn in the Windows node.exe under Wine: a child process creates and closes named
// events at 100 per second while the engine (a Service, 50 Hz sampling, 10 Hz scanning, a front
// end acknowledging every update) watches; the inspector's handle count, as the OS reports it,
// must stay flat, and the Win32 layer must hold no handle between ticks.
//   SYNCSCOPE_WINE_SOAK_SECONDS=30 (default)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifact } from '../support/browser';
import { runtimeMissing } from '../support/runtime';
import { provisionWine, runFixture, tempDir, toWinePath } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']);
const SECONDS = Number(process.env.SYNCSCOPE_WINE_SOAK_SECONDS ?? 30);
const RATE = 100;
const WARMUP_MS = 5000;

describe('soak under Wine', { skip, timeout: (SECONDS + 120) * 1000 }, () => {
  let dir: string;
  before(() => {
    provisionWine();
    dir = tempDir('wine-soak');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(`${RATE} events/s created and closed for ${SECONDS} s under 50 Hz sampling: the handle count stays flat`, async () => {
    const out = path.join(dir, 'soak.json');
    const run = await runFixture('win32-soak', ['soak', String(SECONDS), toWinePath(out), String(RATE)], (SECONDS + 90) * 1000);
    const error = fs.existsSync(`${out}.error`) ? fs.readFileSync(`${out}.error`, 'utf8') : '';
    assert.equal(run.code, 0, `the soak process failed: ${error}${run.stderr}`);
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    const measures = result.measures as Array<{ t: number; handles: number; liveHandles: number; heapUsedMB: number; tracked: number; ticks: number }>;
    const start = measures[0].t;
    const window = measures.filter((m) => m.t - start >= WARMUP_MS);
    const first = window[0];
    const summary = {
      seconds: SECONDS,
      churnExit: result.churnExit,
      churnObjectsSeen: result.churnObjectsSeen,
      stateTicksPerSecond: Math.round((result.stats.ticks / (result.elapsedMs / 1000)) * 10) / 10,
      lastError: result.stats.lastError,
      handles: { start: measures[0].handles, afterWarmup: first.handles, max: Math.max(...window.map((m) => m.handles)), end: measures.at(-1)!.handles },
      liveHandlesMax: Math.max(...measures.map((m) => m.liveHandles)),
      heapUsedMB: { start: measures[0].heapUsedMB, max: Math.max(...measures.map((m) => m.heapUsedMB)), end: measures.at(-1)!.heapUsedMB },
    };
    fs.writeFileSync(artifact('soak-win32.json'), JSON.stringify({ summary, measures }, null, 1));
    process.stdout.write(`# Wine soak: ${JSON.stringify(summary)}\n`);

    assert.equal(result.churnExit, 0, 'the churn ran to its end');
    assert.ok(result.churnObjectsSeen >= RATE * SECONDS * 0.8, `the engine saw ${result.churnObjectsSeen} of ${RATE * SECONDS} churned events`);
    assert.ok(summary.stateTicksPerSecond >= 35, `sampling fell to ${summary.stateTicksPerSecond} Hz`);
    assert.equal(result.stats.lastError, undefined, 'no tick failed');
    assert.equal(summary.liveHandlesMax, 0, 'the Win32 layer held a handle between ticks');
    // One leaked handle per churned object would add thousands; a few come and go with threads.
    assert.ok(summary.handles.max - first.handles <= 5, `handles grew: ${JSON.stringify(summary.handles)}`);
    assert.ok(summary.handles.end <= first.handles + 2, `handles left open: ${JSON.stringify(summary.handles)}`);
  });
});
