import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'renderer',
  plugins: [react()],
  // A local app: one bundle (React, recharts, zod) loads from disk or loopback.
  build: { outDir: '../.vite/renderer/main_window', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
