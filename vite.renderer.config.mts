import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicyMeta } from './vite.csp.mts';

export default defineConfig({
  root: 'renderer',
  plugins: [react(), contentSecurityPolicyMeta()],
  // A local app: one bundle (React, recharts, zod) loads from the app's scheme or loopback.
  build: { outDir: '../.vite/renderer/main_window', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
