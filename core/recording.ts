// Recording: every change the stream carried, kept so a trace taken on one machine can be
// studied on another. Exported as JSON (loadable) or CSV (for spreadsheets).
import type { ObjectRecord, RecordingMessage } from '../protocol';
import { recordingSchema } from '../protocol';
import { HistoryStore } from './history';
import { levelOf } from './levels';
import { computeMetrics, rankContention, type ObjectMetrics } from './metrics';
import type { Update } from './update-stream';

export type Recording = RecordingMessage;
type Change = Recording['changes'][number];

export interface RecorderOptions {
  /** Changes kept at most: memory stays bounded however long the recorder runs. */
  maxChanges?: number;
  /**
   * Which changes survive past maxChanges: the first ones (a recording of a fixed span, later
   * changes dropped; the CLI's `record`), or the latest ones (the app's recording of what just
   * happened, older changes dropped). Either way the recording says it was truncated.
   */
  keep?: 'first' | 'latest';
}

export class Recorder {
  /** Objects that kept changes refer to, with how many: an object whose changes are all dropped goes too. */
  private readonly objects = new Map<string, { path: string; kind: string; name: string; refs: number }>();
  /** A ring of at most maxChanges; `head` is the oldest once it is full. */
  private readonly changes: Change[] = [];
  private head = 0;
  private truncated = false;
  private readonly startedAt: number;
  private readonly maxChanges: number;
  private readonly keep: 'first' | 'latest';

  constructor(
    private readonly platform: string,
    private readonly now: () => number = Date.now,
    options: RecorderOptions | number = {},
  ) {
    this.startedAt = now();
    const opts = typeof options === 'number' ? { maxChanges: options } : options;
    this.maxChanges = Math.max(1, opts.maxChanges ?? 1_000_000);
    this.keep = opts.keep ?? 'first';
  }

  /** Feed every update of a stream here (snapshot first). */
  onUpdate(update: Update<ObjectRecord>): void {
    const records = update.type === 'snapshot' ? update.records : update.upserts;
    for (const record of records) this.add(record);
  }

  /** Changes held now. */
  get size(): number {
    return this.changes.length;
  }

  add(record: ObjectRecord): void {
    if (this.changes.length >= this.maxChanges) {
      this.truncated = true;
      if (this.keep === 'first') return;
    }
    const change: Change = { t: record.changedAt, path: record.path };
    if (record.state) change.state = record.state;
    if (record.waiters) change.waiters = record.waiters.length;
    if (record.goneAt !== undefined) change.gone = true;
    const object = this.objects.get(record.path);
    if (object) object.refs++;
    else this.objects.set(record.path, { path: record.path, kind: record.kind, name: record.name, refs: 1 });
    if (this.changes.length < this.maxChanges) {
      this.changes.push(change);
      return;
    }
    const dropped = this.changes[this.head];
    this.changes[this.head] = change;
    this.head = (this.head + 1) % this.maxChanges;
    const owner = this.objects.get(dropped.path);
    if (owner && --owner.refs === 0) this.objects.delete(dropped.path);
  }

  toRecording(): Recording {
    const changes = [...this.changes.slice(this.head), ...this.changes.slice(0, this.head)];
    return {
      format: 'syncscope-recording',
      version: 1,
      platform: this.platform,
      // Older changes dropped: the recording covers what it holds.
      startedAt: this.keep === 'latest' && this.truncated && changes.length > 0 ? changes[0].t : this.startedAt,
      endedAt: this.now(),
      truncated: this.truncated,
      objects: [...this.objects.values()].map(({ path, kind, name }) => ({ path, kind, name })),
      changes,
    };
  }
}

export function recordingToJson(recording: Recording): string {
  return JSON.stringify(recording);
}

const csvField = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** One row per change: time, object, the numeric level charts use, and the full state as JSON. */
export function recordingToCsv(recording: Recording): string {
  const kinds = new Map(recording.objects.map((o) => [o.path, o.kind]));
  const rows = ['t_ms,iso_time,path,kind,value,waiters,gone,state_json'];
  for (const change of recording.changes) {
    const kind = kinds.get(change.path) ?? '';
    const level = levelOf(kind, change.gone ? undefined : change.state, change.waiters);
    rows.push(
      [
        String(change.t),
        new Date(change.t).toISOString(),
        csvField(change.path),
        csvField(kind),
        Number.isNaN(level.value) ? '' : String(level.value),
        Number.isNaN(level.waiters) ? '' : String(level.waiters),
        change.gone ? '1' : '0',
        csvField(change.state ? JSON.stringify(change.state) : ''),
      ].join(','),
    );
  }
  return rows.join('\n') + '\n';
}

/** Parses and validates a JSON recording; throws with the first problem found. */
export function loadRecording(text: string): Recording {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a SyncScope recording: ${(error as Error).message}`);
  }
  const result = recordingSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`not a SyncScope recording: ${issue.path.join('.') || 'file'}: ${issue.message}`);
  }
  return result.data;
}

/** Rebuilds history from a recording, for charts and metrics over the recorded time. */
export function historyOf(recording: Recording, capacityPerObject?: number): { history: HistoryStore; max: Map<string, number> } {
  const kinds = new Map(recording.objects.map((o) => [o.path, o.kind]));
  const history = new HistoryStore(capacityPerObject);
  const max = new Map<string, number>();
  for (const change of recording.changes) {
    const level = levelOf(kinds.get(change.path) ?? '', change.gone ? undefined : change.state, change.waiters);
    if (level.max !== undefined) max.set(change.path, level.max);
    history.record(change.path, change.t, level);
  }
  return { history, max };
}

/** Contention ranking over the whole recorded time. */
export function recordingContention(recording: Recording, limit = Infinity): ObjectMetrics[] {
  const { history, max } = historyOf(recording);
  const windowMs = Math.max(1, recording.endedAt - recording.startedAt);
  const metrics = recording.objects.flatMap((object) => {
    const series = history.get(object.path);
    return series
      ? [computeMetrics({ path: object.path, kind: object.kind, series, max: max.get(object.path) }, recording.endedAt, windowMs)]
      : [];
  });
  return rankContention(metrics, limit);
}
