// The live engine over the real Win32 layer under Wine: watch, record/replay, deadlocks, top.
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gapOf } from '../support/win32-capabilities';
import { provisionWine, runCli, startCli, startFixture, tempDir, toWinePath, waitForFile, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();
const prefix = `SyncScopeLive${process.pid}`;
const repo = path.resolve(__dirname, '../..');

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code ?? -1))));

/** Starts the toggler and waits until its event exists. */
async function startToggler(name: string, toggles: number, periodMs: number, dir: string) {
  const outFile = path.join(dir, 'toggler');
  const child = startFixture('win32-toggler', [name, String(toggles), String(periodMs), toWinePath(outFile)], dir);
  const childExit = exited(child);
  await waitForFile(`${outFile}.ready`, 60_000, () => `\n${readIf(path.join(dir, 'win32-toggler.err'))}`);
  return {
    go: () => fs.writeFileSync(`${outFile}.go`, ''),
    done: async () => JSON.parse(await waitForFile(outFile, 60_000)) as { path: string; times: number[] },
    stop: async () => {
      fs.writeFileSync(`${outFile}.exit`, '');
      await Promise.race([childExit, new Promise((r) => setTimeout(r, 10_000))]);
      child.kill('SIGKILL');
    },
  };
}

function readIf(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

async function waitForLines(file: string, count: number, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = readIf(file).split('\n').filter(Boolean);
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} lines in ${file}; have:\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('live engine under Wine', { skip, timeout: 600_000 }, () => {
  test('watch --interval 20 reports every one of 20 toggles, 200 ms apart, in order', { timeout: 180_000 }, async () => {
    provisionWine();
    const dir = tempDir('watch');
    const toggler = await startToggler(`${prefix}_Toggle`, 20, 200, dir);
    const watchDir = path.join(dir, 'watch');
    const watch = startCli(['watch', `${prefix}_Toggle`, '--interval', '20', '--duration', '9', '--json', '--cpu-budget', '100'], watchDir);
    const watchExit = exited(watch);
    try {
      // The first line is the initial state; only then does the toggling start.
      const [first] = await waitForLines(path.join(watchDir, 'out'), 1, 60_000);
      toggler.go();
      const { path: objectPath, times } = await toggler.done();
      assert.equal(await watchExit, 0, readIf(path.join(watchDir, 'err')));
      const lines = readIf(path.join(watchDir, 'out')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.deepEqual(JSON.parse(first), lines[0]);
      assert.deepEqual(lines[0].state, { eventType: 'manual', signaled: false }, 'initial state first');
      assert.equal(lines.length, 21, `initial + 20 transitions, got:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
      lines.forEach((line, i) => {
        assert.equal(line.path, objectPath);
        assert.equal(line.kind, 'event');
        assert.equal(line.state.signaled, i % 2 === 1, `line ${i} alternates`);
        // --cpu-budget reached the sampler in Windows node.exe too: each line says the budget it ran under.
        assert.equal(line.budget?.budgetPercent, 100, JSON.stringify(line));
        assert.equal(line.budget.objects, 1);
        if (i > 0) assert.ok(line.t >= lines[i - 1].t, 'times never go back');
      });
      // Each observed transition comes after the toggle that caused it (same clock: one machine).
      for (let i = 1; i <= 20; i++) assert.ok(lines[i].t >= times[i - 1] - 5, `transition ${i} seen after it happened`);
    } finally {
      watch.kill('SIGKILL');
      await toggler.stop();
    }
  });

  test('record under Wine, replay on Linux: the same transitions and a contention ranking', { timeout: 180_000 }, async () => {
    provisionWine();
    const dir = tempDir('record');
    const toggler = await startToggler(`${prefix}_Rec`, 10, 150, dir);
    const recordingFile = path.join(dir, 'trace.json');
    const csvFile = path.join(dir, 'trace.csv');
    try {
      const recordDir = path.join(dir, 'record');
      const recorder = startCli(['record', '--duration', '6', '--interval', '20', '--name', `${prefix}_Rec`, '--out', toWinePath(recordingFile), '--cpu-budget', '100'], recordDir);
      const recorderExit = exited(recorder);
      // Start toggling once the recorder has had time to take its first scan.
      await new Promise((r) => setTimeout(r, 2500));
      toggler.go();
      await toggler.done();
      assert.equal(await recorderExit, 0, readIf(path.join(recordDir, 'err')));
      assert.match(readIf(path.join(recordDir, 'out')), /recorded \d+ changes of 1 objects/);

      // Replay runs in Linux Node: no backend needed to study a trace.
      const replay = spawnSync(process.execPath, [path.join(repo, 'dist/cli.cjs'), 'replay', recordingFile, '--json'], { encoding: 'utf8' });
      assert.equal(replay.status, 0, replay.stderr);
      const replayed = JSON.parse(replay.stdout);
      assert.equal(replayed.objects.length, 1);
      assert.equal(replayed.objects[0].kind, 'event');
      const signaled = replayed.changes.filter((c: { state?: { signaled: boolean } }) => c.state).map((c: { state: { signaled: boolean } }) => c.state.signaled);
      // Whatever the recorder saw first, after it come exactly the 10 toggles, alternating.
      const toggles = signaled.slice(signaled.length - 10);
      assert.deepEqual(toggles, [true, false, true, false, true, false, true, false, true, false]);
      assert.equal(replayed.contention.length, 1);
      assert.ok(replayed.contention[0].transitionsPerSec > 0);

      const csv = spawnSync(process.execPath, [path.join(repo, 'dist/cli.cjs'), 'replay', recordingFile], { encoding: 'utf8' });
      assert.equal(csv.status, 0, csv.stderr);
      assert.match(csv.stdout, /signaled \(manual reset\)/);

      const csvRun = await runCli(['record', '--duration', '1', '--name', `${prefix}_Rec`, '--out', toWinePath(csvFile)]);
      assert.equal(csvRun.code, 0, csvRun.stderr);
      const rows = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
      assert.equal(rows[0], 't_ms,iso_time,path,kind,value,waiters,gone,state_json');
      assert.ok(rows.length >= 2, 'the snapshot row at least');
      assert.match(rows[1], /,event,[01],,0,"\{""eventType"":""manual"",""signaled"":(true|false)\}"$/);
    } finally {
      await toggler.stop();
    }
  });

  test('deadlocks says none and names what the OS cannot tell', { timeout: 120_000 }, async () => {
    provisionWine();
    const capabilities = JSON.parse((await runCli(['capabilities', '--json'])).stdout);
    const result = await runCli(['deadlocks', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.deadlocks, []);
    const noWaits = gapOf(capabilities, 'waiters');
    const noOwner = gapOf(capabilities, 'mutexOwner');
    assert.equal(report.unavailable.mutexOwner, noOwner ?? undefined);
    const human = await runCli(['deadlocks']);
    if (noWaits) {
      assert.equal(report.unavailable.waiters, `incomplete: no thread's wait can be told on this OS: ${noWaits}`);
      assert.match(human.stdout, /^no deadlock found\nnote: waiters unavailable: /);
    } else {
      assert.match(human.stdout, /^no deadlock found/);
    }
  });

  test('top ranks a mutex held by another process as contended', { timeout: 120_000 }, async () => {
    provisionWine();
    const dir = tempDir('top');
    const holder = startCli(['create', 'mutex', `${prefix}_Held`, '--owned', '--hold', '60'], path.join(dir, 'holder'));
    try {
      await waitForLines(path.join(dir, 'holder', 'out'), 1, 60_000);
      const result = await runCli(['top', '--name', `${prefix}_*`, '--refresh', '700', '--window', '2', '--iterations', '2']);
      assert.equal(result.code, 0, result.stderr);
      const frames = result.stdout.split(/\n(?=syncscope top:)/);
      assert.equal(frames.length, 2);
      const last = frames[1];
      assert.match(last, /^syncscope top: \d+ objects, window 2 s/);
      assert.match(last, new RegExp(`1\\s+mutex\\s+\\S+${prefix}_Held\\s+100%\\s+0\\.0\\s+\\?\\s+locked`));
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
