// Human-readable renderings for the terminal. JSON output never goes through here.
import type { EventState, MutexState, ObjectReport, SemaphoreState, TimerState } from '../native';

export function describeState(report: { kind: string; state?: object }): string {
  const state = report.state;
  if (!state) return '';
  switch (report.kind) {
    case 'event': {
      const s = state as EventState;
      return `${s.signaled ? 'signaled' : 'nonsignaled'} (${s.eventType} reset)`;
    }
    case 'mutex': {
      const s = state as MutexState;
      const parts = [s.locked ? 'locked' : 'free'];
      if (s.abandoned) parts.push('abandoned');
      if (s.ownerThreadId !== undefined) parts.push(`owner tid ${s.ownerThreadId}`);
      return parts.join(', ');
    }
    case 'semaphore': {
      const s = state as SemaphoreState;
      return `count ${s.count}/${s.max}`;
    }
    case 'timer': {
      const s = state as TimerState;
      const due = s.remainingMs === null ? 'past due' : `due in ${formatMs(s.remainingMs)}`;
      return `${s.signaled ? 'signaled' : 'nonsignaled'}, ${due}`;
    }
    default:
      return '';
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** An aligned plain-text table; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function describeHolders(report: ObjectReport): string {
  if (!report.holders) return report.unavailable?.holders ? '?' : '';
  return report.holders.map((h) => `${h.processName || '?'}(${h.pid})`).join(' ');
}
