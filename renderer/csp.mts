// The renderer's Content-Security-Policy. The packaged app (its own scheme), serve mode and the
// page's <meta> tag use the production policy: scripts from the app's own origin only, never
// inline or eval. The Vite dev server's page differs in one way: the inline script that Vite's
// React plugin injects for Fast Refresh is allowed by its hash (see vite.csp.mts), nothing else.
type Directives = ReadonlyArray<readonly [directive: string, ...sources: string[]]>;

const PRODUCTION: Directives = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  // recharts and React set inline style attributes.
  ['style-src', "'self'", "'unsafe-inline'"],
  ['img-src', "'self'", 'data:'],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

const serialize = (directives: Directives) => directives.map((parts) => parts.join(' ')).join('; ');

export const CONTENT_SECURITY_POLICY = serialize(PRODUCTION);

/** The dev server's policy: production plus exactly these inline scripts, by hash ('sha256-…'). */
export function developmentPolicy(scriptHashes: readonly string[]): string {
  if (scriptHashes.some((hash) => !/^sha(256|384|512)-[A-Za-z0-9+/]+=*$/.test(hash))) throw new Error('a script hash is not sha256-/sha384-/sha512- base64');
  return serialize(PRODUCTION.map(([directive, ...sources]) =>
    directive === 'script-src' ? [directive, ...sources, ...scriptHashes.map((hash) => `'${hash}'`)] : [directive, ...sources],
  ));
}

/** A policy as a <meta> tag may carry it: browsers ignore frame-ancestors there, with an error. */
export function metaPolicy(policy: string): string {
  return policy.split('; ').filter((directive) => !directive.startsWith('frame-ancestors ')).join('; ');
}
