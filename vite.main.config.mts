import { defineConfig } from 'vite';
import { devScriptHashes } from './vite.csp.mts';

// koffi loads a platform-specific .node file at run time; bundling it would break that.
// Main's dev CSP header allows the dev page's inline preamble by the same hash as its <meta> tag.
export default defineConfig({
  build: { rollupOptions: { external: ['koffi'] } },
  define: { __SYNCSCOPE_DEV_SCRIPT_HASHES__: JSON.stringify(devScriptHashes()) },
});
