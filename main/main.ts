// Electron main: windows and lifecycle only. The engine (sampling, scans, waits, demos) runs in a
// utility process (engine/engine.ts) that main starts and restarts; each window talks to it over a
// MessagePort that main hands out (main/window-ipc.ts).
import { app } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, developmentPolicy } from '../renderer/csp.mts';
import { EngineHost } from './engine-host';
import { cleanUpThenQuit } from './lifecycle';
import { navigationAllowed } from './policy';
import { registerAppScheme, rendererUrl, serveRenderer } from './renderer-scheme';
import { createSecureWindow, enforceContentSecurityPolicy, lockNavigation } from './security';
import { registerWindowIpc } from './window-ipc';

// Set by Electron Forge's Vite plugin (the dev server's URL in `npm start`, else undefined) and by
// vite.main.config.mts (the dev page's inline-script hashes).
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
declare const __SYNCSCOPE_DEV_SCRIPT_HASHES__: string[];

const log = (line: string) => process.stderr.write(`${line}\n`);
const devServerUrl = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
const appUrl = rendererUrl(devServerUrl);

let host: EngineHost | undefined;
let quitting = false;

function createWindow(): void {
  const window = createSecureWindow({ width: 1280, height: 820, title: 'SyncScope', preload: path.join(__dirname, 'preload.cjs') });
  lockNavigation(window, appUrl);
  window.loadURL(appUrl).catch((error: unknown) => log(`syncscope: the window could not load ${appUrl}: ${String(error)}`));
}

async function start(): Promise<void> {
  enforceContentSecurityPolicy(devServerUrl ? developmentPolicy(__SYNCSCOPE_DEV_SCRIPT_HASHES__) : CONTENT_SECURITY_POLICY);
  if (!devServerUrl) serveRenderer(path.join(__dirname, '..', 'renderer', MAIN_WINDOW_VITE_NAME));
  host = new EngineHost({ enginePath: path.join(__dirname, 'engine.cjs'), workerPath: path.join(__dirname, 'demo-worker.cjs'), log });
  // Only the app's own page may talk to the engine.
  registerWindowIpc(host, (frameUrl) => navigationAllowed(appUrl, frameUrl), log);
  host.start();
  createWindow();
  // `npm start` (scripts/start.mjs) falls back to the browser when this never appears.
  if (process.env.SYNCSCOPE_STARTED_MARKER) fs.writeFileSync(process.env.SYNCSCOPE_STARTED_MARKER, String(process.pid));
}

registerAppScheme();
app.whenReady().then(start).catch((error: unknown) => {
  // Without a window there is nothing to show it in: say it and end, rather than linger.
  log(`syncscope: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  app.exit(1);
});

// Closing the last window ends the app (an inspector has nothing to do without one).
app.on('window-all-closed', () => app.quit());

// Every way of quitting passes here: give the engine its bounded clean-up first, once.
app.on('will-quit', (event) => {
  if (quitting || !host) return;
  quitting = true;
  event.preventDefault();
  const engine = host;
  void cleanUpThenQuit(() => engine.dispose(5000), () => app.quit(), log);
});
