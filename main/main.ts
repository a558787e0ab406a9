// Electron entry: a thin shell. The engine (core/, native/) runs and is tested in plain Node.
import { app, BrowserWindow } from 'electron';
import path from 'node:path';
import { loadBackend } from '../native';
import { Service } from '../core/service';
import { registerIpc } from './ipc';
import { enforceContentSecurityPolicy, lockNavigation, secureWebPreferences } from './security';

declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;

let service: Service | undefined;
let unregisterIpc: (() => void) | undefined;

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'SyncScope',
    webPreferences: secureWebPreferences(path.join(__dirname, 'preload.cjs')),
  });
  const appUrl = MAIN_WINDOW_VITE_DEV_SERVER_URL
    ?? `file://${path.join(__dirname, `../renderer/${MAIN_WINDOW_VITE_NAME}/index.html`)}`;
  lockNavigation(window, appUrl);
  void window.loadURL(appUrl);
}

app.whenReady().then(() => {
  enforceContentSecurityPolicy();
  service = new Service(loadBackend());
  service.start();
  unregisterIpc = registerIpc(service);
  createWindow();
});

app.on('window-all-closed', async () => {
  unregisterIpc?.();
  // Demo workers and their objects go with the app.
  await service?.dispose();
  app.quit();
});
