#!/usr/bin/env node
// npm start: the desktop app through Electron Forge where Electron's binary is there or can be
// fetched; otherwise one line saying so and how to get it, then the same UI in the browser (serve
// mode on loopback, with its token, actions allowed as in the app), opening the default browser
// where there is one. BROWSER=none never opens one.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules/electron');

/** Why Electron's binary cannot run here, or undefined when it can (fetching it first if need be). */
function electronMissing() {
  const version = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8')).version;
  const pathFile = path.join(electronDir, 'path.txt');
  const executable = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8') : undefined;
  // As electron's own index.js: an override folder is used as it is, never downloaded into.
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = path.join(override, executable ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return fs.existsSync(binary) ? undefined : `ELECTRON_OVERRIDE_DIST_PATH names no Electron binary (${binary})`;
  }
  if (executable && fs.existsSync(path.join(electronDir, 'dist', executable))) return undefined;
  process.stdout.write(`Fetching Electron ${version}'s binary (once)…\n`);
  const fetched = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 600_000 });
  if (fetched.status === 0) return undefined;
  const firstLine = `${fetched.stderr ?? ''}${fetched.stdout ?? ''}`.split('\n').find((line) => line.trim()) ?? `exit code ${fetched.status}`;
  return `Electron ${version}'s binary could not be downloaded (${firstLine.trim()})`;
}

function openBrowser(url) {
  if (process.env.BROWSER === 'none') return false;
  const [command, ...args] =
    process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url]
    : process.platform === 'darwin' ? ['open', url]
    : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open', url]
    : [];
  if (!command) return false;
  const opener = spawn(command, args, { stdio: 'ignore', detached: true });
  opener.on('error', () => process.stdout.write(`Open ${url} in a browser.\n`));
  opener.unref();
  return true;
}

/** Says why (one line), then serves the UI to the browser. */
function startInBrowser(why) {
  process.stdout.write(`${why}\n`);
  const cli = path.join(root, 'dist/cli.cjs');
  if (!fs.existsSync(cli)) spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  const serve = spawn(process.execPath, [cli, 'serve', '--allow-actions'], { stdio: ['inherit', 'pipe', 'inherit'] });
  let opened = false;
  serve.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const url = String(chunk).match(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/)?.[0];
    if (url && !opened) {
      opened = true;
      if (!openBrowser(url)) process.stdout.write('No browser to open here: open the address above in one.\n');
    }
  });
  // Ctrl-C reaches both; the server removes what its demos made before it exits.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => serve.kill(signal));
  serve.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const missing = electronMissing();
if (missing) {
  startInBrowser(
    `${missing}: to run the desktop app, run \`npx install-electron\` where the internet is reachable, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron; meanwhile SyncScope opens in your browser.`,
  );
}
else {
  // Main writes this file once its window exists (main/main.ts). Forge exits 0 whatever Electron
  // did, so an app that could not start at all (missing libraries, no display) shows as its absence.
  const marker = path.join(os.tmpdir(), `syncscope-started-${process.pid}`);
  fs.rmSync(marker, { force: true });
  const forge = spawn(process.execPath, [path.join(root, 'node_modules/@electron-forge/cli/dist/electron-forge.js'), 'start', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, SYNCSCOPE_STARTED_MARKER: marker },
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => forge.kill(signal));
  forge.on('exit', (code, signal) => {
    const started = fs.existsSync(marker);
    fs.rmSync(marker, { force: true });
    if (!started && !signal) return startInBrowser('The desktop app did not start (Electron exited before its window opened; see above); SyncScope opens in your browser instead.');
    process.exit(code ?? (signal ? 0 : 1));
  });
}
