// Electron entry: a thin shell. All inspection runs in core/ and native/, tested in plain Node.
import { app, BrowserWindow, ipcMain } from 'electron';
import path from 'node:path';
import { loadBackend, type Backend } from '../native';
import { listReports } from '../core/inspect';
import { CHANNELS } from '../protocol/channels';
import { enforceContentSecurityPolicy, lockNavigation, secureWebPreferences } from './security';

declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;

let backend: Backend | undefined;

function registerHandlers(): void {
  ipcMain.handle(CHANNELS.list, () => {
    backend ??= loadBackend();
    return listReports(backend);
  });
  ipcMain.handle(CHANNELS.capabilities, () => {
    backend ??= loadBackend();
    return backend.capabilities();
  });
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
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
  registerHandlers();
  createWindow();
});

app.on('window-all-closed', () => {
  backend?.dispose();
  app.quit();
});
