// The CPU budget in the renderer (issue 15), in Chromium against serve mode in this process over an
// in-memory backend of 300 objects: the rows on screen reach the sampler (only those, again after
// a scroll); a record whose interval is slower than the state rate says so in its row; the header
// shows the CPU used against the budget and, past a second, how long a full round takes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import type { BudgetStatus, ObjectRecord } from '../../protocol';
import { startServer, type RunningServer } from '../../serve/server';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { ROOT } from '../support/cli-runs';
import { MemoryBackend } from '../support/memory-backend';

const skip = chromiumMissing();
const OBJECTS = 300;
const pathOf = (i: number) => `\\Memory\\Obj${String(i).padStart(3, '0')}`;

describe('the CPU budget in the renderer', { skip, timeout: 120_000 }, () => {
  let service: Service;
  let server: RunningServer;
  let browser: Browser;
  const visibleSets: string[][] = [];

  before(async () => {
    const backend = new MemoryBackend();
    for (let i = 0; i < OBJECTS; i++) backend.add(pathOf(i), 'semaphore', { count: i % 3, max: 5 });
    const audit = new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-budget-')), 'audit.log'), 'test');
    service = new Service(backend, { attribution: false, audit, cpuBudgetPercent: 4 });
    const setVisible = service.sampler.setVisible.bind(service.sampler);
    service.sampler.setVisible = (paths) => {
      visibleSets.push([...paths]);
      setVisible(paths);
    };
    service.start();
    server = await startServer({ service, staticDir: path.join(ROOT, 'dist/renderer') });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await service?.dispose();
  });

  const until = async (what: string, probe: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; visible sets: ${visibleSets.length}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  test('visible rows reach the sampler, intervals show where slower, the header shows the budget', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    await page.getByRole('row').filter({ hasText: 'Obj000' }).waitFor({ timeout: 20_000 });

    // The first rows on screen, and only those (not the 300, not the overscan's 12 more).
    await until('the first rows to reach the sampler', () => visibleSets.at(-1)?.includes(pathOf(0)) === true);
    const first = visibleSets.at(-1)!;
    assert.ok(first.length >= 5 && first.length < 40, `${first.length} rows said visible`);
    assert.ok(!first.includes(pathOf(OBJECTS - 1)));

    // Scrolled to the end: the last rows are the visible ones now.
    await page.getByLabel('Rows').focus();
    await page.keyboard.press('End');
    await until('the last rows to reach the sampler', () => visibleSets.at(-1)?.includes(pathOf(OBJECTS - 1)) === true);
    assert.ok(!visibleSets.at(-1)!.includes(pathOf(0)));

    // As the planner sets it: one object sampled every 2.4 s, another at the state rate.
    const stateMs = service.sampler.currentRates.stateMs;
    const slow = service.sampler.stream.get(pathOf(OBJECTS - 1)) as ObjectRecord;
    const fast = service.sampler.stream.get(pathOf(OBJECTS - 2)) as ObjectRecord;
    service.sampler.stream.commit(
      new Map([
        [slow.path, { ...slow, intervalMs: 2400 }],
        [fast.path, { ...fast, intervalMs: stateMs }],
      ]),
    );
    const slowRow = page.getByRole('row').filter({ hasText: 'Obj299' });
    await slowRow.getByText('every 2.4 s').waitFor({ timeout: 10_000 });
    assert.doesNotMatch(await page.getByRole('row').filter({ hasText: 'Obj298' }).innerText(), /every/);

    // The header: the budget given at start; a round time once the sampler reports one over a second.
    const status = page.getByTestId('budget-status');
    await status.getByText(/^CPU \d+\.\d % of 4 %$/).waitFor({ timeout: 10_000 });
    const budgetStatus = service.sampler.budgetStatus.bind(service.sampler);
    service.sampler.budgetStatus = (): BudgetStatus => ({ ...budgetStatus(), fullRoundMs: 12_400 });
    await status.getByText(/^CPU \d+\.\d % of 4 %, every object once in 12\.4 s$/).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifact('e2e-budget.png') });

    // Other views show no rows: the sampler hears that none are visible.
    await page.getByRole('tab', { name: 'Processes' }).click();
    await until('no visible rows', () => visibleSets.at(-1)?.length === 0);
    assert.deepEqual(pageErrors, []);
    await page.close();
  });
});
