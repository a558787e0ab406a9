import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicyMeta } from './vite.csp.mts';

export default defineConfig({
  root: 'renderer',
  // Relative asset paths, as Forge's Vite plugin sets them: one build serves the app's scheme and
  // serve mode alike.
  base: './',
  plugins: [react(), contentSecurityPolicyMeta()],
  // A local app: one bundle (React, recharts, zod) loads from the app's scheme or loopback.
  build: { outDir: '../.vite/renderer/main_window', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
