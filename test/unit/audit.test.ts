import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AuditLog } from '../../core/audit';

const tempLog = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-audit-')), 'nested', 'audit.log');

test('record writes one line per action, success and failure alike, newest first on read', async () => {
  const file = tempLog();
  const log = new AuditLog(file, 'cli');
  await log.record('set', 'Ev', async () => ({ detail: 'set Ev' }));
  await assert.rejects(log.record('release', 'Mx', () => Promise.reject(new Error('not the owner'))), /not the owner/);
  const entries = log.read();
  assert.equal(entries.length, 2);
  assert.deepEqual(
    entries.map((e) => [e.action, e.target, e.ok, e.detail, e.via, e.pid]),
    [
      ['release', 'Mx', false, 'not the owner', 'cli', process.pid],
      ['set', 'Ev', true, 'set Ev', 'cli', process.pid],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(entries[0].time)));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'private to the user');
});

test('read skips torn or foreign lines and honours the limit', () => {
  const file = tempLog();
  const log = new AuditLog(file, 'app');
  log.write('a', 'x', true, 'one');
  fs.appendFileSync(file, 'not json\n{"half":');
  log.write('b', 'y', true, 'two');
  assert.deepEqual(log.read().map((e) => e.action), ['b', 'a']);
  assert.deepEqual(log.read(1).map((e) => e.action), ['b']);
});

test('a missing log reads as empty; an unwritable one never breaks the action', async () => {
  assert.deepEqual(new AuditLog(path.join(os.tmpdir(), 'no-such-dir-syncscope', 'audit.log')).read(), []);
  const blocked = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-audit-')), 'file');
  fs.writeFileSync(blocked, '');
  // A path under a regular file cannot be created.
  const log = new AuditLog(path.join(blocked, 'audit.log'));
  const result = await log.record('set', 'Ev', () => ({ detail: 'done' }));
  assert.equal(result.detail, 'done');
});
