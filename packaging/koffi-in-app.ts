// Forge's Vite plugin packages only .vite/, and koffi stays external to the main bundle (it loads
// a platform-specific koffi.node at run time). This puts koffi's JavaScript and exactly the
// target's binary package into the app; Packager's default unpack rule then moves koffi.node
// out of app.asar into app.asar.unpacked, where the OS can load it.
import fs from 'node:fs';
import path from 'node:path';
import { koffiNativePackageDir, koffiNativePackageName } from './koffi-native-package';

// koffi's folder also holds its C sources, vendored headers and docs: none is needed to run it.
const isKoffiRuntimeFile = (file: string) =>
  file === 'package.json' || /^LICENSE/.test(file) || (/\.c?js$/.test(file) && !file.startsWith(`vendor${path.sep}`));

export function copyKoffiIntoApp(projectDir: string, buildPath: string, platform: string, arch: string): void {
  const appModules = path.join(buildPath, 'node_modules');
  copyMatching(path.join(projectDir, 'node_modules/koffi'), path.join(appModules, 'koffi'), isKoffiRuntimeFile);

  const nativeName = koffiNativePackageName(platform, arch);
  const nativeTarget = path.join(appModules, nativeName);
  fs.cpSync(koffiNativePackageDir(projectDir, platform, arch), nativeTarget, { recursive: true });
  if (!listFiles(nativeTarget).some((file) => file.endsWith('.node'))) {
    throw new Error(`${nativeName} holds no koffi.node: the ${platform}-${arch} app could not load koffi`);
  }
}

function copyMatching(from: string, to: string, keep: (file: string) => boolean): void {
  for (const file of listFiles(from)) {
    if (!keep(file)) continue;
    fs.mkdirSync(path.dirname(path.join(to, file)), { recursive: true });
    fs.copyFileSync(path.join(from, file), path.join(to, file));
  }
}

/** Every file under dir, as paths relative to it. */
function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}
