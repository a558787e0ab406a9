// The Win32 figure of `npm run bench`, run in the Windows node.exe under Wine (bench/bench.ts
// starts it through scripts/wine-rig.mjs): the per-object cost of sampling real events, mutexes
// and semaphores through the real code (core's Sampler, backend.open(path, kind).sample() and
// close) against a bare koffi loop making the same NtOpen*/NtQuery*/NtClose calls with buffers
// built beforehand, interleaved in one run.
//
//   node.exe wine.bench.cjs OUT_FILE [SIZES=1000,10000] [REPS=9]
//
// node.exe cannot write to a pipe under Wine, so the figures go to OUT_FILE (Z:\... is the Linux
// file). The objects live as long as this process holds their creating handles: they vanish with
// it, whatever way it ends.
import fs from 'node:fs';
import koffi from 'koffi';
import { Sampler } from '../core/sampler';
import type { CreatedObject } from '../native/actions';
import { Win32Backend } from '../native/win32/backend';
import { QUERY_STATE, objectAttributes } from '../native/win32/structs';
import { type Figure, type PartResult, median, round } from './figures';

const [outFile, sizesArg, repsArg] = process.argv.slice(2);
const sizes = (sizesArg ?? '1000,10000').split(',').map(Number);
const reps = Number(repsArg ?? 9);
const largest = Math.max(...sizes);

type Kind = 'event' | 'mutex' | 'semaphore';
const KINDS: Kind[] = ['event', 'mutex', 'semaphore'];

/** The same ntdll calls, bound here, without the layers around them. */
function bareCalls() {
  const lib = koffi.load('ntdll.dll');
  const open = {
    event: lib.func('int32_t NtOpenEvent(void *out, uint32_t access, void *oa)'),
    mutex: lib.func('int32_t NtOpenMutant(void *out, uint32_t access, void *oa)'),
    semaphore: lib.func('int32_t NtOpenSemaphore(void *out, uint32_t access, void *oa)'),
  };
  const query = {
    event: lib.func('int32_t NtQueryEvent(void *h, int32_t cls, void *buf, uint32_t len, void *ret)'),
    mutex: lib.func('int32_t NtQueryMutant(void *h, int32_t cls, void *buf, uint32_t len, void *ret)'),
    semaphore: lib.func('int32_t NtQuerySemaphore(void *h, int32_t cls, void *buf, uint32_t len, void *ret)'),
  };
  const close = lib.func('int32_t NtClose(void *h)');
  return { open, query, close };
}

function main(): PartResult {
  const backend = new Win32Backend();
  const bare = bareCalls();
  const created: CreatedObject[] = [];
  const figures: Figure[] = [];
  const notes: string[] = [];
  const prefix = `SSBench${process.pid}`;
  try {
    for (const count of sizes) {
      const started = performance.now();
      while (created.length < count) {
        const kind = KINDS[created.length % KINDS.length];
        created.push(backend.create({ kind, name: `${prefix}_${created.length}` }));
      }
      const createdMs = performance.now() - started;
      const objects = created.slice(0, count).map((c) => ({ path: c.path, kind: c.kind as Kind }));
      // Built once, as a program that knew its objects in advance would.
      const attributes = objects.map((o) => objectAttributes(o.path));
      const slot = Buffer.alloc(8);
      const info = Buffer.alloc(16);

      // The objects go in chunks, and each chunk is sampled by the three variants in turn (the
      // order rotating) before the next: under Wine every call is a round trip to wineserver,
      // whose timing drifts with the machine's load, so the variants are compared milliseconds
      // apart rather than seconds apart.
      const CHUNK = 250;
      const chunks: Array<{ from: number; to: number; sampler: Sampler }> = [];
      for (let from = 0; from < count; from += CHUNK) {
        const to = Math.min(count, from + CHUNK);
        const sampler = new Sampler({
          backend,
          fixedNames: objects.slice(from, to).map((o) => o.path),
          attribution: false,
          rates: { stateMs: 3_600_000 },
        });
        sampler.scanTick();
        if (sampler.records().length !== to - from) throw new Error(`a sampler tracks ${sampler.records().length} of ${to - from}`);
        chunks.push({ from, to, sampler });
      }
      const loop = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const object = backend.open(objects[i].path, objects[i].kind);
          try {
            object.sample();
          } finally {
            object.close();
          }
        }
      };
      const bareLoop = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const kind = objects[i].kind;
          if (bare.open[kind](slot, QUERY_STATE, attributes[i]) !== 0) throw new Error(`bare open of ${objects[i].path} failed`);
          const handle = slot.readBigUInt64LE(0);
          const status = bare.query[kind](handle, 0, info, 8, null);
          bare.close(handle);
          if (status !== 0) throw new Error(`bare query of ${objects[i].path} failed`);
        }
      };
      const pass = (rep: number) => {
        const spent = [0, 0, 0]; // bare, Sampler tick, open/sample/close loop
        chunks.forEach((chunk, c) => {
          for (let k = 0; k < 3; k++) {
            const variant = (k + rep + c) % 3;
            const t0 = performance.now();
            if (variant === 0) bareLoop(chunk.from, chunk.to);
            else if (variant === 1) chunk.sampler.stateTick();
            else loop(chunk.from, chunk.to);
            spent[variant] += performance.now() - t0;
          }
        });
        return spent.map((ms) => (ms * 1000) / count);
      };
      pass(0); // warm-up: lazy bindings, JIT
      const tick: number[] = [];
      const direct: number[] = [];
      const raw: number[] = [];
      const ratios: number[] = [];
      const loopRatios: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const [b, s, l] = pass(rep);
        raw.push(b);
        tick.push(s);
        direct.push(l);
        ratios.push(s / b);
        loopRatios.push(l / b);
      }
      const overruns = chunks.reduce((sum, chunk) => sum + chunk.sampler.stats.overruns, 0);
      if (overruns > 0) throw new Error('a measured tick ran out of budget');
      const scanStart = performance.now();
      const scanned = backend.scan().length;
      const scanMs = performance.now() - scanStart;
      const n = count.toLocaleString('en-US');
      const fmt = (v: number) => round(v, 2).toString();
      figures.push(
        {
          id: `wine.sample.${count}.ratio`,
          section: 'wine',
          name: `Wine: sample per object, ${n} events/mutexes/semaphores: Sampler vs bare koffi`,
          value: round(median(ratios), 2),
          unit: 'x',
          ...(count === largest ? { max: 1.5, margin: 0.1, target: '≤ 1.5x' } : {}),
          detail:
            `Sampler.stateTick ${fmt(median(tick))} µs/object; bare koffi NtOpen*/NtQuery*/NtClose with prebuilt OBJECT_ATTRIBUTES ` +
            `${fmt(median(raw))} µs/object; median of ${reps} passes, each variant run on every chunk of 250 objects in turn, ratios ${ratios.map(fmt).join(', ')}`,
        },
        {
          id: `wine.sample.${count}.loop-ratio`,
          section: 'wine',
          name: `  backend.open(path, kind).sample() + close loop vs bare koffi`,
          value: round(median(loopRatios), 2),
          unit: 'x',
          detail: `${fmt(median(direct))} µs/object; ratios ${loopRatios.map(fmt).join(', ')}`,
        },
        { id: `wine.sample.${count}.ts`, section: 'wine', name: `  Sampler tick, per object`, value: round(median(tick), 2), unit: 'µs' },
        { id: `wine.sample.${count}.bare`, section: 'wine', name: `  bare koffi calls, per object`, value: round(median(raw), 2), unit: 'µs' },
        {
          id: `wine.scan.${count}`,
          section: 'wine',
          name: `  backend.scan() of the session's namespace (${scanned.toLocaleString('en-US')} entries)`,
          value: round(scanMs, 1),
          unit: 'ms',
          detail: 'NtQueryDirectoryObject one entry per call (Wine lacks the multi-entry form)',
        },
      );
      notes.push(`wine: ${n} objects created in ${Math.round(createdMs)} ms`);
    }
  } finally {
    for (const object of created) object.close();
    backend.dispose();
  }
  return { part: 'wine', figures, notes };
}

try {
  fs.writeFileSync(outFile, JSON.stringify(main(), null, 2) + '\n');
} catch (error) {
  fs.writeFileSync(outFile, JSON.stringify({ part: 'wine', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }) + '\n');
  process.exitCode = 1;
}
