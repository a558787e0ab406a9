// The scan in slices (issue 15: under Wine a directory lists one entry per call, 0.9 s for 10,000
// entries, so the sampler walks it over many ticks): a real walk of this session's
// BaseNamedObjects in a Windows node.exe, with objects of the fixture's own removed mid-walk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { provisionWine, runFixture, tempDir, toWinePath, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();

describe('the directory walk in slices, under Wine', { skip, timeout: 300_000 }, () => {
  test('a walk spread over calls lists what one listing does; an object it misses because another was removed is kept', { timeout: 120_000 }, async () => {
    provisionWine();
    const dir = tempDir('walk');
    const out = path.join(dir, 'out.json');
    const run = await runFixture('win32-walk', [toWinePath(out), `SyncScopeWalk${process.pid}`], 90_000);
    assert.equal(run.code, 0, run.stderr);
    const seen = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(seen.error, undefined, seen.error);
    assert.equal(seen.handlesLeft, 0, 'every handle closed (walks, objects, the backend)');
    assert.equal(seen.whole.walked.length, 40);
    assert.deepEqual(seen.whole.walked, seen.whole.listed, 'the walk in one-entry slices equals one whole listing');
    if (seen.form !== 'one') {
      // Windows: many entries per call, and the scan in slices is the whole scan at once.
      assert.equal(seen.sliced.inOneCall, true);
      assert.deepEqual(seen.sliced.listed, seen.sliced.live);
      return;
    }
    assert.ok(seen.whole.steps >= seen.whole.directorySize, `one entry a step: ${seen.whole.steps} steps for ${seen.whole.directorySize} entries`);
    // Why the backend checks what a walk misses: removing an entry the walk passed shifts the next
    // one onto the context, and the raw walk never lists that live object.
    assert.deepEqual(seen.shifted.missed, [seen.shifted.next], JSON.stringify(seen.shifted));
    // The backend's round with the same removal lists every live object (it opened the missed one).
    const missing = seen.sliced.live.filter((name: string) => !seen.sliced.listed.includes(name));
    assert.deepEqual(missing, [], `live objects missing from the sliced scan: ${JSON.stringify(seen.sliced)}`);
    // What it may list beyond the live ones is the removed object, seen before it was removed.
    const extra = seen.sliced.listed.filter((name: string) => !seen.sliced.live.includes(name));
    assert.ok(extra.every((name: string) => name === seen.sliced.passed), `extra: ${extra}`);
    assert.ok(seen.sliced.calls > seen.sliced.index + 1, `the round took many calls: ${seen.sliced.calls}`);
  });
});
