// The /dev/shm scan reuses its listing while the directory's stamps are unchanged (issue 15): real
// semaphores made and removed between scans, each change seen by the very next scan, including
// one made right after a scan (within the coarse clock tick the stamps come from).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, test } from 'node:test';
import { loadBackend, type Backend } from '../../native';
import { scanPosixSemaphores } from '../../native/linux/posix-semaphores';
import { RUN_PREFIX, cleanPosix, cleanupAll, notLinux } from '../support/linux';

describe('incremental /dev/shm scan', { skip: notLinux, timeout: 30_000 }, () => {
  let backend: Backend | undefined;
  const names = [0, 1, 2].map((i) => `${RUN_PREFIX}_inc${i}`);
  const mine = () => new Set(scanPosixSemaphores().filter((e) => names.includes(e.name)).map((e) => e.name));
  after(() => {
    for (const name of names) cleanPosix(name);
    backend?.dispose();
    cleanupAll();
  });

  test('a name made or removed between two scans is in the next one; an unchanged directory lists the same', () => {
    backend = loadBackend();
    for (const name of names) cleanPosix(name);
    backend.create({ kind: 'posix-semaphore', name: names[0], count: 1 }).close();
    assert.deepEqual(mine(), new Set([names[0]]));
    // Right after a scan: the stamps may still read the same coarse tick as that scan's.
    backend.create({ kind: 'posix-semaphore', name: names[1], count: 1 }).close();
    assert.deepEqual(mine(), new Set([names[0], names[1]]), 'made just after a scan');
    // Stamps older than the clock's tick now: the listing may be reused, and must still be right.
    const until = Date.now() + 60;
    while (Date.now() < until) {
      // wait past the stamps' granularity
    }
    assert.deepEqual(mine(), new Set([names[0], names[1]]));
    assert.deepEqual(mine(), new Set([names[0], names[1]]), 'reused listing');
    backend.create({ kind: 'posix-semaphore', name: names[2], count: 1 }).close();
    fs.rmSync(`/dev/shm/sem.${names[0]}`);
    assert.deepEqual(mine(), new Set([names[1], names[2]]), 'one made, one removed since the reused listing');
    // A reused listing is a copy: changing what a scan returned does not change the next.
    const first = scanPosixSemaphores();
    first.length = 0;
    assert.ok(scanPosixSemaphores().some((e) => e.name === names[1]));
  });
});
