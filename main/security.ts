// Window hardening shared by every BrowserWindow the app creates.
import { session, type BrowserWindow, type WebPreferences } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../renderer/csp';


export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    nodeIntegration: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
  };
}

/** Adds the CSP header to every response the default session serves. */
export function enforceContentSecurityPolicy(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // The renderer never needs camera, notifications, etc.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** The window may only show the app itself: no navigation away, no new windows. */
export function lockNavigation(window: BrowserWindow, appUrl: string): void {
  const origin = new URL(appUrl).origin;
  window.webContents.on('will-navigate', (event, url) => {
    if (new URL(url).origin !== origin) event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
