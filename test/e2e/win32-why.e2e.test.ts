// The Processes view over the Win32 layer under Wine (serve mode in the Windows node.exe, the
// renderer in Chromium), on two node.exe processes sharing an unnamed event: the holder's report
// lists what it holds, named so a person can place it, says what Wine cannot tell, and a click on
// the unnamed event opens it in the object list, which now tracks the process's unnamed objects.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { runtimeMissing } from '../support/runtime';
import { gapOf } from '../support/win32-capabilities';
import { provisionWine, runCli, startCli, startUnnamedHolders, tempDir, type UnnamedHolders } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']) ?? chromiumMissing();

async function lineIn(file: string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '').match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the Processes view under Wine: unnamed objects by identity', { skip, timeout: 600_000 }, () => {
  let holders: { ready: UnnamedHolders; dir: string; stop: () => Promise<void> };
  let serve: ChildProcess;
  let browser: Browser;
  let url: string;

  before(async () => {
    provisionWine();
    holders = await startUnnamedHolders();
    const dir = tempDir('e2e-why');
    serve = startCli(['serve', '--duration', '400'], path.join(dir, 'serve'));
    url = (await lineIn(path.join(dir, 'serve', 'out'), /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/, 90_000))[0];
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    serve?.kill('SIGKILL');
    await holders?.stop();
    if (holders) fs.rmSync(holders.dir, { recursive: true, force: true });
  });

  test("why of the holder: what it holds, by label and identity; what the OS cannot tell; a click opens the unnamed event", async () => {
    const { holderPid, waiterPid, event, holderName } = holders.ready;
    const name = holderName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const capabilities = JSON.parse((await runCli(['capabilities', '--json'])).stdout);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.getByRole('tab', { name: 'Processes' }).click();
    await page.getByLabel('Process ID or name').fill(String(holderPid));
    await page.getByRole('button', { name: 'Why is it stuck?' }).click();
    const report = page.getByRole('article', { name: `${holderName} (${holderPid})` });
    await report.waitFor({ timeout: 60_000 });
    const label = new RegExp(`^unnamed event, handle ${event} in ${name} \\(${holderPid}\\)`);
    const held = report.getByRole('button', { name: label });
    await held.first().waitFor({ timeout: 30_000 });
    assert.match(await report.innerText(), new RegExp(`unnamed mutex, handle 0x[0-9a-f]+ in ${name}`));
    // Where the OS does not say what threads wait on (Wine), the report says so, with its exact reason.
    const noWaits = gapOf(capabilities, 'waiters');
    if (noWaits && gapOf(capabilities, 'waitChains')) {
      const verdict = await report.getByTestId('verdict').innerText();
      assert.ok(verdict.startsWith(`cannot tell: ${noWaits}`), verdict);
    }
    await page.screenshot({ path: artifact('e2e-win32-why.png') });

    await held.first().click();
    await page.getByTestId('detail-state').waitFor({ timeout: 30_000 });
    const title = await page.locator('.detail header h2').innerText();
    assert.match(title, label);
    // The next holder walk (every 2 s) names both processes: the waiter holds a copy (by identity).
    const holdersRow = page.locator('.detail .facts dd').nth(2);
    await holdersRow.filter({ hasText: `${holderName} (pid ${waiterPid})` }).waitFor({ timeout: 20_000 });
    assert.match(await holdersRow.innerText(), new RegExp(`${name} \\(pid ${holderPid}\\)`));
    const facts = await page.locator('.detail').innerText();
    assert.match(facts, /nonsignaled \(manual reset\)/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
