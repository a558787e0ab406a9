// Faults from the Win32 layer for real, in the Windows node.exe under Wine: objects whose DACL lets
// nobody query them (test/fixtures/win32-denied.ts), and objects vanishing between the scan and
// the open while a churn process creates and closes events (test/fixtures/win32-soak.ts churn).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ObjectReport } from '../../native';
import { assertCleanFailure, type CliRun } from '../support/cli-runs';
import { runtimeMissing } from '../support/runtime';
import { provisionWine, runCli, startFixture, tempDir, toWinePath, waitForFile } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']);
const prefix = `SyncScopeFault${process.pid}`;
const cli = async (args: string[]): Promise<CliRun> => ({ args, ...(await runCli(args)) });

describe('faults under Wine', { skip, timeout: 300_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];

  before(() => {
    provisionWine();
    dir = tempDir('faults');
  });
  after(async () => {
    fs.writeFileSync(path.join(dir, 'exit'), '');
    await new Promise((r) => setTimeout(r, 500));
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an object with a DACL that denies everyone: list says access-denied with the reason, show exits 4, the rest is sampled', async (t) => {
    children.push(startFixture('win32-denied', [prefix, toWinePath(dir)], dir));
    const ready = JSON.parse(await waitForFile(path.join(dir, 'ready.json'), 90_000, () => readIf(path.join(dir, 'win32-denied.err'))));
    if (!ready.enforced) {
      // Reported, not faked: this Wine lets the creator query an object its DACL denies.
      t.skip('this Wine does not enforce DACLs on named objects: the creator could query a "D:P" event');
      return;
    }
    const listed = await cli(['list', '--json', '--name', `${prefix}_*`]);
    assert.equal(listed.code, 0, listed.stderr);
    const reports = new Map((JSON.parse(listed.stdout) as ObjectReport[]).map((r) => [r.path, r]));
    for (const denied of ready.denied as string[]) {
      const report = reports.get(denied);
      assert.ok(report, `${denied} is listed: ${[...reports.keys()].join(', ')}`);
      assert.equal(report.error?.kind, 'access-denied', JSON.stringify(report));
      assert.match(report.error!.message, /access denied \(STATUS_ACCESS_DENIED\)/);
      assert.equal(report.state, undefined, 'no state invented');
    }
    assert.deepEqual(reports.get(ready.open)?.state, { eventType: 'manual', signaled: false }, 'the open one is sampled');

    const table = await cli(['list', '--name', `${prefix}_*`]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${prefix}_DeniedEvent: access-denied: .*STATUS_ACCESS_DENIED`));
    assertCleanFailure(await cli(['show', `${prefix}_DeniedEvent`]), 4, /access denied/);
    assertCleanFailure(await cli(['set', `${prefix}_DeniedEvent`]), 4, /access denied/);
    assertCleanFailure(await cli(['release', `${prefix}_DeniedSem`]), 4, /access denied/);
    // The live engine over it: record runs to the end and lists the denied objects.
    const out = path.join(dir, 'rec.json');
    const recorded = await cli(['record', '--duration', '2', '--interval', '20', '--name', `${prefix}_*`, '--out', toWinePath(out)]);
    assert.equal(recorded.code, 0, recorded.stderr);
    const recording = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.ok(recording.objects.some((o: { path: string }) => o.path === ready.denied[0]), 'the denied object is in the recording');
  });

  test('objects vanishing between the scan and the open (a churn process): every list exits 0 and says vanished', async () => {
    const churnPrefix = `${prefix}_Churn`;
    const churn = startFixture('win32-soak', ['churn', churnPrefix, '300', '12', '3'], path.join(dir));
    children.push(churn);
    await new Promise((r) => setTimeout(r, 2500));
    const kinds = new Map<string, number>();
    let churnReports = 0;
    for (let round = 0; round < 4; round++) {
      const runs = await Promise.all([0, 1, 2].map(() => cli(['list', '--json', '--name', `${churnPrefix}_*`])));
      for (const run of runs) {
        assert.equal(run.code, 0, run.stderr);
        for (const report of JSON.parse(run.stdout) as ObjectReport[]) {
          churnReports++;
          const kind = report.error?.kind ?? 'ok';
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        }
      }
    }
    process.stdout.write(`# Wine churn: ${churnReports} reports of churned events: ${JSON.stringify(Object.fromEntries(kinds))}\n`);
    assert.ok(churnReports > 0, 'the churned events were listed');
    assert.deepEqual([...kinds.keys()].filter((k) => k !== 'ok' && k !== 'vanished'), [], 'no error but vanished');
  });
});

function readIf(file: string): string {
  return fs.existsSync(file) ? `\n${fs.readFileSync(file, 'utf8')}` : '';
}
