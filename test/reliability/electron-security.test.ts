// The Electron hardening, tested in plain Node (no Electron binary here): main/policy.ts holds the
// decisions as plain functions, and main/security.ts and main/ipc.ts are loaded against a
// stand-in for the `electron` module that records what it is given, so the real code is what runs.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import { navigationAllowed, permissionAllowed, WINDOW_OPEN_DECISION } from '../../main/policy';
import { ProtocolError, REQUEST_NAMES, UPDATE_CHANNEL, ipcChannel, type RequestName } from '../../protocol';
import { CONTENT_SECURITY_POLICY } from '../../renderer/csp';
import { MemoryBackend } from '../support/memory-backend';
import { spyOn } from '../support/spy-backend';

const APP_FILE = 'file:///opt/SyncScope/resources/app/.vite/renderer/main_window/index.html';
const DEV_SERVER = 'http://localhost:5173/';

describe('main/policy.ts', () => {
  test('navigation: only to the app itself', () => {
    const cases: Array<[app: string, url: string, allowed: boolean]> = [
      [APP_FILE, APP_FILE, true],
      [APP_FILE, `${APP_FILE}#/detail`, true],
      [APP_FILE, `${APP_FILE}?x=1`, true],
      // file:// URLs all have the opaque origin "null": comparing origins let any file through.
      [APP_FILE, 'file:///etc/passwd', false],
      [APP_FILE, 'file:///opt/SyncScope/resources/app/.vite/renderer/main_window/other.html', false],
      [APP_FILE, 'file://attacker-share/index.html', false],
      [APP_FILE, 'https://example.com/', false],
      [APP_FILE, 'javascript:alert(1)', false],
      [APP_FILE, 'data:text/html,<script>alert(1)</script>', false],
      [APP_FILE, 'not a url', false],
      [APP_FILE, '', false],
      [DEV_SERVER, 'http://localhost:5173/index.html', true],
      [DEV_SERVER, 'http://localhost:5174/', false],
      [DEV_SERVER, 'http://127.0.0.1:5173/', false],
      [DEV_SERVER, 'https://localhost:5173/', false],
      [DEV_SERVER, 'http://localhost:5173@evil.example/', false],
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

// ---- main/security.ts against a stand-in electron module ----------------------------------------

class FakeWebContents extends EventEmitter {
  windowOpenHandler?: (details: { url: string }) => unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
}
class FakeBrowserWindow {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
    FakeBrowserWindow.created.push(this);
  }
}
const sessionCalls: {
  headers?: (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders: Record<string, string[]> }) => void) => void;
  permissionRequest?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  permissionCheck?: (contents: unknown, permission: string) => boolean;
} = {};
const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => unknown>();
const fakeElectron = {
  BrowserWindow: FakeBrowserWindow,
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, payload: unknown) => unknown) => ipcHandlers.set(channel, handler),
    removeHandler: (channel: string) => ipcHandlers.delete(channel),
  },
  session: {
    defaultSession: {
      webRequest: { onHeadersReceived: (listener: typeof sessionCalls.headers) => (sessionCalls.headers = listener) },
      setPermissionRequestHandler: (handler: typeof sessionCalls.permissionRequest) => (sessionCalls.permissionRequest = handler),
      setPermissionCheckHandler: (handler: typeof sessionCalls.permissionCheck) => (sessionCalls.permissionCheck = handler),
    },
  },
};

function withFakeElectron<T>(load: () => T): T {
  const electronPath = require.resolve('electron');
  require.cache[electronPath] = { id: electronPath, filename: electronPath, loaded: true, exports: fakeElectron } as unknown as NodeModule;
  return load();
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSecurity = () => withFakeElectron(() => require('../../main/security') as typeof import('../../main/security'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadIpc = () => withFakeElectron(() => require('../../main/ipc') as typeof import('../../main/ipc'));

function navigate(contents: FakeWebContents, event: string, url: string): boolean {
  let prevented = false;
  contents.emit(event, { preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('main/security.ts (against a stand-in for electron)', () => {
  const security = loadSecurity();

  test('the window: context isolation, sandbox, no Node, web security, no webviews, the preload given', () => {
    security.createSecureWindow({ preload: '/app/preload.cjs', title: 'SyncScope', width: 800, height: 600 });
    const { webPreferences } = FakeBrowserWindow.created.at(-1)!.options;
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
    const window = new FakeBrowserWindow({ webPreferences: {} });
    security.lockNavigation(window as never, APP_FILE);
    const contents = window.webContents;
    for (const event of ['will-navigate', 'will-redirect']) {
      assert.equal(navigate(contents, event, APP_FILE), false, `${event} to the app`);
      for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'garbage']) {
        assert.equal(navigate(contents, event, url), true, `${event} to ${url}`);
      }
    }
    assert.equal(navigate(contents, 'will-attach-webview', 'https://example.com/'), true);
    assert.deepEqual(contents.windowOpenHandler!({ url: 'https://example.com/' }), { action: 'deny' });
    assert.deepEqual(contents.windowOpenHandler!({ url: APP_FILE }), { action: 'deny' });
  });

  test('every response gets the CSP header; every permission request and check is refused', () => {
    security.enforceContentSecurityPolicy();
    let headers: Record<string, string[]> | undefined;
    sessionCalls.headers!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (response) => (headers = response.responseHeaders));
    assert.deepEqual(headers, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
    assert.match(CONTENT_SECURITY_POLICY, /object-src 'none'/);
    assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
    for (const permission of ['media', 'notifications', 'openExternal', 'geolocation']) {
      let granted: boolean | undefined;
      sessionCalls.permissionRequest!({}, permission, (answer) => (granted = answer));
      assert.equal(granted, false, permission);
      assert.equal(sessionCalls.permissionCheck!({}, permission), false, permission);
    }
  });
});

// ---- main/ipc.ts: the IPC door, with a window whose frame goes away mid-stream ------------------

class FakeSender extends EventEmitter {
  destroyed = false;
  sent: Array<[string, unknown]> = [];
  throwOnSend = false;
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, payload: unknown): void {
    if (this.throwOnSend) throw new Error('Render frame was disposed before WebFrameMain could be accessed');
    this.sent.push([channel, payload]);
  }
}

describe('main/ipc.ts (against a stand-in for electron)', () => {
  test('requests from a frame that is not the app are refused before the engine; the app\'s own are answered', async () => {
    const { registerIpc } = loadIpc();
    const memory = new MemoryBackend().add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
    const spied = spyOn(memory);
    const service = new Service(spied.backend, { attribution: false, audit: new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-ipc-')), 'audit.log'), 'test') });
    const unregister = registerIpc(service, (url) => navigationAllowed(APP_FILE, url));
    try {
      assert.deepEqual([...ipcHandlers.keys()].sort(), REQUEST_NAMES.map((n) => ipcChannel(n)).sort());
      const sender = new FakeSender();
      const call = (name: RequestName, payload: unknown, url: string | null = APP_FILE) =>
        Promise.resolve().then(() => ipcHandlers.get(ipcChannel(name))!({ sender, senderFrame: url === null ? null : { url } }, payload));

      const session = (await call('session', {})) as { transport: string };
      assert.equal(session.transport, 'electron');
      for (const url of ['https://example.com/', 'file:///tmp/evil.html', '', null]) {
        await assert.rejects(call('show', { name: 'Ev' }, url), (e: unknown) => e instanceof ProtocolError && /did not come from the app/.test(e.message), String(url));
        await assert.rejects(call('act', { action: 'set', name: 'Ev' }, url), ProtocolError);
      }
      assert.deepEqual(spied.calls, [], 'nothing reached the backend');
      await assert.rejects(call('show', { name: 'a\u202Eb' }), (e: unknown) => e instanceof ProtocolError && /^show: name: /.test(e.message));
      assert.deepEqual(spied.calls, []);
      assert.equal(((await call('show', { name: 'Ev' })) as { path: string }).path, '\\Memory\\Ev');

      // The stream: a snapshot on subscribe; a send that throws (the frame went away mid-reload)
      // does not break the engine; the window's destruction releases the subscription.
      const baseline = service.sampler.stream.subscriberCount;
      await call('subscribe', {});
      assert.equal(sender.sent[0][0], UPDATE_CHANNEL);
      assert.equal(service.sampler.stream.subscriberCount, baseline + 1);
      await call('ack', {});
      sender.throwOnSend = true;
      memory.objects.get('\\Memory\\Ev')!.state.signaled = true;
      service.sampler.scanTick();
      assert.doesNotThrow(() => service.sampler.stateTick());
      assert.equal(service.sampler.stream.sendErrors, 1);
      sender.throwOnSend = false;
      sender.destroyed = true;
      sender.emit('destroyed');
      assert.equal(service.sampler.stream.subscriberCount, baseline);
    } finally {
      unregister();
      await service.dispose();
    }
    assert.equal(ipcHandlers.size, 0, 'unregister removes every handler');
  });
});
