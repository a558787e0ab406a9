// The decisions behind the window hardening, as plain functions (no Electron import), so that they
// are tested in plain Node: main/security.ts applies them to Electron's events.

/** The packaged app's own scheme and origin (main/renderer-scheme.ts serves the built renderer there). */
export const APP_SCHEME = 'syncscope';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/**
 * Whether the app window may go from `appUrl` to `url`: only to the app itself. For the Vite dev
 * server (http) that is its origin; for the app's scheme, whose origin Node's URL calls "null"
 * (it is not a special scheme), the same scheme and host. Anything else, file:// included, and
 * anything unparsable is refused.
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
  if (app.protocol === `${APP_SCHEME}:`) return target.protocol === app.protocol && target.host === app.host && !target.username && !target.password;
  if (app.protocol === 'http:' || app.protocol === 'https:') return target.origin === app.origin;
  return false;
}

/** Camera, microphone, notifications, clipboard, geolocation...: the inspector needs none. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/** window.open and target=_blank links: never a new window. */
export const WINDOW_OPEN_DECISION = { action: 'deny' } as const;
