// One-shot inspection: scan, sample and attribute holders. Shared by the CLI and the servers.
import picomatch from 'picomatch';
import { isNativeError, messageOf, type Backend, type KnownKind, type ObjectEntry, type ObjectReport } from '../native';

export interface ListOptions {
  kinds?: string[];
  /** Glob on the leaf name, case-insensitive like Windows names. */
  nameGlob?: string;
  /** Directories (Windows) or sources to scan; the backend's defaults when empty. */
  scopes?: string[];
  /** Attribute holders (one pass over the system's handle table). */
  holders?: boolean;
  /** Attribute waiting threads too, where the OS tells (Linux: one pass over /proc); off by default. */
  waiters?: boolean;
}

function errorOf(error: unknown): { kind: string; message: string } {
  if (isNativeError(error)) return { kind: error.kind, message: error.message };
  return { kind: 'internal', message: messageOf(error) };
}

/** Samples one entry's state into a report; read failures become the report's `error`. */
export function sampleEntry(backend: Backend, entry: Pick<ObjectEntry, 'kind' | 'name' | 'path'>): ObjectReport {
  const report: ObjectReport = { kind: entry.kind, name: entry.name, path: entry.path };
  if (!backend.sampledKinds.includes(entry.kind)) return report;
  try {
    const object = backend.open(entry.path, entry.kind as KnownKind);
    try {
      report.state = object.sample();
    } finally {
      object.close();
    }
  } catch (error) {
    report.error = errorOf(error);
    // Listed a moment ago, gone now.
    if (report.error.kind === 'not-found') report.error.kind = 'vanished';
  }
  return report;
}

export function attachHolders(backend: Backend, reports: ObjectReport[]): void {
  const sampled = reports.filter((r) => backend.sampledKinds.includes(r.kind) && !r.error);
  if (sampled.length === 0) return;
  try {
    const result = backend.holders(sampled.map((r) => r.path));
    for (const report of sampled) {
      report.holders = result.holders.get(report.path) ?? [];
      if (result.incomplete) report.unavailable = { ...report.unavailable, holders: `incomplete: ${result.incomplete}` };
      if (result.unreadablePids?.length) report.unreadablePids = { ...report.unreadablePids, holders: result.unreadablePids };
    }
  } catch (error) {
    for (const report of sampled) report.unavailable = { ...report.unavailable, holders: errorOf(error).message };
  }
}

/** Threads blocked on each sampled object; why not, per report, where the OS cannot tell. */
export function attachWaiters(backend: Backend, reports: ObjectReport[]): void {
  const sampled = reports.filter((r) => backend.sampledKinds.includes(r.kind) && !r.error);
  if (sampled.length === 0) return;
  try {
    const result = backend.waiters(sampled.map((r) => r.path));
    for (const report of sampled) {
      report.waiters = result.waiters.get(report.path) ?? [];
      if (result.incomplete) report.unavailable = { ...report.unavailable, waiters: `incomplete: ${result.incomplete}` };
      if (result.unreadablePids?.length) report.unreadablePids = { ...report.unreadablePids, waiters: result.unreadablePids };
    }
  } catch (error) {
    for (const report of sampled) report.unavailable = { ...report.unavailable, waiters: errorOf(error).message };
  }
}

export function listReports(backend: Backend, options: ListOptions = {}): ObjectReport[] {
  const matchesName = options.nameGlob ? picomatch(options.nameGlob, { nocase: true, dot: true }) : () => true;
  const kinds = options.kinds?.length ? new Set(options.kinds.map((k) => k.toLowerCase())) : undefined;
  const entries = backend
    .scan(options.scopes?.length ? options.scopes : undefined)
    .filter((entry) => (!kinds || kinds.has(entry.kind)) && matchesName(entry.name));
  const reports = entries.map((entry) => sampleEntry(backend, entry));
  if (options.holders !== false) attachHolders(backend, reports);
  if (options.waiters) attachWaiters(backend, reports);
  return reports;
}

/** Everything known about one object: state, holders, and waiters where the OS tells. */
export function showReport(backend: Backend, name: string): ObjectReport {
  const object = backend.open(name);
  let report: ObjectReport;
  try {
    report = { kind: object.kind, name: object.name, path: object.path, state: object.sample() };
  } finally {
    object.close();
  }
  attachHolders(backend, [report]);
  attachWaiters(backend, [report]);
  return report;
}
