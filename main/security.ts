// Window hardening shared by every BrowserWindow the app creates. The decisions live in
// policy.ts (plain functions, tested in plain Node); this file applies them to Electron.
import { BrowserWindow, session } from 'electron';
import { WINDOW_OPEN_DECISION, navigationAllowed, permissionAllowed } from './policy';

export interface WindowOptions {
  preload: string;
  title: string;
  width: number;
  height: number;
}

/**
 * The app's window. Its web preferences are spelled out in the constructor call itself, where a
 * reader and an audit tool (Electronegativity, in CI) see them, rather than built elsewhere.
 */
export function createSecureWindow(options: WindowOptions): BrowserWindow {
  return new BrowserWindow({
    width: options.width,
    height: options.height,
    title: options.title,
    webPreferences: {
      preload: options.preload,
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
      // A middle click on a link would otherwise open it in a new window.
      disableBlinkFeatures: 'Auxclick',
    },
  });
}

/**
 * Adds `policy` as the CSP header of every response the default session serves (the app's own
 * scheme sends the same one itself; the dev server sends none), and denies every permission.
 */
export function enforceContentSecurityPolicy(policy: string): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] },
    });
  });
  // The renderer never needs camera, notifications, etc.: refuse requests and checks alike.
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionAllowed(permission)));
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permissionAllowed(permission));
}

/** The window may only show the app itself: no navigation or redirect away, no new windows, no webviews. */
export function lockNavigation(window: BrowserWindow, appUrl: string): void {
  const contents = window.webContents;
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!navigationAllowed(appUrl, url)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => WINDOW_OPEN_DECISION);
}
