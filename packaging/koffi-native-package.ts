// Where the target platform's koffi binary package (@koromix/koffi-<platform>-<arch>) comes from:
// npm installs only the host's, so a cross-build fetches the target's with `npm pack` at koffi's
// exact installed version into an ignored cache folder, once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const KOFFI_NATIVE_SCOPE = '@koromix';

export function koffiNativePackageName(platform: string, arch: string): string {
  return `${KOFFI_NATIVE_SCOPE}/koffi-${platform}-${arch}`;
}

export function installedKoffiVersion(projectDir: string): string {
  return readPackageVersion(path.join(projectDir, 'node_modules/koffi'));
}

/** The folder holding the target's koffi binary package, at exactly koffi's installed version. */
export function koffiNativePackageDir(projectDir: string, platform: string, arch: string): string {
  const name = koffiNativePackageName(platform, arch);
  const version = installedKoffiVersion(projectDir);
  const installed = path.join(projectDir, 'node_modules', name);
  if (fs.existsSync(installed) && readPackageVersion(installed) === version) return installed;
  return fetchIntoCache(projectDir, name, version);
}

function fetchIntoCache(projectDir: string, name: string, version: string): string {
  const cached = path.join(projectDir, '.cache/koffi-native', `${name.replace('/', '+')}-${version}`);
  const packageDir = path.join(cached, 'package');
  if (fs.existsSync(path.join(packageDir, 'package.json'))) return packageDir;

  // Unpack beside the cache entry and rename at the end, so an interrupted fetch leaves nothing
  // that looks complete.
  const work = `${cached}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    const tarball = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', work], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim().split('\n').pop();
    if (!tarball) throw new Error(`npm pack ${name}@${version} printed no file name`);
    execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work]);
    fs.rmSync(path.join(work, tarball));
    if (readPackageVersion(path.join(work, 'package')) !== version) {
      throw new Error(`npm pack ${name}@${version} gave a different version`);
    }
    fs.rmSync(cached, { recursive: true, force: true });
    fs.renameSync(work, cached);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return packageDir;
}

function readPackageVersion(dir: string): string {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}
