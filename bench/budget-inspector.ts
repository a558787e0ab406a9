// The inspector process of bench/budget.bench.ts: a core Service as `syncscope serve` runs it (its
// default CPU budget, one subscriber that serialises every update as serve does and acknowledges
// on the next turn of the event loop), over one kind of real Linux semaphores. Its CPU is read
// from outside, from /proc/<pid>/stat, by the bench.
//
//   node dist/budget-inspector.cjs --kind posix|sysv [--glob G] --watch PATH --probes FILE [--budget PCT]
//
// On stdout, one JSON line each: {ready, tracked} once every object is tracked; {p, v, t} when a
// probe object's value reaches the stream (path index in FILE, value, wall-clock ms with
// sub-millisecond precision); {status, stats} once a second. It stops on stdin's end.
import fs from 'node:fs';
import { AuditLog } from '../core/audit';
import { Connection } from '../core/connection';
import { Service } from '../core/service';
import { LinuxBackend } from '../native/linux/backend';
import { SHM_DIRECTORY, SYSV_SOURCE } from '../native/linux/names';
import type { UpdateMessage } from '../protocol';

function argument(name: string, fallback?: string): string {
  const at = process.argv.indexOf(`--${name}`);
  if (at >= 0 && at + 1 < process.argv.length) return process.argv[at + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const kind = argument('kind');
const glob = argument('glob', '');
const watched = argument('watch');
const probes = fs.readFileSync(argument('probes'), 'utf8').split('\n').filter(Boolean);
const probeIndex = new Map(probes.map((p, i) => [p, i]));
const budget = Number(argument('budget', '5'));
const expected = Number(argument('expect', '0'));
const wallNow = () => performance.timeOrigin + performance.now();
const out = (message: unknown) => process.stdout.write(JSON.stringify(message) + '\n');

const backend = new LinuxBackend();
const service = new Service(backend, {
  scopes: [kind === 'posix' ? SHM_DIRECTORY : SYSV_SOURCE],
  nameGlob: glob || undefined,
  audit: new AuditLog('/dev/null', 'app'),
  allowActions: false,
  cpuBudgetPercent: budget,
});
let bytes = 0;
const lastSeen = new Map<number, number>();
const connection = new Connection(service, 'websocket', (update: UpdateMessage) => {
  // What serve/server.ts sends for an update.
  bytes += Buffer.byteLength(JSON.stringify({ id: -1, update }));
  const records = update.type === 'snapshot' ? update.records : update.upserts;
  const t = wallNow();
  // One write per update: each write is a system call the inspector pays for the bench.
  let lines = '';
  for (const record of records) {
    const index = probeIndex.get(record.path);
    if (index === undefined || !record.state) continue;
    const value = kind === 'posix' ? (record.state as { count: number }).count : (record.state as { values: number[] }).values[0];
    if (lastSeen.get(index) === value) continue;
    lastSeen.set(index, value);
    lines += JSON.stringify({ p: index, v: value, t }) + '\n';
  }
  if (lines) process.stdout.write(lines);
  setImmediate(() => void connection.handle('ack', {}));
});

async function main(): Promise<void> {
  service.start();
  await connection.handle('subscribe', {});
  // Every object tracked (the planned scan finds them all at once; their first samples follow).
  while (service.sampler.records().length < expected) await new Promise((resolve) => setTimeout(resolve, 100));
  await connection.handle('watch', { paths: [watched] });
  out({ ready: true, tracked: service.sampler.records().length });
  const timer = setInterval(() => {
    const stats = service.sampler.stats;
    out({ status: service.sampler.budgetStatus(), stats: { tierSamples: stats.tierSamples, deferred: stats.deferred, busyMs: stats.busyMs, lastError: stats.lastError }, bytes });
  }, 1000);
  process.stdin.on('end', () => {
    clearInterval(timer);
    connection.close();
    void service.dispose().then(() => process.exit(0));
  });
  process.stdin.resume();
}

main().catch((error) => {
  process.stderr.write(`budget-inspector: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
