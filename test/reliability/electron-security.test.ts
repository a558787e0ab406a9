// The Electron hardening, tested in plain Node (no Electron binary here): main/policy.ts holds the
// decisions as plain functions, and main/security.ts and main/renderer-scheme.ts are loaded against
// the stand-in for the `electron` module (test/fixtures/electron-stand-in.ts), so the real code is
// what runs. Which frames get a port to the engine: test/app/engine-process.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { APP_ORIGIN, navigationAllowed, permissionAllowed, WINDOW_OPEN_DECISION } from '../../main/policy';
import { CONTENT_SECURITY_POLICY, developmentPolicy } from '../../renderer/csp.mts';
import { BrowserWindow, installAsElectron, standIn } from '../fixtures/electron-stand-in';

installAsElectron();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const security = require('../../main/security') as typeof import('../../main/security');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const scheme = require('../../main/renderer-scheme') as typeof import('../../main/renderer-scheme');

const APP_PAGE = `${APP_ORIGIN}/index.html`;
const DEV_SERVER = 'http://localhost:5173/';

describe('main/policy.ts', () => {
  test('navigation: only to the app itself', () => {
    const cases: Array<[app: string, url: string, allowed: boolean]> = [
      [APP_PAGE, APP_PAGE, true],
      [APP_PAGE, `${APP_PAGE}#/detail`, true],
      [APP_PAGE, `${APP_ORIGIN}/assets/index.js?x=1`, true],
      // The scheme is not special to URL: its origin is "null" for every host, so comparing
      // origins would let any syncscope:// host through.
      [APP_PAGE, 'syncscope://other/index.html', false],
      [APP_PAGE, 'syncscope://app@evil/index.html', false],
      [APP_PAGE, 'syncscope://user@app/index.html', false],
      [APP_PAGE, 'file:///etc/passwd', false],
      [APP_PAGE, 'file:///opt/SyncScope/resources/app/.vite/renderer/main_window/index.html', false],
      [APP_PAGE, 'https://example.com/', false],
      [APP_PAGE, 'javascript:alert(1)', false],
      [APP_PAGE, 'data:text/html,<script>alert(1)</script>', false],
      [APP_PAGE, 'not a url', false],
      [APP_PAGE, '', false],
      [DEV_SERVER, 'http://localhost:5173/index.html', true],
      [DEV_SERVER, 'http://localhost:5174/', false],
      [DEV_SERVER, 'http://127.0.0.1:5173/', false],
      [DEV_SERVER, 'https://localhost:5173/', false],
      [DEV_SERVER, 'http://localhost:5173@evil.example/', false],
      ['file:///opt/app/index.html', 'file:///opt/app/index.html', false],
      ['not a url', 'not a url', false],
      ['chrome://settings', 'chrome://settings', false],
    ];
    for (const [app, url, allowed] of cases) assert.equal(navigationAllowed(app, url), allowed, `${app} -> ${url}`);
  });

  test('permissions: none is ever granted; new windows: always denied', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'clipboard-read', 'fullscreen', 'pointerLock', 'unknown']) {
      assert.equal(permissionAllowed(permission), false, permission);
    }
    assert.deepEqual(WINDOW_OPEN_DECISION, { action: 'deny' });
  });
});

function navigate(window: BrowserWindow, event: string, url: string): boolean {
  let prevented = false;
  window.webContents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('main/security.ts (against a stand-in for electron)', () => {
  test('the window: context isolation, sandbox, no Node, web security, no webviews, the preload given', () => {
    security.createSecureWindow({ preload: '/app/preload.cjs', title: 'SyncScope', width: 800, height: 600 });
    const { webPreferences } = BrowserWindow.all.at(-1)!.options;
    assert.deepEqual(webPreferences, {
      preload: '/app/preload.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
    });
  });

  test('navigation and redirects away from the app are prevented, webviews too; new windows are denied', () => {
    const window = new BrowserWindow({ webPreferences: {} });
    security.lockNavigation(window as never, APP_PAGE);
    const contents = window.webContents;
    for (const event of ['will-navigate', 'will-redirect']) {
      assert.equal(navigate(window, event, APP_PAGE), false, `${event} to the app`);
      for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'garbage']) {
        assert.equal(navigate(window, event, url), true, `${event} to ${url}`);
      }
    }
    assert.equal(navigate(window, 'will-attach-webview', 'https://example.com/'), true);
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.com/' }), { action: 'deny' });
    assert.deepEqual(contents.windowOpenHandler!({ url: APP_PAGE }), { action: 'deny' });
  });

  test('every response gets the CSP header main is given; every permission request and check is refused', () => {
    for (const policy of [CONTENT_SECURITY_POLICY, developmentPolicy(['sha256-Z2/iFzh9VMlVkEOar1f/oSHWwQk3ve1qk/C2WdsC4Xk='])]) {
      security.enforceContentSecurityPolicy(policy);
      let headers: Record<string, string[]> | undefined;
      standIn.headersListener!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
      assert.deepEqual(headers, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [policy] });
    }
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-eval|script-src[^;]*unsafe-inline/);
    assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    for (const permission of ['media', 'notifications', 'openExternal', 'geolocation']) {
      let granted: boolean | undefined;
      standIn.permissionRequest!({}, permission, (answer) => (granted = answer));
      assert.equal(granted, false, permission);
      assert.equal(standIn.permissionCheck!({}, permission), false, permission);
    }
  });

  test('the dev policy adds exactly the given script hashes and loosens nothing else', () => {
    const hash = 'sha256-Z2/iFzh9VMlVkEOar1f/oSHWwQk3ve1qk/C2WdsC4Xk=';
    const dev = developmentPolicy([hash]);
    assert.equal(dev, CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' '${hash}'`));
    assert.throws(() => developmentPolicy(["'unsafe-inline'"]), /not sha256/);
  });
});

describe('main/renderer-scheme.ts: the packaged page from the app\'s own scheme', () => {
  test('the scheme is privileged as standard and secure, and nothing more (no CORS reads, no CSP bypass)', () => {
    scheme.registerAppScheme();
    assert.deepEqual(standIn.privilegedSchemes.at(-1), { scheme: 'syncscope', privileges: { standard: true, secure: true, codeCache: true } });
  });

  test('files come from the renderer folder, also under an install path with # and spaces, with the strict CSP', async () => {
    // The old file:// URL was built by string concatenation: a '#' in the install path cut it.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'Sync Scope #1 '));
    const renderer = path.join(root, 'resources', 'app', '.vite', 'renderer', 'main_window');
    fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>SyncScope</title>');
    fs.writeFileSync(path.join(renderer, 'assets', 'index-1.js'), 'export {};');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'outside the renderer');
    try {
      scheme.serveRenderer(renderer);
      const handler = standIn.protocolHandlers.get('syncscope')!;
      const page = await handler(new Request(scheme.rendererUrl(undefined)));
      assert.equal(page.status, 200);
      assert.equal(await page.text(), '<!doctype html><title>SyncScope</title>');
      assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
      const script = await handler(new Request(`${APP_ORIGIN}/assets/index-1.js`));
      assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
      for (const url of [`${APP_ORIGIN}/../../../../secret.txt`, `${APP_ORIGIN}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt`, `${APP_ORIGIN}/..%2f..%2f..%2f..%2fsecret.txt`, 'syncscope://elsewhere/index.html', `${APP_ORIGIN}/missing.js`]) {
        const response = await handler(new Request(url));
        assert.equal(response.status, 404, url);
      }
      assert.equal((await handler(new Request(`${APP_ORIGIN}/%E0%A4%A`))).status, 400, 'a malformed escape is a bad request, not a crash');
      assert.equal(scheme.rendererUrl('http://localhost:5173/'), 'http://localhost:5173/', 'the dev server in development');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
