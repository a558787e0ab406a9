// The CPU budget's work clock on Linux: the engine thread's own CPU time, which another thread's
// work does not move (the process's does), measured around real work on real threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from '../../native/linux/libc';
import { notLinux } from '../support/linux';

const processCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

test("threadCpuMs counts this thread's work, not another thread's", { skip: notLinux, timeout: 30_000 }, () => {
  // This thread spins 100 ms of wall time: its clock moves with it.
  const before = threadCpuMs();
  const until = performance.now() + 100;
  while (performance.now() < until);
  const spun = threadCpuMs() - before;
  assert.ok(spun > 20 && spun < 150, `this thread spun 100 ms and its clock moved ${spun} ms`);

  // Another thread spins until 150 ms of process CPU beyond ours have passed, while this one sleeps.
  const done = new Int32Array(new SharedArrayBuffer(4));
  const mine = threadCpuMs();
  const processBefore = processCpuMs();
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const start = process.cpuUsage();
     for (;;) { const u = process.cpuUsage(start); if ((u.user + u.system) / 1000 > 150) break; }
     Atomics.store(workerData, 0, 1); Atomics.notify(workerData, 0);`,
    { eval: true, workerData: done },
  );
  Atomics.wait(done, 0, 0, 20_000);
  const elsewhere = processCpuMs() - processBefore;
  const ours = threadCpuMs() - mine;
  void worker.terminate();
  assert.equal(Atomics.load(done, 0), 1, 'the other thread finished its work');
  assert.ok(elsewhere >= 150, `the process clock saw the other thread: ${elsewhere} ms`);
  assert.ok(ours < 30, `this thread slept, yet its clock moved ${ours} ms`);
});
