// How `why` words durations and objects: pure, shared by the analysis (its verdicts), the CLI and
// the app's Processes view, so all three say the same thing the same way.
import type { WaitObject, ThreadInspection } from '../native/types';

export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function durationPhrase(duration: NonNullable<ThreadInspection['wait']>['duration']): string {
  if (duration.ms === null) return '';
  return ` for ${duration.atLeast ? 'at least ' : ''}${formatDuration(duration.ms)}`;
}

/** `semaphore sem.XXXXXX (deleted, count 0)`, `System V semaphore set 3 (values 0)`, or the object's own label. */
export function objectPhrase(object: Pick<WaitObject, 'kind' | 'label'> & { state?: object }): string {
  const state = object.state as Record<string, unknown> | undefined;
  const withNote = (label: string, note: string) => (label.endsWith(')') ? `${label.slice(0, -1)}, ${note})` : `${label} (${note})`);
  if (object.kind === 'posix-semaphore') {
    const label = `semaphore ${object.label}`;
    return typeof state?.count === 'number' ? withNote(label, `count ${state.count}`) : label;
  }
  if (object.kind === 'sysv-semaphore' && Array.isArray(state?.values)) return withNote(object.label, `values ${(state.values as number[]).join(' ')}`);
  return object.label;
}

