// Waits that block nobody (Windows, under Wine): pending acquires wait on their own threads, so
// five of them leave libuv's pool (4 threads) to file I/O; cancel, timeout and dispose end them;
// a mutex SyncScope acquires is owned by its wait thread until released, and released at dispose
// with its own audit entry. A second process checks the mutex with plain kernel32 calls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runtimeMissing } from '../support/runtime';
import { provisionWine, runFixture, tempDir, toWinePath } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']);

describe('waits that block nobody (Windows, under Wine)', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let facts: Record<string, any>;

  before(async () => {
    provisionWine();
    dir = tempDir('waits');
    const run = await runFixture('win32-waits', [`SyncScopeWaits${process.pid}`, toWinePath(dir)], 180_000);
    const result = path.join(dir, 'result.json');
    assert.ok(fs.existsSync(result), `the fixture wrote no result (exit ${run.code}): ${run.stderr}`);
    facts = JSON.parse(fs.readFileSync(result, 'utf8'));
    assert.equal(facts.error, undefined, facts.error);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('five pending waits on unsignaled events leave file I/O and the event loop free', () => {
    assert.equal(facts.waitThreadsWhilePending, 5);
    // Before, each wait held one of libuv's 4 pool threads and this read never completed.
    assert.equal(facts.readFile.completed, true, 'readFile completed while five waits were pending');
    assert.equal(facts.readFile.bytes, 1 << 20);
    assert.equal(facts.signaledWait.ok, true, facts.signaledWait.message);
  });

  test('cancel ends a pending wait and its thread; a timeout too', () => {
    assert.equal(facts.cancelledWaits.length, 4);
    for (const wait of facts.cancelledWaits) {
      assert.equal(wait.kind, 'cancelled', wait.message);
      assert.match(wait.message, /cancelled by the test/);
    }
    assert.equal(facts.waitThreadsAfterCancel, 0);
    assert.ok(facts.idleThreadsAfterCancel <= 4, `idle threads kept in the pool: ${facts.idleThreadsAfterCancel}`);
    assert.equal(facts.timedOut.kind, 'timeout', facts.timedOut.message);
    assert.equal(facts.waitThreadsAfterTimeout, 0);
  });

  test('an acquired mutex is owned by SyncScope\'s wait thread until released', () => {
    assert.equal(facts.mutexAcquired.ok, true, facts.mutexAcquired.message);
    const owner = Number(/owned by SyncScope's thread (\d+)/.exec(facts.mutexAcquired.message)?.[1]);
    assert.ok(owner > 0, facts.mutexAcquired.message);
    assert.notEqual(owner, facts.mainThreadId, 'not the event loop\'s thread');
    // Wine does not tell a mutex's owner (MutantOwnerInformation); OwnedByCaller tells the
    // event loop's thread is not it. Where the owner is told, it must be the wait thread.
    assert.equal(facts.mutexAcquired.state.ownedByCaller, true, 'the state the acquire returns is read on the owning thread');
    assert.equal(facts.mutexStateFromMainThread.locked, true);
    assert.equal(facts.mutexStateFromMainThread.ownedByCaller, false);
    if (facts.mutexStateFromMainThread.ownerThreadId !== undefined) assert.equal(facts.mutexStateFromMainThread.ownerThreadId, owner);
    assert.equal(facts.probeWhileHeld, 'WAIT_TIMEOUT', 'another process cannot take it');
    assert.equal(facts.released.ok, true, facts.released.message);
    assert.equal(facts.probeAfterRelease, 'WAIT_OBJECT_0', 'released, not abandoned');
    assert.equal(facts.waitThreadsAfterRelease, 0);
    assert.equal(facts.handlesAfterBackend, 0, 'every handle closed');
  });

  test('the service: cancelAction by id; dispose cancels pending waits and releases the mutex, audited', () => {
    assert.equal(facts.serviceAcquired.ok, true, facts.serviceAcquired.message);
    assert.deepEqual(facts.cancelAction, { cancelled: true });
    assert.equal(facts.cancelledById.kind, 'cancelled');
    assert.match(facts.cancelledById.message, /cancelled by the user/);
    assert.equal(facts.probeWhileServiceHolds, 'WAIT_TIMEOUT');
    assert.equal(facts.cancelledAtExit.kind, 'cancelled');
    assert.match(facts.cancelledAtExit.message, /the session ended/);
    assert.equal(facts.waitThreadsAfterDispose, 0);
    assert.equal(facts.probeAfterDispose, 'WAIT_OBJECT_0', 'released at exit, not abandoned');
    const atExit = facts.audit.filter((e: any) => e.action === 'release at exit');
    assert.equal(atExit.length, 1);
    assert.equal(atExit[0].ok, true, atExit[0].detail);
    assert.match(atExit[0].target, /_Mx$/);
    assert.equal(facts.audit.filter((e: any) => e.action === 'acquire' && !e.ok && /cancelled/.test(e.detail)).length, 2);
    assert.equal(facts.handlesAtEnd, 0, 'every handle closed');
    assert.equal(facts.threadsAtEnd, 0, 'shutdown ended every wait thread');
  });
});
