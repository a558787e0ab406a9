// A name a user gives never reaches outside /dev/shm, and SyncScope never reads, writes, maps or
// unlinks a file there that is not a semaphore: links, wrong sizes, FIFOs, directories.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend } from '../../native';
import { RUN_PREFIX, cleanupAll, notLinux, onCleanup, runCli, tempDir } from '../support/linux';

const BAD_NAMES = [
  '',
  '/',
  'a/b',
  '//x',
  '../x',
  '..',
  '.',
  'x..y',
  '/dev/shm/sem.a/b',
  '/dev/shm/sem.../../etc/passwd',
  '/etc/passwd',
  'x\u0000y',
  'x\ny',
  'x\u007f',
  'x\ud800',
  'a'.repeat(252),
];

describe('name and file safety', { skip: notLinux, timeout: 60_000 }, () => {
  let backend: Backend;
  let outside: string;
  const original = Buffer.alloc(32, 0x41);
  const shm = (leaf: string) => `/dev/shm/sem.${RUN_PREFIX}_${leaf}`;

  before(() => {
    backend = loadBackend();
    outside = path.join(tempDir(), 'target');
    fs.writeFileSync(outside, original);
    const made = [shm('link'), shm('big'), shm('dir'), shm('fifo'), shm('small')];
    onCleanup(() => made.forEach((p) => fs.rmSync(p, { recursive: true, force: true })));
    fs.symlinkSync(outside, shm('link'));
    fs.writeFileSync(shm('big'), Buffer.alloc(64, 0x42));
    fs.writeFileSync(shm('small'), Buffer.alloc(8, 0x43));
    fs.mkdirSync(shm('dir'));
    assert.equal(spawnSync('mkfifo', [shm('fifo')]).status, 0);
  });
  after(() => {
    backend?.dispose();
    cleanupAll();
  });

  test('bad names are refused as invalid-argument by open, every action and create', async () => {
    // A 251-byte name is fine by the rules (it just does not exist).
    assert.throws(() => backend.open('a'.repeat(251)), (e: any) => e.kind === 'not-found');
    for (const name of BAD_NAMES) {
      const label = JSON.stringify(name);
      assert.throws(() => backend.open(name), (e: any) => e.kind === 'invalid-argument', `open ${label}`);
      assert.throws(() => backend.resolve(name), (e: any) => e.kind === 'invalid-argument', `resolve ${label}`);
      for (const action of ['post', 'trywait', 'drain', 'unlink'] as const) {
        await assert.rejects(async () => backend.act({ action, name }), (e: any) => e.kind === 'invalid-argument', `${action} ${label}`);
      }
      assert.throws(() => backend.create({ kind: 'posix-semaphore', name }), (e: any) => e.kind === 'invalid-argument', `create ${label}`);
    }
    for (const name of ['sysv:x', 'sysv:-1', 'sysv:99999999999', 'sysv:key=0', 'sysv:key=zz', 'lock:x', 'lock:FLOCK:fe:00:1:0', 'lock:../x']) {
      assert.throws(() => backend.open(name), (e: any) => e.kind === 'invalid-argument', name);
    }
  });

  test('a symbolic link, a wrong size, a directory and a FIFO named sem.* are not semaphores', async () => {
    for (const leaf of ['link', 'big', 'small', 'dir', 'fifo']) {
      const name = `${RUN_PREFIX}_${leaf}`;
      assert.throws(() => backend.open(name), (e: any) => e.kind === 'wrong-type', `open ${leaf}`);
      for (const action of ['post', 'trywait', 'drain', 'unlink'] as const) {
        await assert.rejects(async () => backend.act({ action, name }), (e: any) => e.kind === 'wrong-type', `${action} ${leaf}`);
      }
      assert.ok(fs.lstatSync(shm(leaf)), `${leaf} is still there`);
    }
    // Nothing was written through the link or to the odd files.
    assert.deepEqual(fs.readFileSync(outside), original);
    assert.deepEqual(fs.readFileSync(shm('big')), Buffer.alloc(64, 0x42));
    assert.deepEqual(fs.readFileSync(shm('small')), Buffer.alloc(8, 0x43));
    assert.ok(fs.lstatSync(shm('link')).isSymbolicLink());
    // create does not go through the link either.
    assert.throws(() => backend.create({ kind: 'posix-semaphore', name: `${RUN_PREFIX}_link` }), (e: any) => e.kind === 'already-exists');
    assert.deepEqual(fs.readFileSync(outside), original);
    // None of them is listed.
    const listed = backend.scan(['/dev/shm']).map((e) => e.name);
    assert.deepEqual(listed.filter((n) => n.startsWith(RUN_PREFIX)), []);
  });

  test('holders and waiters ignore paths that are not Linux object paths', () => {
    const bogus = ['/etc/passwd', '/dev/shm/sem.../x', 'relative'];
    assert.deepEqual([...backend.holders(bogus).holders.values()], [[], [], []]);
    assert.deepEqual([...backend.waiters(bogus).waiters.values()], [[], [], []]);
  });

  test('the CLI exits 2 on a bad name and 3 when the name is fine but absent', async () => {
    const bad = await runCli(['show', '../../etc/passwd']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad POSIX semaphore name/);
    const missing = await runCli(['show', `${RUN_PREFIX}_nothing`]);
    assert.equal(missing.code, 3);
    const link = await runCli(['signal', `${RUN_PREFIX}_link`]);
    assert.equal(link.code, 1);
    assert.match(link.stderr, /symbolic link/);
    assert.deepEqual(fs.readFileSync(outside), original);
  });
});
