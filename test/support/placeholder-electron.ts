// Stand-ins for Electron's release zips, so Packager and the makers run with no download and no
// Electron binary: `electron-v<version>-<platform>-x64.zip` with the files Packager touches.
// Neither stand-in runs. Both carry Electron's fuse wire, so the Fuses plugin can flip it, and
// electron.exe is a valid PE with the version and icon resources that Packager rewrites.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FuseV1Options } from '@electron/fuses';
import { Data, NtExecutable, NtExecutableResource, Resource } from 'resedit';

export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSE_WIRE_VERSION = 1;
/** One fuse per option @electron/fuses knows (FuseV1Options is a numeric enum: its values). */
export const FUSE_COUNT = Object.values(FuseV1Options).filter((value) => typeof value === 'number').length;
/**
 * Electron's own defaults (build/fuses/fuses.json5 in electron/electron): run_as_node,
 * cookie_encryption, node_options, node_cli_inspect, embedded_asar_integrity_validation,
 * only_load_app_from_asar, load_browser_process_specific_v8_snapshot,
 * grant_file_protocol_extra_privileges, wasm_trap_handlers.
 */
export const ELECTRON_DEFAULT_FUSES = '101100011';

const RT_RCDATA = 10;
const LANG_EN_US = 1033;
const CODEPAGE_UNICODE = 1200;

export function installedElectronVersion(repo: string): string {
  return JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8')).version;
}

export function fuseWire(states = ELECTRON_DEFAULT_FUSES): Buffer {
  if (states.length !== FUSE_COUNT) throw new Error(`expected ${FUSE_COUNT} fuse states, got ${states.length}`);
  return Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([FUSE_WIRE_VERSION, FUSE_COUNT]), Buffer.from(states)]);
}

/** Writes electron-v<version>-<platform>-x64.zip into zipDir; returns its path. */
export function makePlaceholderElectronZip(zipDir: string, platform: 'linux' | 'win32', version: string): string {
  const staging = fs.mkdtempSync(path.join(zipDir, `staging-${platform}-`));
  try {
    if (platform === 'linux') {
      fs.writeFileSync(path.join(staging, 'electron'), linuxExecutable(version), { mode: 0o755 });
    } else {
      fs.writeFileSync(path.join(staging, 'electron.exe'), windowsExecutable(version));
    }
    fs.writeFileSync(path.join(staging, 'version'), version);
    fs.writeFileSync(path.join(staging, 'LICENSE'), 'Placeholder for Electron\'s LICENSE (SyncScope packaging tests)\n');
    fs.writeFileSync(path.join(staging, 'LICENSES.chromium.html'), '<!doctype html><title>placeholder</title>\n');
    fs.mkdirSync(path.join(staging, 'resources'));
    fs.mkdirSync(path.join(staging, 'locales'));
    fs.writeFileSync(path.join(staging, 'locales/en-US.pak'), '');
    const zipPath = path.join(zipDir, `electron-v${version}-${platform}-x64.zip`);
    fs.rmSync(zipPath, { force: true });
    const zip = spawnSync('zip', ['-q', '-r', '-y', zipPath, '.'], { cwd: staging, encoding: 'utf8' });
    if (zip.status !== 0) throw new Error(`zip failed: ${zip.stderr || zip.error}`);
    return zipPath;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function linuxExecutable(version: string): Buffer {
  // The wire sits in a comment line; the script itself only says what it is.
  return Buffer.concat([
    Buffer.from(`#!/bin/sh\n# Placeholder for Electron ${version} (SyncScope packaging tests), fuse wire: `),
    fuseWire(),
    Buffer.from('\necho "placeholder Electron binary: it cannot run an app" >&2\nexit 1\n'),
  ]);
}

/** A PE with no code: a version resource, an icon group, and the fuse wire as RCDATA. */
function windowsExecutable(version: string): Buffer {
  const exe = NtExecutable.createEmpty(false, false);
  const res = NtExecutableResource.from(exe);
  const versionInfo = Resource.VersionInfo.createEmpty();
  versionInfo.lang = LANG_EN_US;
  versionInfo.setFileVersion(version);
  versionInfo.setProductVersion(version);
  versionInfo.setStringValues({ lang: LANG_EN_US, codepage: CODEPAGE_UNICODE }, {
    CompanyName: 'GitHub, Inc.',
    FileDescription: 'Electron',
    FileVersion: version,
    InternalName: 'electron.exe',
    OriginalFilename: 'electron.exe',
    ProductName: 'Electron',
    ProductVersion: version,
  });
  versionInfo.outputToResourceEntries(res.entries);
  // Packager replaces the icons of the one existing icon group; these bytes only mark the old one.
  const placeholderIcon = Data.RawIconItem.from(Buffer.from('placeholder icon'), 16, 16, 32);
  Resource.IconGroupEntry.replaceIconsForResource(res.entries, 1, LANG_EN_US, [placeholderIcon]);
  res.entries.push({ type: RT_RCDATA, id: 'FUSES', lang: LANG_EN_US, codepage: CODEPAGE_UNICODE, bin: new Uint8Array(fuseWire()).buffer });
  res.outputResource(exe);
  return Buffer.from(exe.generate());
}
