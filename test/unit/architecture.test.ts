// Which builds may start: 64-bit only, since every layout SyncScope reads is a 64-bit one. The CLI
// is run for real with its process calling itself ia32, and must refuse in one line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { architectureNote, architectureRefusal } from '../../native/architecture';
import { DIST_CLI } from '../support/cli-runs';

test('x64 and arm64 start on Windows and Linux; 32-bit builds are refused with the reason', () => {
  for (const platform of ['win32', 'linux'] as const) {
    assert.equal(architectureRefusal(platform, 'x64'), undefined);
    assert.equal(architectureRefusal(platform, 'arm64'), undefined);
    for (const arch of ['ia32', 'arm']) {
      const line = architectureRefusal(platform, arch);
      assert.ok(line?.endsWith(` is ${arch}: the structures it reads would not match; use a 64-bit build`), line);
      assert.ok(line?.includes(platform === 'win32' ? 'on Windows' : 'on Linux'), line);
    }
  }
  // Other platforms have no backend at all: loadBackend says that, not this.
  assert.equal(architectureRefusal('darwin', 'ia32'), undefined);
});

test('ARM64 Windows is described honestly in the capability report', () => {
  assert.match(architectureNote('win32', 'arm64'), /^arm64: structure layouts as on x64/);
  assert.equal(architectureNote('win32', 'x64'), 'x64');
  assert.equal(architectureNote('linux', 'arm64'), 'arm64');
});

test('the CLI in a process that reports ia32: one line, exit 1, no stack', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const preload = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-arch-')), 'ia32.cjs');
  fs.writeFileSync(preload, "Object.defineProperty(process, 'arch', { value: 'ia32' });\n");
  const run = spawnSync(process.execPath, ['--require', preload, DIST_CLI, 'list'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /^syncscope: SyncScope on Linux needs a 64-bit process \(x64 or arm64\), and this build of Node v[\d.]+ is ia32: the structures it reads would not match; use a 64-bit build\n$/);
});
