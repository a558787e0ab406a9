// Human-readable renderings for the terminal. JSON output never goes through here.
import type {
  EventState,
  FileLockState,
  MutexState,
  ObjectReport,
  PosixSemaphoreState,
  SemaphoreState,
  SysvSemaphoreState,
  TimerState,
  Waiter,
} from '../native';
import { describeOperations } from '../native/types';
import { printable } from '../protocol/names';
import type { BudgetStatus } from '../protocol';

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
    case 'posix-semaphore': {
      const s = state as PosixSemaphoreState;
      return s.waiters ? `count ${s.count}, ${s.waiters} waiting` : `count ${s.count}`;
    }
    case 'sysv-semaphore': {
      const s = state as SysvSemaphoreState;
      const key = s.key === 0 ? 'private' : `key 0x${(s.key >>> 0).toString(16).padStart(8, '0')}`;
      const list = (values: number[]) => (values.length === 1 ? String(values[0]) : `[${values.join(',')}]`);
      const parts = [key, `${s.values.length === 1 ? 'value' : 'values'} ${list(s.values)}`];
      if (s.waiters.some(Boolean)) parts.push(`waiting ${list(s.waiters)}`);
      if (s.zeroWaiters.some(Boolean)) parts.push(`waiting for zero ${list(s.zeroWaiters)}`);
      return parts.join(', ');
    }
    case 'file-lock': {
      const s = state as FileLockState;
      const parts = [`${s.lockType} ${s.mode}`];
      if (s.start !== undefined && (s.start !== 0 || s.end !== null)) parts[0] += ` bytes ${s.start}-${s.end ?? 'EOF'}`;
      parts.push(s.path || (s.inode !== undefined ? `inode ${s.device}:${s.inode}` : '?'));
      parts.push(`held by ${s.holderPid || '?'}`);
      if (s.waiterPids.length) parts.push(`${s.waiterPids.length} waiting (pids ${s.waiterPids.map((p) => p || '?').join(' ')})`);
      return parts.join(', ');
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

/** A percent as the header shows it: `5`, `0.5`, `12.5`. */
function percent(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** `CPU 3.1 % of 5 %`, and how long a round of every object takes when that is over a second. */
export function describeBudget(status: BudgetStatus): string {
  const used = `CPU ${status.usedPercent.toFixed(1)} % of ${percent(status.budgetPercent)} %`;
  return status.fullRoundMs > 1000 ? `${used}, every object once in ${formatMs(Math.round(status.fullRoundMs))}` : used;
}

/** `every 2.4 s` for an object sampled less often than the state rate; empty when it is not. */
export function describeInterval(intervalMs: number | undefined, stateMs: number): string {
  return intervalMs !== undefined && intervalMs > stateMs ? `every ${formatMs(Math.round(intervalMs))}` : '';
}

/**
 * An aligned plain-text table; the last column is not padded. Cells are escaped: an object name
 * is another program's text, and must not move the cursor or reorder the line in a terminal.
 */
export function table(header: string[], plainRows: string[][]): string {
  const rows = plainRows.map((row) => row.map((cell) => printable(cell, Infinity)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `name (pid 1, tid 2)`, and for a System V waiter what its semop asks: `take 1 from #1`, `#2 to be 0`. */
export function describeWaiter(waiter: Pick<Waiter, 'pid' | 'tid' | 'processName' | 'operations'>): string {
  const who = `${waiter.processName || '?'} (pid ${waiter.pid}, tid ${waiter.tid})`;
  if (!waiter.operations?.length) return who;
  return `${who}: ${describeOperations(waiter.operations)}`;
}

/** A list that may be missing some (holders, waiters), with the one-line reason when it may be. */
export function withIncomplete(listed: string, reason: string | undefined): string {
  return reason ? `${listed}; ${reason}` : listed;
}

export function describeHolders(report: ObjectReport): string {
  if (!report.holders) return report.unavailable?.holders ? '?' : '';
  return report.holders.map((h) => `${h.processName || '?'}(${h.pid})`).join(' ');
}
