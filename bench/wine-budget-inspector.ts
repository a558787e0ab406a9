// The inspector of the Wine CPU-budget figures (bench/wine-budget.bench.ts), run in the Windows
// node.exe under Wine: a core Service over Win32Backend as `syncscope serve` runs it (its default
// budget, the backend's default scopes, fenced to the bench's objects by a name glob), with one
// subscriber that serialises every update as serve does and acknowledges on the next turn of the
// event loop, like bench/budget-inspector.ts on Linux. Its CPU is read from outside, from
// /proc/<pid>/stat of the Linux process that runs this node.exe.
//
//   node.exe wine-budget-inspector.cjs REPORT_FILE EXPECTED GLOB [BUDGET_PERCENT=5]
//
// node.exe cannot write to a pipe under Wine, so the reports are JSON lines appended to
// REPORT_FILE (Z:\... is the Linux file): {ready, tracked} once EXPECTED objects are tracked, then
// {t, status, stats, bytes} once a second. It stops when REPORT_FILE.stop exists, or by itself after
// 5 minutes, should the driver be killed.
import fs from 'node:fs';
import { AuditLog } from '../core/audit';
import { Connection } from '../core/connection';
import { Service } from '../core/service';
import { Win32Backend } from '../native/win32/backend';
import type { UpdateMessage } from '../protocol';

const [reportFile, expectedArg, glob, budgetArg] = process.argv.slice(2);
const expected = Number(expectedArg);
const budget = Number(budgetArg ?? 5);
if (!reportFile || !Number.isInteger(expected) || !glob || !(budget > 0)) {
  throw new Error('usage: wine-budget-inspector.cjs REPORT_FILE EXPECTED GLOB [BUDGET_PERCENT]');
}
const report = (message: unknown) => fs.appendFileSync(reportFile, JSON.stringify(message) + '\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A run of one size takes under a minute: past this, its driver is gone (killed outright). */
const LIFETIME_MS = 5 * 60_000;
setTimeout(() => process.exit(2), LIFETIME_MS).unref();

const backend = new Win32Backend();
const service = new Service(backend, {
  scopes: backend.defaultScopes(),
  nameGlob: glob,
  // NUL is Windows' /dev/null: the bench acts on nothing, but the log must not grow anywhere.
  audit: new AuditLog('NUL', 'app'),
  allowActions: false,
  cpuBudgetPercent: budget,
});
let bytes = 0;
const connection = new Connection(service, 'websocket', (update: UpdateMessage) => {
  // What serve/server.ts sends for an update.
  bytes += Buffer.byteLength(JSON.stringify({ id: -1, update }));
  setImmediate(() => void connection.handle('ack', {}));
});

async function main(): Promise<void> {
  service.start();
  await connection.handle('subscribe', {});
  while (service.sampler.records().length < expected) await sleep(100);
  report({ ready: true, tracked: service.sampler.records().length, t: Date.now() });
  const timer = setInterval(() => {
    if (fs.existsSync(`${reportFile}.stop`)) {
      clearInterval(timer);
      connection.close();
      void service.dispose().then(() => process.exit(0));
      return;
    }
    const stats = service.sampler.stats;
    report({
      t: Date.now(),
      status: service.sampler.budgetStatus(),
      stats: { tierSamples: stats.tierSamples, deferred: stats.deferred, busyMs: stats.busyMs, overruns: stats.overruns, lastError: stats.lastError },
      bytes,
    });
  }, 1000);
}

main().catch((error) => {
  report({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
