// Issue 13 in the app, in Chromium with the real preload and engine (test/support/app-in-browser.ts),
// against real stuck programs: two util-linux flock(1) chains deadlocked through their parents'
// waits raise the deadlock banner; its link opens the wait-for graph, drawn with the cycle in red;
// a click on a process in it opens the Processes view with the verdict. Python's multiprocessing
// (fork) leaves unlinked semaphores: the object list shows the ones someone waits on, by default.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { openApp, type AppInBrowser } from '../support/app-in-browser';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { ROOT, RUN_PREFIX, cleanupAll, notLinux, tempDir, waitFor } from '../support/linux';
import { Program, blockedIn, childrenOf } from '../support/programs';
import { runtimeMissing } from '../support/runtime';

const FLOCK = 73;
const skip = notLinux ?? chromiumMissing() ?? runtimeMissing('util-linux flock', ['flock', '--version']) ?? runtimeMissing('python3', ['python3', '--version']);

describe("the app's deadlock banner, wait-for graph and Processes view, on real stuck programs", { skip, timeout: 240_000 }, () => {
  let browser: Browser;
  let app: AppInBrowser;
  let first: Program;
  let second: Program;
  let inner: number[];
  let python: Program;
  let facts: { lockWaiters: number[] };

  before(async () => {
    const dir = tempDir();
    const [c, d] = [path.join(dir, 'c.lock'), path.join(dir, 'd.lock')];
    fs.writeFileSync(c, '');
    fs.writeFileSync(d, '');
    first = new Program('flock', [c, 'sh', '-c', `sleep 0.5; exec flock ${d} sleep 600`]);
    second = new Program('flock', [d, 'sh', '-c', `sleep 0.5; exec flock ${c} sleep 600`]);
    inner = await waitFor('both inner flocks blocked', () => {
      const children = [...childrenOf(first.pid), ...childrenOf(second.pid)];
      return children.length === 2 && children.every((pid) => blockedIn(pid) === FLOCK) && children;
    });
    python = new Program('python3', [path.join(ROOT, 'test/fixtures/mp-stuck.py'), 'fork', `${RUN_PREFIX}-app`]);
    facts = (await python.first(30_000)) as typeof facts;
    await waitFor('the lock waiters in futex', () => facts.lockWaiters.every((pid) => blockedIn(pid) === 202), 30_000);
    browser = await launchChromium();
    app = await openApp(browser, { rendererDir: path.join(ROOT, 'dist/renderer') });
  });

  after(async () => {
    await app?.close();
    await browser?.close();
    cleanupAll();
  });

  test('a deadlock raises the banner; the graph draws the cycle in red; a click on a process explains it', async () => {
    const { page } = app;
    const banner = page.getByRole('alert').filter({ hasText: /^Deadlock\./ });
    await banner.waitFor({ timeout: 30_000 });
    const text = await page.getByTestId('deadlock-text').innerText();
    assert.match(text, /^deadlocked: /);
    for (const pid of [first.pid, second.pid]) assert.match(text, new RegExp(`\\(${pid}\\)`), `the banner names ${pid}`);

    await banner.getByRole('button', { name: 'Show it in the wait-for graph' }).click();
    const canvas = page.getByTestId('wait-graph-canvas');
    await canvas.waitFor({ timeout: 10_000 });
    const cycleNodes = canvas.locator('.react-flow__node.in-cycle');
    await cycleNodes.first().waitFor({ timeout: 10_000 });
    // Four actors (two flock parents, two inner flocks) and the two locks, all on the cycle.
    assert.ok((await cycleNodes.count()) >= 6, `nodes on the cycle: ${await cycleNodes.count()}`);
    assert.ok((await canvas.locator('.react-flow__edge.in-cycle').count()) >= 6, 'the cycle\'s edges');
    const red = await canvas.locator('.react-flow__edge.in-cycle path.react-flow__edge-path').first().evaluate((el) => getComputedStyle(el).stroke);
    assert.notEqual(red, '', 'the cycle is drawn in its own colour');
    // Laid out, not piled up: no two nodes at the same place.
    const boxes = await canvas.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect()).map((r) => `${Math.round(r.x)},${Math.round(r.y)}`));
    assert.equal(new Set(boxes).size, boxes.length, `overlapping nodes: ${boxes.join(' ')}`);
    await page.screenshot({ path: artifact('wait-for-graph-deadlock.png') });

    await canvas.locator('.react-flow__node', { hasText: `(${first.pid})` }).first().click();
    const verdict = page.getByTestId('verdict').first();
    await verdict.waitFor({ timeout: 30_000 });
    assert.match(await verdict.innerText(), new RegExp(`^deadlocked: thread ${first.pid} waits for child flock \\(${inner[0]}\\) to exit`));
    await page.screenshot({ path: artifact('processes-view-deadlock.png') });
    assert.deepEqual(app.errors, []);
  });

  test('the Processes view finds a process by name and pid, and follows a link to another', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Processes' }).click();
    const waiter = facts.lockWaiters[0];
    await page.getByLabel('Process ID or name').fill(String(waiter));
    await page.getByRole('button', { name: 'Why is it stuck?' }).click();
    const report = page.getByRole('article', { name: `python3 (${waiter})` });
    await report.waitFor({ timeout: 30_000 });
    assert.match(await report.getByTestId('verdict').innerText(), /^waiting for semaphore sem\.\S{6} \(deleted, count 0\) for at least \d/);
    // Its thread's wait names the unnamed semaphore; a link there opens it in the object list.
    const object = report.getByRole('button', { name: /^semaphore sem\.\S{6} \(deleted, count 0\)$/ }).first();
    await object.click();
    await page.getByTestId('detail-state').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('.detail header h2').innerText(), /^sem\.\S{6} \(deleted\)$/);

    await page.getByRole('tab', { name: 'Processes' }).click();

    await page.getByLabel('Process ID or name').fill('flock');
    await page.getByRole('button', { name: 'Why is it stuck?' }).click();
    await page.getByRole('article', { name: `flock (${first.pid})` }).waitFor({ timeout: 30_000 });
    await page.getByRole('article', { name: `flock (${second.pid})` }).waitFor({ timeout: 30_000 });
    assert.deepEqual(app.errors, []);
  });

  test("unnamed semaphores: the list shows the ones someone waits on, by default; 'all' shows every one", async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Objects' }).click();
    await page.getByLabel('Search by name').fill('(deleted)');
    // The Lock with two waiters and the Semaphore(0) with one: both waited on.
    const rows = page.getByRole('row').filter({ hasText: /sem\..+ \(deleted\)/ });
    await rows.first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2500); // past a holder and waiter walk (every 2 s)
    const shown = await rows.count();
    // The Lock (two waiters) and the Semaphore(0) (one); not the `ready` semaphore nobody waits on.
    assert.ok(shown >= 2, `waited-on unnamed semaphores listed: ${shown}`);
    for (const text of await rows.allInnerTexts()) assert.match(text, /posix-semaphore/);
    await page.getByLabel('Unnamed: only waited on or held').uncheck();
    const deadline = Date.now() + 10_000;
    while ((await rows.count()) <= shown && Date.now() < deadline) await page.waitForTimeout(200);
    assert.ok((await rows.count()) > shown, 'unchecked, the filter shows the one nobody waits on too');
    await page.screenshot({ path: artifact('unnamed-semaphores.png') });
    assert.deepEqual(app.errors, []);
  });
});
