// `npm start`'s page: the renderer from Vite's dev server, under exactly the headers main sets in
// dev (its onHeadersReceived listener, applied to every dev-server response) and the <meta> policy
// the page carries, with the real preload and a real engine behind it (test/support/app-in-
// browser.ts). The object list renders a real object, and Chromium reports no CSP violation and
// no error: in particular, the React plugin's inline preamble runs, allowed by its hash alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { loadBackend } from '../../native';
import { objectRow, openApp, type AppInBrowser } from '../support/app-in-browser';
import { artifact, chromiumMissing, launchChromium } from '../support/browser';
import { ROOT, RUN_PREFIX, notLinux } from '../support/linux';

const skip = notLinux ?? chromiumMissing();
const name = `${RUN_PREFIX}_devpage`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('the dev page under the dev CSP (npm start without Electron)', { skip, timeout: 180_000 }, () => {
  let vite: ViteDevServer;
  let browser: Browser;
  let app: AppInBrowser;
  const backend = skip ? undefined : loadBackend();

  before(async () => {
    backend!.create({ kind: 'posix-semaphore', name, count: 2 }).close();
    const port = await freePort();
    vite = await createServer({ configFile: path.join(ROOT, 'vite.renderer.config.mts'), server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
    await vite.listen();
    browser = await launchChromium();
    app = await openApp(browser, { devServerUrl: `http://127.0.0.1:${port}/` });
  });

  after(async () => {
    await app?.close();
    await browser?.close();
    await vite?.close();
    fs.rmSync(`/dev/shm/sem.${name}`, { force: true });
    backend?.dispose();
  });

  test('the object list renders a real object; no CSP violation, no error', async () => {
    const { page } = app;
    const policy = app.documentHeaders['content-security-policy'];
    assert.match(policy, /script-src 'self' 'sha256-[A-Za-z0-9+/]+=*';/, 'main\'s dev header allows the preamble by its hash');
    assert.doesNotMatch(policy, /script-src[^;]*'unsafe-(inline|eval)'/, 'and nothing else');
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(meta ?? '', /script-src 'self' 'sha256-/, 'the page carries the same policy');

    const row = await objectRow(app, name, 'dev-page-under-csp-failed.png');
    assert.match(await row.innerText(), /posix-semaphore/);
    await row.click();
    await page.getByTestId('detail-state').getByText(/count 2/).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: artifact('dev-page-under-csp.png') });

    assert.deepEqual(await app.violations(), [], 'no CSP violation');
    assert.deepEqual(app.errors, [], 'no console or page error');
  });
});
