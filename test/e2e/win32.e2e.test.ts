// End to end in a real browser: serve mode running in Windows node.exe under Wine, the renderer in
// Debian's Chromium, objects made by another real process.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { runtimeMissing } from '../support/runtime';
import { provisionWine, runCli, startCli, tempDir } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']) ?? chromiumMissing();
const prefix = `SyncScopeE2E${process.pid}`;

async function lineIn(file: string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const match = text.match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${file}; have: ${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Width of the drawn state line: it grows as time passes over a step function. */
async function stateLineWidth(page: Page): Promise<number> {
  return page
    .locator('[data-testid=state-chart] .recharts-line-curve')
    .first()
    .evaluate((el) => (el as SVGGraphicsElement).getBBox().width);
}

describe('browser E2E over the Win32 layer under Wine', { skip, timeout: 600_000 }, () => {
  const processes: ChildProcess[] = [];
  let browser: Browser;
  let url: string;
  const event = `${prefix}_Ev`;

  before(async () => {
    provisionWine();
    const dir = tempDir('e2e');
    // The object's owner: another real process.
    processes.push(startCli(['create', 'event', event, '--manual', '--hold', '300'], path.join(dir, 'owner')));
    await lineIn(path.join(dir, 'owner', 'out'), /created event/, 60_000);
    processes.push(startCli(['serve', '--allow-actions', '--interval', '50', '--duration', '300'], path.join(dir, 'serve')));
    url = (await lineIn(path.join(dir, 'serve', 'out'), /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/, 60_000))[0];
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const child of processes) child.kill('SIGKILL');
  });

  test('the list shows the object; its detail shows the state and a chart that grows; Set, confirmed, changes it', { timeout: 180_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    // The token moved into a cookie and out of the address bar.
    await page.waitForFunction(() => !window.location.search.includes('token='));

    await page.getByLabel('Search by name').fill(prefix);
    const row = page.getByRole('row').filter({ hasText: event });
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /nonsignaled \(manual reset\)/);
    assert.match(await row.innerText(), /node\.exe\(\d+\)/, 'the owner process is listed as a holder');
    await page.screenshot({ path: artifact('e2e-win32-list.png') });

    await row.click();
    const state = page.getByTestId('detail-state');
    await assert.doesNotReject(state.getByText('nonsignaled (manual reset)').waitFor({ timeout: 10_000 }));
    // A flat line has no height, so it is never "visible" to Playwright: wait for it in the DOM.
    await page.locator('[data-testid=state-chart] .recharts-line-curve').first().waitFor({ state: 'attached', timeout: 10_000 });
    const widthBefore = await stateLineWidth(page);
    await page.waitForTimeout(2000);
    const widthAfter = await stateLineWidth(page);
    assert.ok(widthAfter > widthBefore + 5, `the chart grows (${widthBefore} → ${widthAfter})`);

    await page.getByRole('button', { name: 'Set', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.screenshot({ path: artifact('e2e-win32-confirm.png') });
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: /^Set: / }).waitFor({ timeout: 20_000 });

    // Another process sees the change.
    const seen = await runCli(['show', event, '--json']);
    assert.equal(seen.code, 0, seen.stderr);
    assert.deepEqual(JSON.parse(seen.stdout).state, { eventType: 'manual', signaled: true });
    await state.getByText('signaled (manual reset)', { exact: true }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: artifact('e2e-win32-after-set.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('without a token the server answers 401, page and WebSocket alike', { timeout: 60_000 }, async () => {
    const bare = new URL(url);
    bare.search = '';
    const page = await browser.newPage();
    const response = await page.goto(bare.toString());
    assert.equal(response?.status(), 401);
    const wsStatus = await page.evaluate(
      (wsUrl) =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(wsUrl);
          socket.onopen = () => resolve('open');
          socket.onerror = () => resolve('refused');
        }),
      bare.toString().replace('http:', 'ws:') + 'ws',
    );
    assert.equal(wsStatus, 'refused');
    await page.close();
  });
});
