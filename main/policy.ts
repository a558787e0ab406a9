// The decisions behind the window hardening, as plain functions (no Electron import), so that they
// are tested in plain Node: main/security.ts applies them to Electron's events.

/**
 * Whether the app window may go from `appUrl` to `url`: only to the app itself. For an http(s)
 * app (the Vite dev server) that is its origin; for a file:// app, whose origin is the opaque
 * "null" shared by every file, it is the app's own file and nothing else on disk.
 * Anything unparsable is refused.
 */
export function navigationAllowed(appUrl: string, url: string): boolean {
  let app: URL;
  let target: URL;
  try {
    app = new URL(appUrl);
    target = new URL(url);
  } catch {
    return false;
  }
  if (app.protocol === 'file:') return target.protocol === 'file:' && target.host === app.host && target.pathname === app.pathname;
  if (app.protocol === 'http:' || app.protocol === 'https:') return target.origin === app.origin;
  return false;
}

/** Camera, microphone, notifications, clipboard, geolocation...: the inspector needs none. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/** window.open and target=_blank links: never a new window. */
export const WINDOW_OPEN_DECISION = { action: 'deny' } as const;
