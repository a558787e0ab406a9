// Every action the CLI takes lands in the audit log, with its result; `syncscope audit` shows it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, RUN_PREFIX, cleanPosix, cleanupAll, notLinux } from '../support/linux';

const CLI = path.join(ROOT, 'dist/cli.cjs');

test('CLI actions and their failures are audited', { skip: notLinux, timeout: 60_000 }, () => {
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-audit-')), 'audit.log');
  const env = { ...process.env, SYNCSCOPE_AUDIT_LOG: log };
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env });
  const name = `${RUN_PREFIX}_audit`;
  cleanPosix(name);
  try {
    assert.equal(cli('create', 'posix-semaphore', name, '--count', '1', '--hold', '0').status, 0);
    assert.equal(cli('post', name, '--count', '2').status, 0);
    assert.equal(cli('post', `${name}_missing`).status, 3);
    const { file, entries } = JSON.parse(cli('audit', '--json').stdout);
    assert.equal(file, log);
    assert.deepEqual(
      entries.map((e: { action: string; target: string; ok: boolean; via: string }) => [e.action, e.target, e.ok, e.via]),
      [
        ['post', `${name}_missing`, false, 'cli'],
        ['post', name, true, 'cli'],
        ['create posix-semaphore', name, true, 'cli'],
      ],
    );
    assert.match(cli('audit').stdout, new RegExp(`FAILED: .*${name}_missing`));
  } finally {
    cleanupAll();
  }
});
