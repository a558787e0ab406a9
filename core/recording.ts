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

export class Recorder {
  private readonly objects = new Map<string, { path: string; kind: string; name: string }>();
  private readonly changes: Change[] = [];
  private truncated = false;
  private readonly startedAt: number;

  constructor(
    private readonly platform: string,
    private readonly now: () => number = Date.now,
    /** Changes kept at most; later ones are dropped and the recording says so. */
    private readonly maxChanges = 1_000_000,
  ) {
    this.startedAt = now();
  }

  /** Feed every update of a stream here (snapshot first). */
  onUpdate(update: Update<ObjectRecord>): void {
    const records = update.type === 'snapshot' ? update.records : update.upserts;
    for (const record of records) this.add(record);
  }

  add(record: ObjectRecord): void {
    if (!this.objects.has(record.path)) {
      this.objects.set(record.path, { path: record.path, kind: record.kind, name: record.name });
    }
    if (this.changes.length >= this.maxChanges) {
      this.truncated = true;
      return;
    }
    const change: Change = { t: record.changedAt, path: record.path };
    if (record.state) change.state = record.state;
    if (record.waiters) change.waiters = record.waiters.length;
    if (record.goneAt !== undefined) change.gone = true;
    this.changes.push(change);
  }

  toRecording(): Recording {
    return {
      format: 'syncscope-recording',
      version: 1,
      platform: this.platform,
      startedAt: this.startedAt,
      endedAt: this.now(),
      truncated: this.truncated,
      objects: [...this.objects.values()],
      changes: [...this.changes],
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
