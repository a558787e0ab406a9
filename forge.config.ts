// Electron Forge drives the desktop app: Vite bundles main, preload and renderer separately.
// koffi is a native module and stays external to the main bundle (see vite.main.config.mts).
import type { ForgeConfig } from '@electron-forge/shared-types';
import { VitePlugin } from '@electron-forge/plugin-vite';

const config: ForgeConfig = {
  packagerConfig: { asar: { unpack: '**/node_modules/koffi/**' } },
  rebuildConfig: {},
  makers: [],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'main/main.ts', config: 'vite.main.config.mts', target: 'main' },
        { entry: 'preload/preload.ts', config: 'vite.preload.config.mts', target: 'preload' },
        // The engine: a utility process that main starts (main/engine-host.ts).
        { entry: 'engine/engine.ts', config: 'vite.main.config.mts', target: 'main' },
        // Demo workers: utility processes that main starts when the engine runs a demo.
        { entry: 'demos/demo-worker.ts', config: 'vite.main.config.mts', target: 'main' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.mts' }],
    }),
  ],
};

export default config;
