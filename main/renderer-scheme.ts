// The packaged renderer is served from the app's own privileged scheme (syncscope://app/), not
// file://: the page gets a real origin, the strict CSP arrives as a header as well as in the page,
// and the GrantFileProtocolExtraPrivileges fuse can stay off. Files come from the renderer folder
// inside the app (asar included) by the same rule serve mode uses.
import fs from 'node:fs';
import { protocol } from 'electron';
import { resolveStaticFile } from '../serve/static-files';
import { APP_ORIGIN, APP_SCHEME } from './policy';

/** Must run before the app is ready: Chromium fixes its scheme table at start-up. */
export function registerAppScheme(): void {
  // standard: URLs resolve like http (relative paths, an origin); secure: a secure context.
  // No corsEnabled: no other origin may read the app's files; no bypassCSP.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, codeCache: true } }]);
}

/** Answers syncscope://app/<path> from `root`; other hosts and missing files are 404. */
export function serveRenderer(root: string): void {
  protocol.handle(APP_SCHEME, (request) => rendererResponse(root, request.url));
}

export async function rendererResponse(root: string, requestUrl: string): Promise<Response> {
  const url = new URL(requestUrl);
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== new URL(APP_ORIGIN).host) return new Response('not found', { status: 404 });
  const found = resolveStaticFile(root, url.pathname);
  if (!found.ok) return new Response(found.message, { status: found.status });
  return new Response(await fs.promises.readFile(found.file), { status: 200, headers: found.headers });
}

/** The address of the renderer's page: the dev server in development, else the app's scheme. */
export function rendererUrl(devServerUrl: string | undefined): string {
  return devServerUrl ?? `${APP_ORIGIN}/index.html`;
}
