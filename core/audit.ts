// The audit log: every action SyncScope takes on the system's objects (what, on which object,
// when, through which front end, and the result), one JSON line each, in a file the user can open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messageOf } from '../native/errors';

export interface AuditEntry {
  /** ISO time. */
  time: string;
  /** Which front end: cli, app, serve. */
  via: string;
  pid: number;
  action: string;
  target: string;
  ok: boolean;
  /** The result's sentence, or the error. */
  detail: string;
}

export function defaultAuditPath(): string {
  return process.env.SYNCSCOPE_AUDIT_LOG ?? path.join(os.homedir(), '.syncscope', 'audit.log');
}

export class AuditLog {
  constructor(
    readonly file: string = defaultAuditPath(),
    private readonly via: string = 'cli',
  ) {}

  /** Appends one entry. Auditing never breaks the action itself: a write failure is reported once on stderr. */
  write(action: string, target: string, ok: boolean, detail: string): void {
    const entry: AuditEntry = { time: new Date().toISOString(), via: this.via, pid: process.pid, action, target, ok, detail };
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(this.file, 'a+', 0o600);
      try {
        // After a crash mid-write, start on a fresh line so this entry is not glued to the torn one.
        const size = fs.fstatSync(fd).size;
        const last = Buffer.alloc(1);
        const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
        fs.writeSync(fd, (torn ? '\n' : '') + JSON.stringify(entry) + '\n');
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      if (!AuditLog.warned) process.stderr.write(`syncscope: cannot write the audit log ${this.file}: ${(error as Error).message}\n`);
      AuditLog.warned = true;
    }
  }

  /** Runs an action and records its outcome, success or failure. */
  async record<T>(
    action: string,
    target: string,
    run: () => Promise<T> | T,
    describe: (result: T) => string = (result) => (result as { detail?: string }).detail ?? 'done',
  ): Promise<T> {
    try {
      const result = await run();
      this.write(action, target, true, describe(result));
      return result;
    } catch (error) {
      this.write(action, target, false, messageOf(error));
      throw error;
    }
  }

  /** The newest entries first, at most `limit`; lines that are not entries are skipped. */
  read(limit = 200): AuditEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const entries: AuditEntry[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
      try {
        const entry = JSON.parse(lines[i]) as AuditEntry;
        if (entry && typeof entry.action === 'string') entries.push(entry);
      } catch {
        // A torn last line from a crash, or a hand edit: skip it.
      }
    }
    return entries;
  }

  private static warned = false;
}
