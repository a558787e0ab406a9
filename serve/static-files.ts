// The built renderer's files and the headers they are served with: one rule for the serve mode's
// HTTP server and for the app's own scheme (main/renderer-scheme.ts), so the page a browser gets
// and the page the window gets are the same, under the same policy.
import fs from 'node:fs';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../renderer/csp.mts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Sent with every renderer file: the strict policy, no sniffing, no framing, no referrer. */
export const RENDERER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Serve mode's first URL carries the token: never leak it in a Referer.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export type StaticFile =
  | { ok: true; file: string; headers: Record<string, string> }
  | { ok: false; status: 400 | 404; message: string };

/**
 * The file under `root` that a URL path names ("/" is index.html), or why there is none. A path
 * that is not valid percent-encoding is a bad request, not a crash; one that climbs out of
 * `root` (`/../`, an encoded separator) is not found.
 */
export function resolveStaticFile(root: string, pathname: string): StaticFile {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, status: 400, message: 'bad request: the path is not valid percent-encoding' };
  }
  const base = path.resolve(root);
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(base, relative);
  if (decoded.includes('\0') || !file.startsWith(base + path.sep)) return { ok: false, status: 404, message: 'not found' };
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(file);
  } catch {
    stat = undefined;
  }
  if (!stat?.isFile()) return { ok: false, status: 404, message: 'not found' };
  return { ok: true, file, headers: { 'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', ...RENDERER_HEADERS } };
}
