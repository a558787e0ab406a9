// Electron entry: a thin shell. The engine (core/, native/) runs and is tested in plain Node.
import { app } from 'electron';
import path from 'node:path';
import { loadBackend } from '../native';
import { Service } from '../core/service';
import { registerIpc } from './ipc';
import { navigationAllowed } from './policy';
import { createSecureWindow, enforceContentSecurityPolicy, lockNavigation } from './security';

declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;

let service: Service | undefined;
let unregisterIpc: (() => void) | undefined;

const appUrl = () => MAIN_WINDOW_VITE_DEV_SERVER_URL ?? `file://${path.join(__dirname, `../renderer/${MAIN_WINDOW_VITE_NAME}/index.html`)}`;

function createWindow(): void {
  const window = createSecureWindow({ width: 1280, height: 820, title: 'SyncScope', preload: path.join(__dirname, 'preload.cjs') });
  lockNavigation(window, appUrl());
  void window.loadURL(appUrl());
}

app.whenReady().then(() => {
  enforceContentSecurityPolicy();
  service = new Service(loadBackend());
  service.start();
  // The renderer is the only page that may talk to the engine.
  unregisterIpc = registerIpc(service, (frameUrl) => navigationAllowed(appUrl(), frameUrl));
  createWindow();
});

app.on('window-all-closed', async () => {
  unregisterIpc?.();
  // Demo workers and their objects go with the app.
  await service?.dispose();
  app.quit();
});
