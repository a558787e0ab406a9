// Nothing leaks: thousands of sample cycles over one object of each kind (plus scans, holder and
// waiter passes, failing opens and actions) leave this process with the descriptors it had.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadBackend, type Backend, type CreatedObject } from '../../native';
import { liveResourceCount } from '../../native/linux/fd';
import { Fixture, RUN_PREFIX, cleanPosix, cleanSysv, cleanupAll, notLinux, onCleanup, openFdCount, tempDir } from '../support/linux';

const CYCLES = 3000;

describe('descriptor hygiene', { skip: notLinux, timeout: 60_000 }, () => {
  let backend: Backend;
  const created: CreatedObject[] = [];
  let lockPath: string;
  let badFile: string;

  before(async () => {
    backend = loadBackend();
    const name = `${RUN_PREFIX}_hyg`;
    cleanPosix(name);
    created.push(backend.create({ kind: 'posix-semaphore', name, count: 1 }));
    const set = backend.create({ kind: 'sysv-semaphore', name: 'private', nsems: 2, count: 1 });
    cleanSysv(Number(set.path.slice('sysv:'.length)));
    created.push(set);
    const file = path.join(tempDir(), 'locked');
    fs.writeFileSync(file, '');
    const locker = Fixture.start('locks', `hold:flock:WRITE:${file}`);
    await locker.line('done');
    const inode = fs.statSync(file).ino;
    lockPath = backend.scan(['/proc/locks']).find((e) => e.name.includes(`:${inode}:`))!.path;
    badFile = `/dev/shm/sem.${RUN_PREFIX}_hygbad`;
    fs.writeFileSync(badFile, Buffer.alloc(64));
    onCleanup(() => fs.rmSync(badFile, { force: true }));
  });
  after(() => {
    for (const object of created) object.close();
    backend?.dispose();
    cleanupAll();
  });

  test(`${CYCLES} sample cycles leave the descriptor count where it was`, { timeout: 50_000 }, async () => {
    const paths = [...created.map((c) => c.path), lockPath];
    const cycle = async (i: number) => {
      for (const p of paths) {
        const object = backend.open(p);
        object.sample();
        object.close();
      }
      for (const name of [`${RUN_PREFIX}_missing`, `${RUN_PREFIX}_hygbad`, 'sysv:2147483646', 'lock:FLOCK:00:00:1:0:EOF']) {
        try {
          backend.open(name).close();
        } catch {
          // expected: not found or not a semaphore
        }
      }
      if (i % 10 === 0) {
        await backend.act({ action: 'post', name: created[0].path });
        await backend.act({ action: 'trywait', name: created[0].path });
        await backend.act({ action: 'post', name: created[1].path, index: 1 });
        await backend.act({ action: 'trywait', name: created[1].path, index: 1 });
        await backend.act({ action: 'drain', name: `${RUN_PREFIX}_hygbad` }).catch(() => undefined);
      }
      if (i % 100 === 0) {
        backend.scan();
        backend.holders(paths);
        backend.waiters(paths);
      }
    };
    for (let i = 0; i < 50; i++) await cycle(i); // warm-up: lazy bindings, caches, worker threads
    const semInode = fs.statSync(created[0].path).ino;
    const semMappings = () => fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.split(/\s+/)[4] === String(semInode)).length;
    const mappingsBefore = semMappings();
    const before = openFdCount();
    // The count does see this layer's descriptors.
    const probe = backend.open(created[0].path);
    assert.equal(openFdCount(), before + 1);
    probe.close();
    const liveBefore = liveResourceCount();
    const started = Date.now();
    for (let i = 1; i <= CYCLES; i++) await cycle(i);
    const elapsed = Date.now() - started;
    const afterCount = openFdCount();
    process.stderr.write(
      `hygiene: ${CYCLES} cycles in ${elapsed} ms; descriptors ${before} -> ${afterCount}; live resources ${liveBefore} -> ${liveResourceCount()}\n`,
    );
    assert.equal(afterCount, before, 'descriptor count');
    assert.equal(semMappings(), mappingsBefore, 'mappings of the semaphore (sem_open keeps one)');
    assert.equal(mappingsBefore, 1);
    assert.equal(backend.processHandleCount(), afterCount);
    assert.equal(liveResourceCount(), 0);
    assert.equal(liveBefore, 0);
  });
});
