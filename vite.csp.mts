// The renderer's CSP at build time: the <meta> tag that carries it in every built or served page,
// and the hashes of the inline scripts the dev server needs (main's dev header allows the same).
import crypto from 'node:crypto';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY, developmentPolicy, metaPolicy } from './renderer/csp.mts';

/**
 * The dev page's only inline script: @vitejs/plugin-react's Fast Refresh preamble, injected with
 * the dev server's base ('/': Vite serves a relative base from the root). Hashing the plugin's own
 * text keeps the hash right across plugin updates; the dev-page test fails if it drifts.
 */
export function devScriptHashes(): string[] {
  const preamble = react.preambleCode.replace('__BASE__', '/');
  return [`sha256-${crypto.createHash('sha256').update(preamble).digest('base64')}`];
}

/** Puts the policy in a <meta> tag: production when building, the dev policy when serving. */
export function contentSecurityPolicyMeta(): Plugin {
  let policy = CONTENT_SECURITY_POLICY;
  return {
    name: 'syncscope:csp-meta',
    configResolved(config) {
      policy = config.command === 'serve' ? developmentPolicy(devScriptHashes()) : CONTENT_SECURITY_POLICY;
    },
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaPolicy(policy) }, injectTo: 'head-prepend' },
    ],
  };
}
