// The service's demo requests, with real worker processes on the Linux backend: starts and stops
// run one at a time, so two starts that arrive together (a double click) leave one demo and no
// orphan; a stop that cannot remove everything says so instead of reporting success.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import { forkWorker } from '../../demos/worker-process';
import { isNativeError, loadBackend } from '../../native';
import { ERRNO, PR_SET_PTRACER, lastErrno, libc } from '../../native/linux/libc';
import { ROOT, notLinux, processAlive, waitFor } from '../support/linux';

function makeService(): { service: Service; audit: AuditLog } {
  const audit = new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-demo-service-')), 'audit.log'), 'test');
  const worker = path.join(ROOT, 'dist/demo-worker.cjs');
  const service = new Service(loadBackend(), { audit, attribution: false, spawnWorker: (_script, argument) => forkWorker(worker, argument) });
  return { service, audit };
}

describe('a demo worker lets the process running the demo inspect it (Yama)', { skip: notLinux }, () => {
  test('prctl(PR_SET_PTRACER): 0 where Yama is, EINVAL where there is nothing to allow; allowInspectionBy takes both', () => {
    const yama = fs.existsSync('/proc/sys/kernel/yama/ptrace_scope');
    const result = libc().prctl(PR_SET_PTRACER, process.ppid, 0, 0, 0);
    const errno = lastErrno();
    if (yama) assert.equal(result, 0, `prctl failed with errno ${errno}`);
    else assert.deepEqual([result, errno], [-1, ERRNO.EINVAL], 'no Yama: the option is unknown');
    const backend = loadBackend();
    try {
      assert.doesNotThrow(() => backend.allowInspectionBy!(process.ppid));
    } finally {
      backend.dispose();
    }
  });
});

describe('demo requests to the service (Linux, real workers)', { skip: notLinux, timeout: 120_000 }, () => {
  const services: Service[] = [];
  after(async () => {
    for (const service of services) await service.dispose().catch(() => undefined);
  });

  test('two starts at once: the first demo is stopped and removed before the second starts; no orphans', async () => {
    const { service, audit } = makeService();
    services.push(service);
    const [first, second] = await Promise.all([
      service.handlers.startDemo({ scenario: 'producer-consumer', workers: 2 }),
      service.handlers.startDemo({ scenario: 'handshake' }),
    ]);
    for (const pid of first.pids) await waitFor(`first demo's worker ${pid} to exit`, () => !processAlive(pid), 10_000);
    for (const file of Object.values(first.objects)) assert.equal(fs.existsSync(file), false, `${file} was removed`);
    for (const pid of second.pids) assert.ok(processAlive(pid), `second demo's worker ${pid} runs`);
    const starts = audit.read(50).filter((entry) => entry.action === 'start demo');
    const stops = audit.read(50).filter((entry) => entry.action === 'stop demo');
    assert.equal(starts.length, 2);
    assert.deepEqual(stops.map((entry) => [entry.target, entry.ok, /replaced by handshake/.test(entry.detail)]), [['producer-consumer', true, true]]);
    assert.deepEqual(await service.handlers.stopDemo({}), { stopped: true });
    for (const pid of second.pids) await waitFor(`second demo's worker ${pid} to exit`, () => !processAlive(pid), 10_000);
  });

  test('a stop that cannot remove an object fails, names it, and is audited as failed', async () => {
    const { service, audit } = makeService();
    services.push(service);
    const demo = await service.handlers.startDemo({ scenario: 'producer-consumer', workers: 2 });
    // Someone replaced the demo's semaphore with something that is not one: it cannot be removed.
    const free = demo.objects.Free;
    fs.rmSync(free);
    fs.mkdirSync(free);
    try {
      await assert.rejects(
        Promise.resolve(service.handlers.stopDemo({})),
        (error: unknown) => isNativeError(error) && error.kind === 'os-error' && error.message.includes(free) && /not a regular file/.test(error.message),
      );
      for (const pid of demo.pids) await waitFor(`worker ${pid} to exit anyway`, () => !processAlive(pid), 10_000);
      assert.equal(fs.existsSync(demo.objects.Filled), false, 'what could be removed was removed');
      const stop = audit.read(10).find((entry) => entry.action === 'stop demo')!;
      assert.equal(stop.ok, false);
      assert.match(stop.detail, /could not be removed/);
      assert.deepEqual(await service.handlers.stopDemo({}), { stopped: false }, 'the demo is no longer running');
    } finally {
      fs.rmSync(free, { recursive: true, force: true });
    }
  });
});
