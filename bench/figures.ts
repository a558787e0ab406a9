// The figures every part of `npm run bench` reports, how a figure is judged against its target,
// and the table they are printed in. Shared by bench/bench.ts (the orchestrator) and the parts.
import fs from 'node:fs';

export interface Figure {
  /** Stable key, for --json readers and docs/PERFORMANCE.md. */
  id: string;
  /** Which part measured it: linux, wine, renderer, engine, history. */
  section: string;
  name: string;
  /** null when it could not be measured (see `detail`); a figure with a target then fails. */
  value: number | null;
  unit: string;
  /** The target: value ≤ max and/or value ≥ min. Figures without either are information. */
  max?: number;
  min?: number;
  /** Relative slack before a missed target fails the run (0.1: 10 % over max, under min). */
  margin?: number;
  /** The target as people read it ("≤ 3x"). */
  target?: string;
  /** How it was measured, and the raw numbers behind it. */
  detail?: string;
}

export type Verdict = 'pass' | 'miss' | 'FAIL' | '';

/**
 * pass: within the target. miss: outside it but within its margin (reported, exit code 0).
 * FAIL: outside the margin too, or not measured (exit code 1). '': no target.
 */
export function verdictOf(figure: Figure): Verdict {
  if (figure.max === undefined && figure.min === undefined) return '';
  const value = figure.value;
  if (value === null || !Number.isFinite(value)) return 'FAIL';
  const margin = figure.margin ?? 0;
  const over = figure.max !== undefined && value > figure.max;
  const under = figure.min !== undefined && value < figure.min;
  if (!over && !under) return 'pass';
  if (over && value > figure.max! * (1 + margin)) return 'FAIL';
  if (under && value < figure.min! * (1 - margin)) return 'FAIL';
  return 'miss';
}

/** By how much a figure misses its target, as people say it ("2.4x over", "31 % over"). */
export function missBy(figure: Figure): string {
  const value = figure.value;
  if (value === null) return 'not measured';
  if (figure.max !== undefined && value > figure.max) {
    return figure.max === 0 ? `${value} over 0` : `${Math.round((value / figure.max - 1) * 100)} % over`;
  }
  if (figure.min !== undefined && value < figure.min) {
    return figure.min === 0 ? `${value} under 0` : `${Math.round((1 - value / figure.min) * 100)} % under`;
  }
  return '';
}

export function formatValue(value: number | null): string {
  if (value === null) return 'n/a';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The table: one line per figure, grouped by section. */
export function formatTable(figures: Figure[]): string {
  const lines: string[] = [];
  const nameWidth = Math.min(86, Math.max(...figures.map((f) => f.name.length)));
  let section = '';
  for (const f of figures) {
    if (f.section !== section) {
      section = f.section;
      lines.push('', `== ${section} ==`);
    }
    const verdict = verdictOf(f);
    const miss = verdict === 'miss' || verdict === 'FAIL' ? ` (${missBy(f)})` : '';
    lines.push(
      `${f.name.padEnd(nameWidth)}  ${formatValue(f.value).padStart(11)} ${f.unit.padEnd(12)} ${(f.target ?? '').padEnd(12)} ${verdict}${miss}`,
    );
  }
  return lines.join('\n').replace(/^\n/, '') + '\n';
}

// ---- statistics ---------------------------------------------------------------------------------

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export const round = (value: number, digits = 2) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

/** What a part writes to its --out file (or prints with --json). */
export interface PartResult {
  part: string;
  figures: Figure[];
  /** Facts about the run: sizes, versions, what was skipped and why. */
  notes: string[];
}

/**
 * Ends a part: its result as JSON to `outFile` (or stdout), or its failure on stderr with exit
 * code 1. `exit`: end the process now (a part whose children or timers would keep it alive).
 */
export function finishPart(run: Promise<PartResult>, part: string, outFile: string | undefined, options: { cleanup?: () => void; exit?: boolean } = {}): void {
  run.then(
    (result) => {
      options.cleanup?.();
      const text = JSON.stringify(result, null, 2) + '\n';
      if (outFile) fs.writeFileSync(outFile, text);
      else process.stdout.write(text);
      if (options.exit) process.exit(0);
    },
    (error: unknown) => {
      options.cleanup?.();
      process.stderr.write(`[${part}] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
      if (options.exit) process.exit(1);
    },
  );
}

