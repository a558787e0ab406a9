import { defineConfig } from 'vite';

// koffi loads a platform-specific .node file at run time; bundling it would break that.
export default defineConfig({
  build: { rollupOptions: { external: ['koffi'] } },
});
