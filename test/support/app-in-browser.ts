// The app without the Electron binary, as close to it as this machine allows: main's real code
// (main/main.ts bundled as Forge bundles it) runs in this process with the electron stand-in, the
// engine runs in its own process over the real backend, and the window is Debian's Chromium
// showing the real renderer with the real preload (bundled with test/support/preload-electron-
// shim.ts in place of Electron's ipcRenderer and contextBridge), under exactly the headers main
// sets: the dev server's responses pass through main's onHeadersReceived listener; the packaged
// page comes from main's syncscope:// handler, served here over loopback http.
//
// Differences from Electron, kept in mind: the page's origin is the dev server's, or a loopback
// origin standing in for syncscope://app (the test tells main the frame is syncscope://app, which
// is what the real window's frame would say); the preload runs in the page's world, not an
// isolated one; IPC and port messages hop through this process.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { loadConfigFromFile } from 'vite';
import { BrowserWindow, installAsElectron, standIn, type StandInPort } from '../fixtures/electron-stand-in';
import { artifact } from './browser';
import { ROOT } from './linux';

export interface AppInBrowser {
  page: Page;
  /** CSP violations the page reported (securitypolicyviolation), and console or page errors. */
  violations: () => Promise<Array<{ directive: string; blocked: string; sample: string }>>;
  errors: string[];
  /** The headers the page document arrived with. */
  documentHeaders: Record<string, string>;
  close(): Promise<void>;
}

/** The object list's row for `name`, searched for; on a timeout, a screenshot and what the page reported. */
export async function objectRow(app: AppInBrowser, name: string, screenshot: string) {
  await app.page.getByLabel('Search by name').fill(name);
  const row = app.page.getByRole('row').filter({ hasText: name });
  await row.waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    await app.page.screenshot({ path: artifact(screenshot) });
    throw new Error(`${String(error)}\nerrors: ${app.errors.join('\n')}\nviolations: ${JSON.stringify(await app.violations())}`);
  });
  return row;
}

/** Bundles main/main.ts with what Forge's Vite plugin and vite.main.config.mts would define. */
async function buildMain(dir: string, devServerUrl: string | undefined): Promise<string> {
  const outfile = path.join(dir, 'build/main.cjs');
  // vite.main.config.mts loaded as Vite (and so Forge) loads it: its define is what main gets.
  const loaded = await loadConfigFromFile({ command: devServerUrl ? 'serve' : 'build', mode: devServerUrl ? 'development' : 'production' }, path.join(ROOT, 'vite.main.config.mts'), ROOT, 'silent');
  const define: Record<string, string> = {
    MAIN_WINDOW_VITE_NAME: '"main_window"',
    ...(loaded?.config.define as Record<string, string>),
  };
  if (devServerUrl) define.MAIN_WINDOW_VITE_DEV_SERVER_URL = JSON.stringify(devServerUrl);
  await build({ entryPoints: [path.join(ROOT, 'main/main.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', external: ['electron', 'koffi'], define, logLevel: 'warning' });
  for (const bundle of ['engine.cjs', 'demo-worker.cjs']) fs.copyFileSync(path.join(ROOT, 'dist', bundle), path.join(dir, 'build', bundle));
  return outfile;
}

/** The real preload, with the shim standing in for Electron, as a script for the page. */
async function buildPreload(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(ROOT, 'preload/preload.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    alias: { electron: path.join(ROOT, 'test/support/preload-electron-shim.ts') },
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

const VIOLATION_RECORDER = `
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__violations.push({ directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample, source: event.sourceFile + ':' + event.lineNumber + ':' + event.columnNumber });
  });
`;

/**
 * Starts main (and so the engine) and opens its window in Chromium. `devServerUrl`: the Vite dev
 * server main was started for (`npm start`); without it, the packaged renderer from `rendererDir`
 * through main's scheme handler.
 */
export async function openApp(browser: Browser, options: { devServerUrl?: string; rendererDir?: string }): Promise<AppInBrowser> {
  installAsElectron();
  // Inside the project, as .vite/ is in `npm start`: the engine finds koffi in node_modules.
  fs.mkdirSync(path.join(ROOT, '.test-work'), { recursive: true });
  const work = fs.mkdtempSync(path.join(ROOT, '.test-work', 'app-'));
  const mainBundle = await buildMain(work, options.devServerUrl);
  if (options.rendererDir) fs.cpSync(options.rendererDir, path.join(work, 'renderer/main_window'), { recursive: true });
  const windowCreated = new Promise<BrowserWindow>((resolve) => standIn.once('window', resolve));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(mainBundle);
  const window = await windowCreated;
  while (!window.webContents.url) await new Promise((resolve) => setTimeout(resolve, 10));
  const appUrl = new URL(window.webContents.url);

  // The packaged page: main's own handler answers every request, its headers untouched.
  let server: http.Server | undefined;
  let pageUrl = appUrl.toString();
  if (!options.devServerUrl) {
    const handler = standIn.protocolHandlers.get(appUrl.protocol.slice(0, -1));
    if (!handler) throw new Error(`main registered no handler for ${appUrl.protocol}`);
    server = http.createServer(async (request, response) => {
      const reply = await handler(new Request(new URL(request.url ?? '/', appUrl.origin === 'null' ? `${appUrl.protocol}//${appUrl.host}` : appUrl.origin)));
      response.writeHead(reply.status, Object.fromEntries(reply.headers));
      response.end(Buffer.from(await reply.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${appUrl.pathname}`;
  }
  /** The frame URL main would see for a page URL: the app's scheme stands behind the loopback origin. */
  const frameUrl = (url: string) => (options.devServerUrl ? url : `${appUrl.protocol}//${appUrl.host}${new URL(url).pathname}`);

  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  // Pages fulfilled by page.route count as public to Chromium's Local Network Access checks, which
  // then block the dev server's HMR WebSocket to loopback (see launchChromium's flag); Electron
  // loads the dev page straight from the server and has no such check.
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => (message.type() === 'error' ? errors.push(`console: ${message.text()}`) : undefined));
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));

  // main → window, in order.
  let queue: Promise<unknown> = Promise.resolve();
  type ShimCall = 'send' | 'port' | 'fromEngine';
  const toPage = (call: ShimCall, ...args: unknown[]) =>
    (queue = queue
      .then(() =>
        page.evaluate(([name, values]) => {
          const shim = (window as unknown as { __syncscopeShim: Record<string, (...a: unknown[]) => void> }).__syncscopeShim;
          shim[name as string](...(values as unknown[]));
        }, [call, args] as const),
      )
      .catch(() => undefined));
  let enginePort: StandInPort | undefined;
  window.webContents.on('stand-in:sent', (channel: string, payload: unknown) => {
    toPage('send', channel, payload);
  });
  window.webContents.on('stand-in:port', (channel: string, ports: StandInPort[], message: unknown) => {
    enginePort?.close();
    enginePort = ports[0];
    enginePort.on('message', (event: { data: unknown }) => toPage('fromEngine', event.data));
    enginePort.start();
    toPage('port', channel, message);
  });
  // window → main.
  await page.exposeBinding('__syncscopeIpcSend', (source, channel: string) => standIn.sendFromWindow(window, channel, frameUrl(source.frame.url())));
  await page.exposeBinding('__syncscopePortSend', (_source, data: unknown) => enginePort?.postMessage(data));
  await page.addInitScript(VIOLATION_RECORDER);
  await page.addInitScript(await buildPreload());

  // Main's onHeadersReceived applies to what the session loads from the dev server.
  if (options.devServerUrl) {
    const listener = standIn.headersListener;
    if (!listener) throw new Error('main set no response-header listener');
    await page.route(`${new URL(options.devServerUrl).origin}/**`, async (route) => {
      const response = await route.fetch();
      const given = Object.fromEntries(Object.entries(response.headers()).map(([key, value]) => [key, [value]]));
      let headers: Record<string, string[]> = given;
      listener({ responseHeaders: given }, (result) => (headers = result.responseHeaders));
      await route.fulfill({ response, headers: Object.fromEntries(Object.entries(headers).map(([key, values]) => [key, values.join(', ')])) });
    });
  }

  const document = await page.goto(pageUrl);
  const documentHeaders = document ? await document.allHeaders() : {};
  return {
    page,
    errors,
    documentHeaders,
    violations: () => page.evaluate(() => (window as unknown as { __violations: Array<{ directive: string; blocked: string; sample: string }> }).__violations),
    async close() {
      await context.close();
      window.close();
      await new Promise((resolve) => standIn.once('quit', resolve));
      for (const child of standIn.utilityProcesses) child.kill();
      server?.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
