// The packaged app's page: the production renderer build (the same Vite config Forge builds),
// served by main's own syncscope:// handler with its headers untouched, with the real preload and
// a real engine behind it (test/support/app-in-browser.ts). Under the strict production policy
// (scripts from the app's origin only, no inline, no eval) the object list renders a real object
// and Chromium reports no CSP violation and no error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadBackend } from '../../native';
import { CONTENT_SECURITY_POLICY, metaPolicy } from '../../renderer/csp.mts';
import { standIn } from '../fixtures/electron-stand-in';
import { objectRow, openApp, type AppInBrowser } from '../support/app-in-browser';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { ROOT, RUN_PREFIX, notLinux } from '../support/linux';

const skip = notLinux ?? chromiumMissing();
const name = `${RUN_PREFIX}_packagedpage`;
const auditLog = path.join(ROOT, '.test-work', `${RUN_PREFIX}-audit.log`);
const auditEntries = () => (fs.existsSync(auditLog) ? fs.readFileSync(auditLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);

describe('the packaged page under the production CSP', { skip, timeout: 180_000 }, () => {
  let browser: Browser;
  let app: AppInBrowser;
  const backend = skip ? undefined : loadBackend();

  before(async () => {
    // The engine inherits it: what the app did is read back from its audit log.
    process.env.SYNCSCOPE_AUDIT_LOG = auditLog;
    backend!.create({ kind: 'posix-semaphore', name, count: 4 }).close();
    browser = await launchChromium();
    app = await openApp(browser, { rendererDir: path.join(ROOT, 'dist/renderer') });
  });

  after(async () => {
    await app?.close();
    await browser?.close();
    fs.rmSync(`/dev/shm/sem.${name}`, { force: true });
    fs.rmSync(auditLog, { force: true });
    backend?.dispose();
  });

  test('the strict policy, as header and <meta>; the object list renders a real object; no violation, no error', async () => {
    const { page } = app;
    assert.equal(app.documentHeaders['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content'), metaPolicy(CONTENT_SECURITY_POLICY));
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /sha256-|'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
    // The built page has no inline script at all: every script is a file from the app's origin.
    const inlineScripts = await page.locator('script:not([src])').count();
    assert.equal(inlineScripts, 0);

    const row = await objectRow(app, name, 'packaged-page-under-csp-failed.png');
    assert.match(await row.innerText(), /posix-semaphore/);
    await row.click();
    await page.getByTestId('detail-state').getByText(/count 4/).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifact('packaged-page-under-csp.png') });

    assert.deepEqual(await app.violations(), [], 'no CSP violation');
    assert.deepEqual(app.errors, [], 'no console or page error');
  });

  test('Start demo: a double click starts one demo; a stop that fails says so and keeps Stop', async () => {
    const { page } = app;
    await page.getByLabel('Demo scenario').selectOption('producer-consumer');
    await page.getByRole('button', { name: 'Start demo' }).dblclick();
    await page.getByRole('status').filter({ hasText: /^Demo producer-consumer:/ }).waitFor({ timeout: 30_000 });
    const starts = auditEntries().filter((entry) => entry.action === 'start demo');
    assert.equal(starts.length, 1, `one demo started: ${JSON.stringify(starts)}`);

    // Someone replaced one of the demo's semaphores with something that is not one.
    const free = fs.readdirSync('/dev/shm').find((file) => file.startsWith('sem.SyncScopeDemo.producer-consumer.') && file.endsWith('.Free'));
    assert.ok(free, 'the demo made its semaphores');
    const freePath = `/dev/shm/${free}`;
    fs.rmSync(freePath);
    fs.mkdirSync(freePath);
    try {
      await page.getByRole('button', { name: 'Stop demo' }).click();
      await page.getByRole('status').filter({ hasText: /^Stopping the demo failed: .*not a regular file/ }).waitFor({ timeout: 30_000 });
      assert.equal(await page.getByRole('button', { name: 'Stop demo' }).isVisible(), true, 'Stop stays available');
      assert.equal(auditEntries().filter((entry) => entry.action === 'stop demo').at(-1)?.ok, false);
    } finally {
      fs.rmSync(freePath, { recursive: true, force: true });
    }
    await page.getByRole('button', { name: 'Stop demo' }).click();
    await page.getByRole('status').filter({ hasText: /^No demo was running/ }).waitFor({ timeout: 30_000 });
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((file) => file.includes('SyncScopeDemo.producer-consumer')), []);
    assert.deepEqual(app.errors, []);
  });

  test('the engine crashes: the window says so, the engine restarts, and the list is live again; the CPU budget set in the window outlives the engine', async () => {
    const { page } = app;
    // The budget field sets the engine's budget; the window remembers it.
    const budget = page.getByLabel('CPU budget (% of one core)');
    await budget.fill('3');
    await budget.press('Enter');
    await page.getByTestId('budget-status').getByText(/^CPU \d+\.\d % of 3 %/).waitFor({ timeout: 10_000 });
    const engine = standIn.utilityProcesses.find((child) => child.pid !== undefined && child.child.spawnargs.some((arg) => arg.endsWith('engine.cjs')))!;
    engine.child.kill('SIGKILL');
    await page.getByRole('alert').filter({ hasText: /The engine stopped; restarting it/ }).waitFor({ timeout: 20_000 });
    await page.getByRole('alert').filter({ hasText: /The engine stopped/ }).waitFor({ state: 'detached', timeout: 30_000 });
    // Something new after the restart reaches the list: the window is subscribed to the new engine.
    const later = `${name}_after`;
    backend!.create({ kind: 'posix-semaphore', name: later, count: 7 }).close();
    try {
      await page.getByLabel('Search by name').fill(later);
      await page.getByRole('row').filter({ hasText: later }).waitFor({ timeout: 30_000 });
    } finally {
      fs.rmSync(`/dev/shm/sem.${later}`, { force: true });
    }
    assert.equal(await page.getByRole('status').filter({ hasText: /replaced|disconnected/ }).count(), 0, 'no request failed on a replaced port');
    // The new engine started from the default budget; the window gave it the remembered one at
    // connect. Past one poll of the header (2 s), what the engine reports is that budget.
    await page.waitForTimeout(2500);
    assert.match(await page.getByTestId('budget-status').innerText(), /^CPU \d+\.\d % of 3 %/);
    assert.equal(await budget.inputValue(), '3');
    assert.deepEqual(app.errors, []);
  });
});
