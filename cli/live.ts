// Commands over the live engine: watch, top, deadlocks, record, replay.
import fs from 'node:fs';
import type { Command } from 'commander';
import type { Backend } from '../native';
import { printable, type BudgetStatus, type ObjectRecord } from '../protocol';
import { detectDeadlocks } from '../core/deadlocks';
import { liveContention } from '../core/contention';
import type { ObjectMetrics } from '../core/metrics';
import { Recorder, loadRecording, recordingContention, recordingToCsv, recordingToJson } from '../core/recording';
import { sameValue } from '../core/same-value';
import { Sampler } from '../core/sampler';
import type { Update } from '../core/update-stream';
import { describeNode, type GraphNode } from '../core/wait-graph';
import { describeBudget, describeInterval, describeState, formatMs, table } from './format';
import { collect, cpuBudgetOption, holdFor, integer, objectName, print, printJson } from './io';

const MAX_MS = 0x7fffffff;

/** Feeds every update of the sampler's stream to `handle`, acknowledging each at once. */
function follow(sampler: Sampler, handle: (records: ObjectRecord[]) => void): () => void {
  let ready = false;
  const subscription = sampler.stream.subscribe((update: Update<ObjectRecord>) => {
    handle(update.type === 'snapshot' ? update.records : update.upserts);
    if (ready) queueMicrotask(() => subscription.ack());
  });
  ready = true;
  subscription.ack();
  return () => subscription.close();
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

/** One change: human, or an NDJSON line with the object's sampling interval and the budget now. */
export function watchLine(record: ObjectRecord, json: boolean, budget?: BudgetStatus): string {
  const gone = record.goneAt !== undefined;
  if (json) {
    return JSON.stringify({
      t: record.changedAt,
      path: record.path,
      kind: record.kind,
      state: record.state,
      ...(gone ? { gone: true } : {}),
      ...(record.intervalMs !== undefined ? { intervalMs: record.intervalMs } : {}),
      ...(budget ? { budget } : {}),
    });
  }
  const what = record.error ? `<${record.error.kind}> ${record.error.message}` : describeState(record);
  return `${clock(record.changedAt)}  ${record.path}  ${gone ? `gone (last: ${what})` : what}`;
}

function contentionRows(metrics: ObjectMetrics[], sampler?: Sampler): string[][] {
  const stateMs = sampler?.currentRates.stateMs ?? 0;
  return metrics.map((m, i) => {
    const record = sampler?.stream.get(m.path);
    const interval = describeInterval(record?.intervalMs, stateMs);
    return [
      String(i + 1),
      m.kind,
      m.path,
      `${(m.busyShare * 100).toFixed(0)}%`,
      m.transitionsPerSec.toFixed(1),
      m.waitersMean === undefined ? '?' : `${m.waitersMean.toFixed(1)}/${m.waitersMax}`,
      m.holds && m.holds.count ? `${formatMs(Math.round(m.holds.meanMs))} (${m.holds.count})` : '',
      record ? `${describeState(record)}${interval ? ` (${interval})` : ''}` : '',
    ];
  });
}

const CONTENTION_HEADER = ['#', 'KIND', 'PATH', 'BUSY', 'TRANS/S', 'WAITERS', 'HOLD', 'STATE'];

function describeChain(chain: GraphNode[]): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < chain.length; i++) {
    const from = chain[i];
    const to = chain[i + 1];
    // A process or thread waited on is not held: it must exit.
    const awaited = from.type === 'object' && (from.kind === 'process' || from.kind === 'thread');
    const verb = awaited
      ? 'is up to'
      : from.type === 'object'
        ? 'is held by'
        : to.type === 'object'
          ? 'waits for'
          : from.type === 'process' && to.type === 'thread'
            ? 'is blocked in'
            : 'waits for child';
    lines.push(`  ${describeNode(from)} ${verb} ${describeNode(to)}`);
  }
  return lines;
}

export function registerLiveCommands(program: Command, backend: () => Backend): void {
  const watch = program
    .command('watch')
    .description('print one line per observed state change, until Ctrl-C or --duration')
    .argument('<names...>', 'objects to watch', (value: string, previous: string[] = []) => [...previous, objectName(value)])
    .option('--interval <ms>', 'sampling interval', integer(5, 60_000), 100)
    .option('--duration <s>', 'stop after this many seconds', integer(0, MAX_MS))
    .option('--json', 'NDJSON lines {t, path, kind, state, intervalMs, budget}')
    .action(async (names: string[], options) => {
      // Fail fast, with the usual exit code, on a name that does not exist.
      for (const name of names) backend().open(name).close();
      const sampler = new Sampler({
        backend: backend(),
        fixedNames: names,
        attribution: false,
        goneRetentionMs: Number.POSITIVE_INFINITY,
        rates: { stateMs: options.interval, scanMs: 1000 },
        cpuBudgetPercent: options.cpuBudget,
      });
      const printed = new Map<string, unknown>();
      const json = Boolean(options.json);
      if (!json) print(`watching ${names.length} object(s), every ${options.interval} ms; CPU budget ${options.cpuBudget} %`);
      sampler.start();
      const stop = follow(sampler, (records) => {
        for (const record of records) {
          const shown = { state: record.state, gone: record.goneAt !== undefined, error: record.error?.kind };
          if (sameValue(printed.get(record.path), shown)) continue;
          printed.set(record.path, shown);
          print(watchLine(record, json, json ? sampler.budgetStatus() : undefined));
        }
      });
      await holdFor(options.duration);
      if (!json) print(`stopped; ${describeBudget(sampler.budgetStatus())}`);
      sampler.stop();
      stop();
    });
  cpuBudgetOption(watch);

  const top = program
    .command('top')
    .description('a live table of the most contended objects')
    .option('--interval <ms>', 'state sampling interval', integer(5, 60_000), 100)
    .option('--refresh <ms>', 'redraw interval', integer(100, 60_000), 1000)
    .option('--window <s>', 'metrics window', integer(1, 3600), 10)
    .option('--limit <n>', 'rows', integer(1, 1000), 20)
    .option('--kind <kind>', 'only this kind; repeatable', collect)
    .option('--name <glob>', 'only names matching this glob')
    .option('--iterations <n>', 'stop after this many frames', integer(1, MAX_MS))
    .action(async (options) => {
      const sampler = new Sampler({
        backend: backend(),
        kinds: options.kind,
        nameGlob: options.name,
        rates: { stateMs: options.interval },
        cpuBudgetPercent: options.cpuBudget,
      });
      sampler.start();
      const interactive = process.stdout.isTTY === true;
      let frames = 0;
      await new Promise<void>((resolve) => {
        const draw = () => {
          const ranked = liveContention(sampler, options.window * 1000, options.limit);
          const heading = `syncscope top: ${sampler.stream.size} objects, window ${options.window} s, sampling every ${options.interval} ms; ${describeBudget(sampler.budgetStatus())}`;
          const body = ranked.length ? table(CONTENTION_HEADER, contentionRows(ranked, sampler)) : 'no contention seen in the window';
          process.stdout.write(`${interactive ? '\x1b[H\x1b[2J' : frames ? '\n' : ''}${heading}\n${body}\n`);
          frames++;
          if (options.iterations !== undefined && frames >= options.iterations) finish();
        };
        const timer = setInterval(draw, options.refresh);
        const finish = () => {
          clearInterval(timer);
          process.off('SIGINT', finish);
          resolve();
        };
        process.once('SIGINT', finish);
      });
      sampler.stop();
    });
  cpuBudgetOption(top);

  const deadlocks = program
    .command('deadlocks')
    .description('wait-for cycles now: each with its objects and the processes and threads in the chain')
    .option('--json', 'print JSON')
    .action((options) => {
      const report = detectDeadlocks(backend());
      if (options.json) return printJson(report);
      if (report.deadlocks.length === 0) print('no deadlock found');
      report.deadlocks.forEach((deadlock, i) => {
        print(`deadlock ${i + 1}: ${printable(deadlock.text, Infinity)}`);
        for (const line of describeChain(deadlock.chain)) print(line);
      });
      for (const [what, why] of Object.entries(report.unavailable)) print(`note: ${what} unavailable: ${why}`);
    });
  cpuBudgetOption(deadlocks, true);

  const record = program
    .command('record')
    .description('record every change for a while, to JSON (replayable) or CSV')
    .requiredOption('--duration <s>', 'how long', integer(1, MAX_MS))
    .requiredOption('--out <file>', 'output file; .csv writes CSV, anything else JSON')
    .option('--interval <ms>', 'state sampling interval', integer(5, 60_000), 100)
    .option('--scan-interval <ms>', 'namespace scan interval: objects appearing and vanishing (Linux file locks come and go with each holder)', integer(20, 3_600_000), 1000)
    .option('--kind <kind>', 'only this kind; repeatable', collect)
    .option('--name <glob>', 'only names matching this glob')
    .action(async (options) => {
      const sampler = new Sampler({
        backend: backend(),
        kinds: options.kind,
        nameGlob: options.name,
        rates: { stateMs: options.interval, scanMs: options.scanInterval },
        cpuBudgetPercent: options.cpuBudget,
      });
      const recorder = new Recorder(backend().platform);
      sampler.start();
      const stop = follow(sampler, (records) => records.forEach((r) => recorder.add(r)));
      await holdFor(options.duration);
      const budget = sampler.budgetStatus();
      sampler.stop();
      stop();
      const recording = recorder.toRecording();
      const csv = String(options.out).toLowerCase().endsWith('.csv');
      fs.writeFileSync(options.out, csv ? recordingToCsv(recording) : recordingToJson(recording));
      print(`recorded ${recording.changes.length} changes of ${recording.objects.length} objects over ${formatMs(recording.endedAt - recording.startedAt)} to ${options.out}; ${describeBudget(budget)}`);
    });
  cpuBudgetOption(record);

  program
    .command('replay')
    .description('print a JSON recording: its timeline of changes and the most contended objects')
    .argument('<file>', 'a recording made by `syncscope record` or exported by the app')
    .option('--json', 'print {objects, changes, contention} as JSON')
    .option('--limit <n>', 'contention rows', integer(1, 1000), 20)
    .action((file: string, options) => {
      const recording = loadRecording(fs.readFileSync(file, 'utf8'));
      const contention = recordingContention(recording, options.limit);
      if (options.json) return printJson({ objects: recording.objects, changes: recording.changes, contention });
      const kinds = new Map(recording.objects.map((o) => [o.path, o.kind]));
      print(`recording from ${recording.platform}, ${new Date(recording.startedAt).toISOString()}, ${formatMs(recording.endedAt - recording.startedAt)}, ${recording.objects.length} objects${recording.truncated ? ' (truncated)' : ''}`);
      for (const change of recording.changes) {
        const kind = kinds.get(change.path) ?? '';
        const what = describeState({ kind, state: change.state as never });
        print(`${clock(change.t)}  ${change.path}  ${change.gone ? `gone (last: ${what})` : what}`);
      }
      print('');
      print(contention.length ? table(CONTENTION_HEADER, contentionRows(contention)) : 'no contention in the recording');
    });
}
