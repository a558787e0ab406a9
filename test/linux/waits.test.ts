// Waits that block nobody (Linux): each pending trywait runs on its own thread, so five of them at
// once leave libuv's pool (4 threads) to file I/O; cancel, timeout and shutdown end the wait and
// its thread; another real process (glibc's sem_getvalue, util-linux ipcs) checks the objects.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog } from '../../core/audit';
import { serveEndpoint } from '../../core/endpoint';
import { Service } from '../../core/service';
import { loadBackend, type Backend, type CreatedObject } from '../../native';
import { liveResourceCount } from '../../native/linux/fd';
import { busyWaitThreadCount, liveWaitThreadCount } from '../../native/wait-thread';
import { Fixture, ROOT, RUN_PREFIX, cleanPosix, cleanupAll, ipcmk, ipcsSemaphores, notLinux, tempDir, waitFor } from '../support/linux';

/** The value glibc's sem_getvalue reports in another process. */
async function oracleValue(name: string): Promise<number> {
  const probe = Fixture.start('posix-value', `/${name}`);
  const line = await probe.line('value');
  await probe.exit();
  return line.value;
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected the action to fail');
}

describe('waits that block nobody (Linux)', { skip: notLinux, timeout: 90_000 }, () => {
  let backend: Backend;
  let created: CreatedObject;
  const name = `${RUN_PREFIX}_waits`;
  let dir: string;
  let resourcesAtStart: number;

  before(() => {
    backend = loadBackend();
    cleanPosix(name);
    dir = tempDir();
    resourcesAtStart = liveResourceCount();
    created = backend.create({ kind: 'posix-semaphore', name, count: 0 });
  });
  after(() => {
    created?.close();
    backend?.dispose();
    cleanupAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('five pending trywaits leave file I/O and the event loop free; one takes a posted unit, cancel ends the rest', { timeout: 60_000 }, async () => {
    const file = path.join(dir, 'data.bin');
    fs.writeFileSync(file, Buffer.alloc(1 << 20, 7));
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const settled: boolean[] = controllers.map(() => false);
    const waits = controllers.map((controller, i) => {
      const wait = backend.act({ action: 'trywait', name, timeoutMs: 600_000 }, controller.signal);
      wait.then(() => (settled[i] = true), () => (settled[i] = true));
      return wait;
    });
    await waitFor('five busy wait threads', () => busyWaitThreadCount() === 5);
    // Before, each wait sat on one of libuv's 4 pool threads and this read never completed.
    const read = await Promise.race([
      fs.promises.readFile(file),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('readFile did not complete: the pool is blocked')), 20_000)),
    ]);
    assert.equal(read.length, 1 << 20);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settled, [false, false, false, false, false], 'all five still pending');

    // One unit posted from here is taken by exactly one waiting thread; another process sees 0.
    await backend.act({ action: 'post', name });
    const first = await waitFor('one wait to take the unit', () => {
      const index = settled.indexOf(true);
      return index >= 0 ? index : undefined;
    });
    assert.equal((await waits[first]).acquired, 1);
    assert.equal(await oracleValue(name), 0);

    for (const controller of controllers) controller.abort('cancelled by the test');
    for (const [i, wait] of waits.entries()) {
      if (i === first) continue;
      const error = await rejection(wait);
      assert.equal(error.kind, 'cancelled', error.message);
      assert.match(error.message, /cancelled by the test/);
    }
    await waitFor('every wait to end', () => busyWaitThreadCount() === 0);
    // Nobody still waits: a unit posted now stays, as another process reads it.
    await backend.act({ action: 'post', name });
    assert.equal(await oracleValue(name), 1);
    await backend.act({ action: 'drain', name });
    assert.equal(liveResourceCount(), resourcesAtStart);
    // Idle threads wait in the pool for the next wait; shutdown ends every one.
    assert.ok(liveWaitThreadCount() > 0 && liveWaitThreadCount() <= 4, `idle threads kept: ${liveWaitThreadCount()}`);
    await backend.endWaits!();
    assert.equal(liveWaitThreadCount(), 0);
  });

  test('a wait that times out ends with its thread', { timeout: 30_000 }, async () => {
    const error = await rejection(backend.act({ action: 'trywait', name, timeoutMs: 300 }));
    assert.equal(error.kind, 'timeout');
    assert.equal(busyWaitThreadCount(), 0);
    assert.equal(liveResourceCount(), resourcesAtStart);
  });

  test('System V: a pending trywait shows as a waiter to ipcs, and cancel takes it away', { timeout: 30_000 }, async () => {
    const semid = ipcmk(1);
    const controller = new AbortController();
    const wait = backend.act({ action: 'trywait', name: `sysv:${semid}`, timeoutMs: 600_000 }, controller.signal);
    await waitFor('ipcs to show one waiter for an increase', () => ipcsSemaphores(semid)[0]?.ncount === 1);
    controller.abort('cancelled by the test');
    assert.equal((await rejection(wait)).kind, 'cancelled');
    assert.equal(busyWaitThreadCount(), 0);
    assert.equal(ipcsSemaphores(semid)[0].ncount, 0);
  });

  test('the service: cancelAction by id, and dispose cancels what is still pending (both audited)', { timeout: 30_000 }, async () => {
    const audit = new AuditLog(path.join(dir, 'audit.log'), 'test');
    const service = new Service(loadBackend(), { audit });
    // Each failure is taken at once (a rejection left unhandled until awaited fails the run).
    const byId = rejection(Promise.resolve(service.handlers.act({ action: 'trywait', name, timeoutMs: 600_000, actionId: 'wait-1' })));
    const atExit = rejection(Promise.resolve(service.handlers.act({ action: 'trywait', name, timeoutMs: 600_000, actionId: 'wait-2' })));
    await waitFor('two busy wait threads', () => busyWaitThreadCount() === 2);
    assert.deepEqual(await service.handlers.cancelAction({ actionId: 'wait-1' }), { cancelled: true });
    assert.equal((await byId).kind, 'cancelled');
    assert.deepEqual(await service.handlers.cancelAction({ actionId: 'wait-1' }), { cancelled: false });
    await service.dispose();
    const error = await atExit;
    assert.equal(error.kind, 'cancelled');
    assert.match(error.message, /the session ended/);
    assert.equal(liveWaitThreadCount(), 0);
    const entries = audit.read();
    assert.equal(entries.filter((e) => e.action === 'trywait' && !e.ok && /cancelled/.test(e.detail)).length, 2);
  });

  test('a connection that closes cancels the waits it asked for', { timeout: 30_000 }, async () => {
    const service = new Service(loadBackend(), { audit: new AuditLog(path.join(dir, 'audit-connection.log'), 'test') });
    const replies: Array<{ id: number; ok: boolean; error?: { kind: string; message: string } }> = [];
    const endpoint = serveEndpoint(service, 'websocket', (reply) => replies.push(reply as (typeof replies)[number]));
    const answered = endpoint.receive({ id: 1, channel: 'act', payload: { action: 'trywait', name, timeoutMs: 600_000 } });
    await waitFor('a busy wait thread', () => busyWaitThreadCount() === 1);
    endpoint.close();
    await answered;
    assert.equal(replies.length, 1);
    assert.equal(replies[0].ok, false);
    assert.equal(replies[0].error?.kind, 'cancelled');
    assert.match(replies[0].error!.message, /the browser that asked for it went away/);
    assert.equal(busyWaitThreadCount(), 0);
    await service.dispose();
  });

  test('the CLI: Ctrl-C cancels a pending trywait and exits 130', { timeout: 60_000 }, async () => {
    const semid = ipcmk(1);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), 'trywait', `sysv:${semid}`, '--timeout', '600000'], {
      cwd: ROOT,
      env: { ...process.env, SYNCSCOPE_AUDIT_LOG: path.join(dir, 'cli-audit.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('ipcs to show the CLI waiting', () => ipcsSemaphores(semid)[0]?.ncount === 1, 30_000);
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /cancelled: Ctrl-C/);
    assert.equal(ipcsSemaphores(semid)[0].ncount, 0);
    const entry = new AuditLog(path.join(dir, 'cli-audit.log')).read(1)[0];
    assert.equal(entry.ok, false);
    assert.match(entry.detail, /cancelled/);
  });
});
