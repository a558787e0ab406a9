// End to end in a real browser over the Linux backend: serve mode in Linux Node, the renderer in
// Debian's Chromium, a POSIX semaphore made by another real process.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { OTHER_USER, ROOT, notLinux, secondUserMissing } from '../support/linux';

const skip = notLinux ?? chromiumMissing();
const CLI = path.join(ROOT, 'dist/cli.cjs');
const name = `SyncScopeE2E_${process.pid}`;

function startCli(args: string[], user?: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = user
    ? spawn('runuser', ['-u', user, '--', process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function waitForOutput(run: { output: () => string }, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = run.output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; have: ${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function countSeenByAnotherProcess(): number {
  const shown = spawnSync(process.execPath, [CLI, 'show', name, '--json'], { encoding: 'utf8' });
  assert.equal(shown.status, 0, shown.stderr);
  return JSON.parse(shown.stdout).state.count;
}

describe('browser E2E over the Linux backend', { skip, timeout: 300_000 }, () => {
  const children: ChildProcess[] = [];
  let browser: Browser;
  let url: string;

  before(async () => {
    const owner = startCli(['create', 'posix-semaphore', name, '--count', '2', '--hold', '240']);
    children.push(owner.child);
    await waitForOutput(owner, /created posix-semaphore/, 20_000);
    const server = startCli(['serve', '--allow-actions', '--interval', '50', '--duration', '240', '--cpu-budget', '30']);
    children.push(server.child);
    url = (await waitForOutput(server, /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/, 20_000))[0];
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(`/dev/shm/sem.${name}`, { force: true });
  });

  test('list, detail with a growing chart, Release confirmed changes the real semaphore', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(url);
    await page.getByLabel('Search by name').fill(name);
    const row = page.getByRole('row').filter({ hasText: name });
    await row.waitFor({ timeout: 20_000 });
    assert.match(await row.innerText(), /posix-semaphore/);
    await row.click();
    const state = page.getByTestId('detail-state');
    await state.getByText(/count 2/).waitFor({ timeout: 10_000 });

    await page.locator('[data-testid=state-chart] .recharts-line-curve').first().waitFor({ state: 'attached', timeout: 10_000 });
    const width = () =>
      page.locator('[data-testid=state-chart] .recharts-line-curve').first().evaluate((el) => (el as SVGGraphicsElement).getBBox().width);
    const before = await width();
    await page.waitForTimeout(2000);
    assert.ok((await width()) > before + 5, 'the chart grows');

    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: /^Release: / }).waitFor({ timeout: 10_000 });
    assert.equal(countSeenByAnotherProcess(), 3, 'another process sees the posted unit');
    await state.getByText(/count 3/).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifact('e2e-linux-after-release.png') });

    // The audit log shows what was done, through the app.
    await page.getByRole('button', { name: 'Audit log' }).click();
    const audit = page.getByRole('dialog', { name: 'Audit log' });
    await audit.getByText(name).first().waitFor({ timeout: 10_000 });
    assert.match(await audit.innerText(), /release/);
    await audit.getByRole('button', { name: 'Close' }).click();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a pending Acquire shows Cancel wait; Cancel ends the wait in the engine (another process sees no waiter left)', { timeout: 120_000 }, async () => {
    // Not a name the other tests' searches for `name` match.
    const empty = `SyncScopeE2EWait_${process.pid}`;
    const owner = startCli(['create', 'posix-semaphore', empty, '--count', '0', '--hold', '200']);
    children.push(owner.child);
    await waitForOutput(owner, /created posix-semaphore/, 20_000);
    const stateOf = () => {
      const shown = spawnSync(process.execPath, [CLI, 'show', empty, '--json'], { encoding: 'utf8' });
      assert.equal(shown.status, 0, shown.stderr);
      return JSON.parse(shown.stdout).state as { count: number; waiters: number };
    };
    const until = async (what: string, probe: () => boolean) => {
      const deadline = Date.now() + 20_000;
      while (!probe()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(url);
      await page.getByLabel('Search by name').fill(empty);
      const row = page.getByRole('row').filter({ hasText: empty });
      await row.waitFor({ timeout: 20_000 });
      await row.click();
      await page.getByLabel('Wait up to (ms)').fill('600000');
      await page.getByRole('button', { name: 'Acquire', exact: true }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
      const pending = page.getByTestId('pending-wait');
      await pending.waitFor({ timeout: 10_000 });
      // The engine's wait thread is in sem_clockwait: glibc counts it in the semaphore's word.
      await until('another process to see one waiter', () => stateOf().waiters === 1);
      await pending.getByRole('button', { name: 'Cancel wait' }).click();
      await page.getByRole('status').filter({ hasText: /^Acquire failed: .*cancelled by the user/ }).waitFor({ timeout: 10_000 });
      assert.equal(await pending.count(), 0, 'the pending line is gone');
      await until('the waiter to leave', () => stateOf().waiters === 0);
      // Nobody waits any more: a unit posted now stays.
      const posted = spawnSync(process.execPath, [CLI, 'post', empty], { encoding: 'utf8' });
      assert.equal(posted.status, 0, posted.stderr);
      assert.equal(stateOf().count, 1);
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      owner.child.kill('SIGKILL');
      fs.rmSync(`/dev/shm/sem.${empty}`, { force: true });
    }
  });

  test('the header shows the CPU used against the budget, the setting changes it, the list tells the engine its visible rows', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const visibleSent: string[][] = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', (frame) => {
        const message = JSON.parse(String(frame.payload));
        if (message.channel === 'setVisible') visibleSent.push(message.payload.paths);
      }),
    );
    await page.goto(url);
    // serve's --cpu-budget 30 is what the header reports (ample for the demo test's workers).
    const status = page.getByTestId('budget-status');
    await status.getByText(/^CPU \d+\.\d % of 30 %/).waitFor({ timeout: 10_000 });

    // Filtered down to one row, the list says so once it is still, and then says nothing more.
    await page.getByLabel('Search by name').fill(name);
    await page.getByRole('row').filter({ hasText: name }).waitFor({ timeout: 20_000 });
    const deadline = Date.now() + 10_000;
    while (JSON.stringify(visibleSent.at(-1)) !== JSON.stringify([`/dev/shm/sem.${name}`])) {
      assert.ok(Date.now() < deadline, `visible rows sent: ${JSON.stringify(visibleSent.slice(-3))}`);
      await page.waitForTimeout(100);
    }
    const sends = visibleSent.length;
    await page.waitForTimeout(1500);
    assert.equal(visibleSent.length, sends, 'renders without a change of rows send nothing');

    // The setting: a new budget reaches the engine; one out of range is refused and changes nothing.
    const input = page.getByLabel('CPU budget (% of one core)');
    await input.fill('2.5');
    await input.press('Enter');
    await status.getByText(/ of 2\.5 %/).waitFor({ timeout: 10_000 });
    await input.fill('200');
    await input.press('Enter');
    await page.getByRole('status').filter({ hasText: /CPU budget: give a percent of one core from 0\.5 to 100/ }).waitFor({ timeout: 10_000 });
    assert.equal(await input.inputValue(), '2.5');
    // The engine holds it: a reloaded page is told the budget by the session.
    await page.reload();
    await page.getByTestId('budget-status').getByText(/ of 2\.5 %/).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByLabel('CPU budget (% of one core)').inputValue(), '2.5');
    await page.screenshot({ path: artifact('e2e-linux-budget.png') });
    await page.getByLabel('CPU budget (% of one core)').fill('30');
    await page.getByLabel('CPU budget (% of one core)').press('Enter');
    await page.getByTestId('budget-status').getByText(/ of 30 %/).waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the Demos menu starts real workers and the contention overview ranks their lock', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    await page.getByLabel('Demo scenario').selectOption('producer-consumer');
    await page.getByRole('button', { name: 'Start demo' }).click();
    await page.getByRole('status').filter({ hasText: /^Demo producer-consumer:/ }).waitFor({ timeout: 20_000 });
    const overview = page.getByRole('region', { name: 'Most contended' });
    await overview.getByText(/SyncScopeDemo\.producer-consumer/).first().waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifact('e2e-linux-demo.png') });
    await page.getByRole('button', { name: 'Stop demo' }).click();
    await page.getByRole('status').filter({ hasText: /Demo stopped/ }).waitFor({ timeout: 20_000 });
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.includes('SyncScopeDemo.producer-consumer')), []);
    await page.close();
  });

  test('holders another user cannot read: the detail pane says how many, and which on request', { skip: secondUserMissing(), timeout: 120_000 }, async () => {
    const shared = `SyncScopeE2EShared_${process.pid}`;
    const owner = startCli(['create', 'posix-semaphore', shared, '--count', '1', '--mode', '644', '--hold', '120']);
    children.push(owner.child);
    await waitForOutput(owner, /created posix-semaphore/, 20_000);
    // Serve mode as a user who cannot read root's /proc/<pid>/maps: holders are incomplete.
    const server = startCli(['serve', '--interval', '50', '--duration', '120'], OTHER_USER);
    children.push(server.child);
    const otherUrl = (await waitForOutput(server, /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/, 20_000))[0];
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    try {
      await page.goto(otherUrl);
      await page.getByLabel('Search by name').fill(shared);
      const row = page.getByRole('row').filter({ hasText: shared });
      await row.waitFor({ timeout: 20_000 });
      await row.click();
      const note = page.getByTestId('holders-incomplete');
      await note.waitFor({ timeout: 15_000 });
      const text = await note.innerText();
      assert.match(text, /^incomplete: (\d+) process(es)? could not be read in \/proc \(run as their user or root\)/);
      assert.doesNotMatch(text, /pids?\b/, 'no pid list until asked');
      await note.getByRole('button', { name: 'Which processes?' }).click();
      const pids = await page.getByTestId('holders-unreadable-pids').innerText();
      // The holding process is root's: it is among those that could not be read.
      assert.ok(pids.split(/[ ,]+/).includes(String(owner.child.pid)), `${owner.child.pid} in ${pids}`);
    } finally {
      await page.close();
      server.child.kill('SIGKILL');
      owner.child.kill('SIGKILL');
      fs.rmSync(`/dev/shm/sem.${shared}`, { force: true });
    }
  });
});
