// Test-side access to Electron Forge and the packaged app: Forge's package/make API and
// @electron/asar run in the Node 22 that the `node` devDependency installs (test/support/node22.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const repo = path.resolve(__dirname, '../..');
const node22 = path.join(repo, 'node_modules/.bin/node');
const node22Jobs = path.join(__dirname, 'node22.mjs');

export type Platform = 'linux' | 'win32';

export interface AsarEntry {
  path: string;
  kind: 'file' | 'dir' | 'link';
  unpacked: boolean;
}

function runNode22(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 300_000): string {
  const result = spawnSync(node22, [node22Jobs, ...args], { cwd: repo, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`node22.mjs ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}`);
  }
  return result.stdout;
}

/** Packages the app for platform-x64 into outDir, with Electron's zip taken from zipDir. */
export function forgePackage(platform: Platform, outDir: string, zipDir: string): void {
  runNode22(['package', JSON.stringify({ dir: repo, platform, arch: 'x64', outDir })], { ...process.env, ELECTRON_ZIP_DIR: zipDir });
}

/** Runs the named makers on the package already in outDir; returns the files they made. */
export function forgeMake(platform: Platform, outDir: string, zipDir: string, makers: string[]): string[] {
  const options = { dir: repo, platform, arch: 'x64', outDir, fromPackage: true, overrideTargets: makers };
  const stdout = runNode22(['make', JSON.stringify(options)], { ...process.env, ELECTRON_ZIP_DIR: zipDir });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]');
}

export function listAsar(archive: string): { entries: AsarEntry[]; headerSha256: string } {
  return JSON.parse(runNode22(['asar-list', archive]));
}

export function extractAsar(archive: string, dest: string): void {
  runNode22(['asar-extract', archive, dest]);
}

/** Runs a command and returns its stdout; throws with its stderr if it fails. */
export function run(command: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

export function packageVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).version;
}
