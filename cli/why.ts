// `syncscope why <pid | name>`: what a process waits for, the chain onward, and a verdict first.
import type { Command } from 'commander';
import type { Backend } from '../native';
import { invalidArgument } from '../native/errors';
import { processQueryOf, processQuerySchema, printable, type ProcessQueryMessage, type WhyDocument, type WhyProcessReport, type WhyThread } from '../protocol';
import { formatDuration, objectPhrase, whyDocument } from '../core/why';
import { cpuBudgetOption, print, printJson } from './io';

/** Digits are a pid; anything else is a process name (no `/`, no NUL). */
export function parseProcessQuery(value: string): ProcessQueryMessage {
  const parsed = processQuerySchema.safeParse(processQueryOf(value));
  if (!parsed.success) {
    const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
    throw invalidArgument('why', `bad process ${shown}: give a pid (1 to ${0x7fffffff}) or a process name: ${parsed.error.issues[0].message}`);
  }
  return parsed.data;
}

export function registerWhyCommand(program: Command, backend: () => Backend): void {
  const why = program
    .command('why')
    .description('why a process is stuck: what each thread waits for, for how long, who holds it, the chain onward')
    .argument('<process>', 'a pid, or a process name (every process of that name is explained)', parseProcessQuery)
    .option('--json', 'print the why document (see README)')
    .action((query: ProcessQueryMessage, options) => {
      const document = whyDocument(backend(), query);
      if (options.json) return printJson(document);
      print(renderWhy(document));
    });
  cpuBudgetOption(why, true);
}

// ---- the human rendering ------------------------------------------------------------------------

const clean = (text: string) => printable(text, Infinity);

export function renderWhy(document: WhyDocument): string {
  const blocks = document.reports.map(renderReport);
  const notes = Object.entries(document.unavailable).map(([what, why]) => `note: ${what}: ${why}`);
  // Names and command lines are other programs' text: each line is escaped on its own.
  return [...blocks, ...(notes.length ? [notes.join('\n')] : [])].join('\n\n').split('\n').map(clean).join('\n');
}

function renderReport(report: WhyProcessReport): string {
  const { process } = report;
  const lines = [`${process.name} (${process.pid}): ${report.verdict.text}`];
  if (process.commandLine) lines.push(`  command: ${process.commandLine}`);
  const shown = report.threads.filter((t) => t.wait || t.tid === process.pid || t.unavailable);
  // Threads that wait alike (an idle pool on one condition variable) are shown once.
  const groups = new Map<string, WhyThread[]>();
  for (const thread of shown) {
    const key = thread.wait ? `${thread.call}|${thread.wait.objects.map((o) => o.id).join()}|${thread.end?.text}` : `tid:${thread.tid}`;
    groups.set(key, [...(groups.get(key) ?? []), thread]);
  }
  for (const group of groups.values()) lines.push(...renderThread(report, group[0], group.map((t) => t.tid)));
  const others = report.threads.filter((t) => !shown.includes(t));
  if (others.length) {
    const byWhat = new Map<string, number>();
    for (const t of others) {
      const what = t.state === 'running' ? 'running' : t.call ? `in ${t.call}` : t.osState;
      byWhat.set(what, (byWhat.get(what) ?? 0) + 1);
    }
    lines.push(`  ${others.length} other thread(s): ${[...byWhat].map(([what, n]) => `${n} ${what}`).join(', ')}`);
  }
  if (report.holds.length) {
    lines.push('  holds:');
    for (const held of report.holds) {
      const object = report.objects[held.id];
      const waiters = object?.waiters.filter((w) => w.pid !== process.pid) ?? [];
      const waiting = waiters.length ? `; waited on by ${waiters.map((w) => `${w.processName} (${w.pid})`).join(', ')}` : '';
      lines.push(`    ${object ? objectPhrase(object) : held.id} [${held.id}]: ${held.how}${waiting}`);
    }
  }
  for (const deadlock of report.deadlocks) {
    lines.push(`  deadlock: ${deadlock.chain.map((n) => (n.type === 'object' ? n.label ?? n.path : n.type === 'thread' ? `thread ${n.tid} of ${n.name ?? '?'} (${n.pid})` : `${n.name ?? '?'} (${n.pid})`)).join(' → ')}`);
  }
  for (const [what, why] of Object.entries(report.unavailable)) lines.push(`  not told (${what}): ${why}`);
  return lines.join('\n');
}

function renderThread(report: WhyProcessReport, thread: WhyThread, tids: number[]): string[] {
  const which = tids.length > 1 ? `threads ${tids.join(', ')}` : `thread ${thread.tid}`;
  const lines = [`  ${which}${thread.name ? ` (${thread.name})` : ''}: ${thread.osState}${thread.call ? ` in ${thread.call}` : ''}`];
  if (thread.unavailable) lines.push(`    not told: ${thread.unavailable}`);
  const wait = thread.wait;
  if (!wait) return lines;
  const duration =
    wait.duration.ms === null
      ? `for how long is not told: ${wait.duration.unavailable ?? 'unknown'}`
      : `for ${wait.duration.atLeast ? 'at least ' : ''}${formatDuration(wait.duration.ms)} (${wait.duration.source})`;
  const mode = wait.objects.length > 1 ? ` (${wait.mode} of ${wait.objects.length})` : '';
  lines.push(`    waits for${mode}: ${wait.objects.map((o) => `${objectPhrase(o)} [${o.id}]`).join(', ')}${wait.detail ? `: ${wait.detail}` : ''}`);
  lines.push(`    ${duration}`);
  for (const object of wait.objects) {
    for (const [what, why] of Object.entries(object.unavailable ?? {})) lines.push(`    not told (${what}): ${why}`);
  }
  const chain = thread.chain ?? [];
  for (let i = 1; i < chain.length; i++) {
    const step = chain[i];
    const object = step.waitsFor ? report.objects[step.waitsFor] : undefined;
    if (!object) continue; // the last actor: the end line says what it does
    const actor = step.tid === step.pid ? `${step.processName} (${step.pid})` : `thread ${step.tid} of ${step.processName} (${step.pid})`;
    const held = step.heldBy && object && object.kind !== 'process' && object.kind !== 'thread' ? ` held by ${step.heldBy.tid === null || step.heldBy.tid === step.heldBy.pid ? `pid ${step.heldBy.pid}` : `thread ${step.heldBy.tid} of pid ${step.heldBy.pid}`}${step.heldBy.inferred ? ' (inferred)' : ''}` : '';
    lines.push(`    ${'→'.padStart(i * 2)} ${actor} waits for ${objectPhrase(object)}${held}`);
  }
  if (thread.end) lines.push(`    ends: ${thread.end.text}`);
  return lines;
}
