// Reading /proc. Processes come and go while we read: a file that vanished (ENOENT, ESRCH) is
// simply skipped; one we may not read (EACCES, EPERM) is counted so that answers can say they are
// incomplete.
import fs from 'node:fs';
import { unreadableSummary } from '../unreadable';
import { parseMaps, parseSyscall, splitDev, deviceString, type MapsLine, type SyscallLine } from './parse';

export interface ReadTally {
  /** Pids whose files we were not allowed to read. */
  denied: Set<number>;
}

export const newTally = (): ReadTally => ({ denied: new Set() });

function isDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

/** A /proc file's text, or undefined when it is gone or unreadable (counted in `tally`). */
export function readProc(path: string, pid: number, tally?: ReadTally): string | undefined {
  try {
    return fs.readFileSync(path, 'latin1');
  } catch (error) {
    if (tally && isDenied(error)) tally.denied.add(pid);
    return undefined;
  }
}

function numericEntries(dir: string, pid: number, tally?: ReadTally): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (tally && isDenied(error)) tally.denied.add(pid);
    return [];
  }
  const result: number[] = [];
  for (const name of names) if (/^\d+$/.test(name)) result.push(Number(name));
  return result;
}

export function listPids(): number[] {
  return numericEntries('/proc', 0);
}

export function listTids(pid: number, tally?: ReadTally): number[] {
  return numericEntries(`/proc/${pid}/task`, pid, tally);
}

export function listFds(pid: number, tally?: ReadTally): number[] {
  return numericEntries(`/proc/${pid}/fd`, pid, tally);
}

/** Process names by pid (`comm`), read once per answer. */
export class ProcessNames {
  readonly #names = new Map<number, string>();

  get(pid: number): string {
    let name = this.#names.get(pid);
    if (name === undefined) {
      name = pid > 0 ? (readProc(`/proc/${pid}/comm`, pid)?.trimEnd() ?? '') : '';
      this.#names.set(pid, name);
    }
    return name;
  }
}

export function readMaps(pid: number, tally?: ReadTally): MapsLine[] | undefined {
  const text = readProc(`/proc/${pid}/maps`, pid, tally);
  return text === undefined ? undefined : parseMaps(text);
}

export function readSyscall(pid: number, tid: number, tally?: ReadTally): SyscallLine | undefined {
  const text = readProc(`/proc/${pid}/task/${tid}/syscall`, pid, tally);
  return text === undefined ? undefined : parseSyscall(text);
}

/** Device (`maj:min`) and inode of the file behind a descriptor of another process. */
export function fdTarget(pid: number, fd: number, tally?: ReadTally): { device: string; inode: number } | undefined {
  try {
    const stats = fs.statSync(`/proc/${pid}/fd/${fd}`, { bigint: true, throwIfNoEntry: false });
    if (!stats) return undefined;
    const { major, minor } = splitDev(stats.dev);
    return { device: deviceString(major, minor), inode: Number(stats.ino) };
  } catch (error) {
    if (tally && isDenied(error)) tally.denied.add(pid);
    return undefined;
  }
}

/** Where a descriptor points, as the kernel names it (may end in ` (deleted)`). */
export function fdPath(pid: number, fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The parent pid from /proc/<pid>/stat (the field after the parenthesised command name). */
export function parentPid(pid: number): number | undefined {
  const text = readProc(`/proc/${pid}/stat`, pid);
  if (!text) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** The processes whose /proc files were refused: a one-line summary and the pids behind it. */
export function describeDenied(tally: ReadTally): { incomplete?: string; unreadablePids?: number[] } {
  if (tally.denied.size === 0) return {};
  return {
    incomplete: unreadableSummary(tally.denied.size, 'could not be read in /proc', 'run as their user or root'),
    unreadablePids: [...tally.denied].sort((a, b) => a - b),
  };
}
