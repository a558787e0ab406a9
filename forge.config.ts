// Electron Forge drives the desktop app: Vite bundles main, preload and renderer separately.
// koffi is a native module and stays external to the main bundle (see vite.main.config.mts); the
// packageAfterCopy hook copies it, with the target platform's binary, into the packaged app.
import type { ForgeConfig } from '@electron-forge/shared-types';
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerRpm } from '@electron-forge/maker-rpm';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import { copyKoffiIntoApp } from './packaging/koffi-in-app';
import { downloaderWithOfflineHint, electronZipDir } from './packaging/electron-zip';

const projectDir = __dirname;
const linuxInstaller = {
  bin: 'syncscope',
  description: 'Live inspector for kernel synchronization objects',
  icon: 'assets/icon.png',
  categories: ['Development', 'System'] as Array<'Development' | 'System'>,
};

const config: ForgeConfig = {
  packagerConfig: {
    // The product name (SyncScope) and version come from package.json.
    executableName: 'syncscope',
    icon: 'assets/icon', // .ico on Windows; Linux installers take assets/icon.png
    win32metadata: { CompanyName: 'SyncScope' },
    // asar: true unpacks every *.node into app.asar.unpacked (Packager's default rule).
    asar: true,
    // Offline: Electron's release zip from the folder ELECTRON_ZIP_DIR names, else downloaded.
    electronZipDir: electronZipDir(),
    download: { downloader: downloaderWithOfflineHint },
  },
  // Nothing to rebuild: koffi ships prebuilt binaries, copied by the hook below.
  rebuildConfig: { onlyModules: [] },
  hooks: {
    packageAfterCopy: async (_config, buildPath, _electronVersion, platform, arch) => {
      copyKoffiIntoApp(projectDir, buildPath, platform, arch);
    },
  },
  makers: [
    new MakerZIP({}, ['win32', 'linux']),
    new MakerDeb({ options: { ...linuxInstaller, maintainer: 'SyncScope developers' } }),
    new MakerRpm({ options: linuxInstaller }),
  ],
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
    // A hardened binary: no Node mode or Node flags from outside, the app only from its
    // integrity-checked asar, the renderer from the app's own scheme rather than file://.
    new FusesPlugin({
      version: FuseVersion.V1,
      strictlyRequireAllFuses: true,
      [FuseV1Options.RunAsNode]: false, // demo workers run as utility processes
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
      [FuseV1Options.WasmTrapHandlers]: true, // Electron's default, kept
    }),
  ],
};

export default config;
