// `npm start` where Electron's binary cannot run (as on these machines): one line saying why and
// how to get Electron, then the same UI in the browser: serve mode on loopback with its token,
// actions allowed as in the app; Ctrl-C ends it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { ROOT } from '../support/linux';

/** The Node that npm scripts run on (the `node` devDependency, 22): Forge needs it. */
const NODE_22 = path.join(ROOT, 'node_modules/.bin/node');

function startScript(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(NODE_22, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, BROWSER: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function waitForUrl(run: { output: () => string }): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const url = run.output().match(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/)?.[0];
    if (url) return url;
    if (Date.now() > deadline) throw new Error(`no URL: ${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function browserModeWorks(run: { child: ChildProcess; output: () => string }): Promise<void> {
  const url = await waitForUrl(run);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self';/);
  assert.match(await page.text(), /<div id="root">/);
  const { port } = new URL(url);
  const cookie = page.headers.get('set-cookie')!.split(';')[0];
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Cookie: cookie, Origin: `http://127.0.0.1:${port}` } });
  await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
  socket.send(JSON.stringify({ id: 1, channel: 'session', payload: {} }));
  const session = await new Promise<{ result: { readOnly: boolean; transport: string } }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
  assert.deepEqual([session.result.transport, session.result.readOnly], ['websocket', false], 'actions allowed, as in the app');
  socket.close();
  assert.match(run.output(), /No browser to open here: open the address above in one\./);
  const exited = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
  run.child.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl-C ends it cleanly');
}

describe('npm start without Electron', { timeout: 120_000 }, () => {
  test('an override folder without Electron: one line saying so and how to get it, then the browser UI', async () => {
    const nowhere = path.join(os.tmpdir(), `no-electron-${process.pid}`);
    const run = startScript({ ELECTRON_OVERRIDE_DIST_PATH: nowhere });
    try {
      await browserModeWorks(run);
    } finally {
      run.child.kill('SIGKILL');
    }
    const first = run.output().split('\n')[0];
    assert.match(first, new RegExp(`^ELECTRON_OVERRIDE_DIST_PATH names no Electron binary \\(${nowhere}/electron\\): to run the desktop app, run \`npx install-electron\` where the internet is reachable, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron; meanwhile SyncScope opens in your browser\\.$`));
  });

  const installed = fs.existsSync(path.join(ROOT, 'node_modules/electron/path.txt'));
  test('Electron cannot be downloaded: the download error in one line, then the browser UI', {
    skip: installed ? 'Electron is installed here, so npm start would run it: this case needs a machine without it' : undefined,
  }, async () => {
    // A mirror that refuses at once stands for a machine without internet access.
    const run = startScript({ ELECTRON_MIRROR: 'http://127.0.0.1:9/', ELECTRON_OVERRIDE_DIST_PATH: '' });
    try {
      await browserModeWorks(run);
    } finally {
      run.child.kill('SIGKILL');
    }
    const lines = run.output().split('\n');
    assert.match(lines[0], /^Fetching Electron [\d.]+'s binary \(once\)…$/);
    assert.match(lines[1], /^Electron [\d.]+'s binary could not be downloaded \(.+\): to run the desktop app, run `npx install-electron`/);
    assert.equal(fs.existsSync(path.join(ROOT, 'node_modules/electron/path.txt')), false, 'nothing half-installed');
  });

  test('Electron is there but cannot open its window: Forge runs, then the browser UI, with why', { timeout: 180_000 }, async () => {
    // An "Electron" that fails as one without its libraries or a display does.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failing-electron-'));
    fs.writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\necho "electron: cannot open display" >&2\nexit 1\n', { mode: 0o755 });
    const run = startScript({ ELECTRON_OVERRIDE_DIST_PATH: dir });
    try {
      await browserModeWorks(run);
    } finally {
      run.child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const output = run.output();
    assert.match(output, /target built main\/main\.ts/, 'Forge built and launched the app');
    assert.match(output, /electron: cannot open display/);
    assert.match(output, /^The desktop app did not start \(Electron exited before its window opened; see above\); SyncScope opens in your browser instead\.$/m);
  });
});
