// Helpers for the Linux suite: fixture processes, the CLI, the util-linux oracles, and cleanup of
// every object a test makes (also when it fails or the runner is interrupted).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const ROOT = path.resolve(__dirname, '../..');
export const notLinux = process.platform !== 'linux' ? 'the Linux suite runs on Linux only' : undefined;

/** A prefix no other run uses: names made by this run start with it. */
export const RUN_PREFIX = `ssl${process.pid}_${Date.now().toString(36)}`;

const cleanups: Array<() => void> = [];
let exitHookInstalled = false;

/** Registers cleanup that runs at `cleanupAll()` and, failing that, when the process exits. */
export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', cleanupAll);
  }
}

export function cleanupAll(): void {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {
      // best effort: the object may be gone already
    }
  }
}

/** Whether a process exists (signal 0 reaches it). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function cleanPosix(name: string): void {
  onCleanup(() => fs.rmSync(`/dev/shm/sem.${name}`, { force: true }));
}

export function cleanSysv(semid: number): void {
  onCleanup(() => spawnSync('ipcrm', ['-s', String(semid)], { stdio: 'ignore' }));
}

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${RUN_PREFIX}-`));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Parses each line a process prints as JSON into `lines` (`{raw}` for a line that is not JSON). */
export function collectJsonLines(stream: NodeJS.ReadableStream, lines: Array<Record<string, any>>): void {
  readline.createInterface({ input: stream }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      lines.push({ raw: line });
    }
  });
}

/** A fixture process (test/fixtures/linux-waiter.ts) and the JSON lines it prints. */
export class Fixture {
  readonly lines: Array<Record<string, any>> = [];
  readonly child: ChildProcess;
  #exited = false;

  private constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/linux-waiter.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child.once('exit', () => (this.#exited = true));
    collectJsonLines(this.child.stdout!, this.lines);
    onCleanup(() => this.kill());
  }

  static start(...args: string[]): Fixture {
    return new Fixture(args);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** The first line that has `key`, waiting for it. */
  line(key: string, timeoutMs = 15_000): Promise<Record<string, any>> {
    return waitFor(`"${key}" from fixture ${this.pid}`, () => {
      const found = this.lines.find((l) => key in l);
      if (!found && this.#exited) throw new Error(`fixture ${this.pid} exited: ${JSON.stringify(this.lines)}`);
      return found;
    }, timeoutMs);
  }

  kill(): void {
    if (!this.#exited) this.child.kill('SIGKILL');
  }

  exit(): Promise<void> {
    return this.#exited ? Promise.resolve() : new Promise((resolve) => this.child.once('exit', () => resolve()));
  }
}

/** Threads of `pid` blocked in system call `nr` with first argument `arg0`: read straight from /proc. */
export function threadsInSyscall(pid: number, nr: number, arg0?: bigint): number[] {
  const tids: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8');
    } catch {
      continue;
    }
    const fields = text.trim().split(' ');
    if (Number(fields[0]) !== nr) continue;
    if (arg0 !== undefined && BigInt(fields[1]) !== arg0) continue;
    tids.push(Number(tid));
  }
  return tids;
}

export function wchan(pid: number, tid = pid): string {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI (cli/main.ts), in its own process. */
export function runCli(args: string[], input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export async function cliJson(args: string[]): Promise<any> {
  const result = await runCli([...args, '--json']);
  if (result.code !== 0) throw new Error(`syncscope ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** `ipcmk -S n`: a new System V set made by util-linux; removed at cleanup. */
export function ipcmk(nsems: number): number {
  const out = run('ipcmk', ['-S', String(nsems)]);
  const match = /Semaphore id:\s*(\d+)/.exec(out);
  if (!match) throw new Error(`ipcmk said: ${out}`);
  const semid = Number(match[1]);
  cleanSysv(semid);
  return semid;
}

/** `ipcs -s -i ID`: per semaphore value, ncount, zcount, pid (the util-linux oracle). */
export function ipcsSemaphores(semid: number): Array<{ semnum: number; value: number; ncount: number; zcount: number; pid: number }> {
  const out = run('ipcs', ['-s', '-i', String(semid)]);
  const rows = [];
  let inTable = false;
  for (const line of out.split('\n')) {
    if (/^semnum\s+value\s+ncount\s+zcount\s+pid/.test(line.trim())) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length < 5 || fields.some(Number.isNaN)) continue;
    const [semnum, value, ncount, zcount, pid] = fields;
    rows.push({ semnum, value, ncount, zcount, pid });
  }
  return rows;
}

/** `lslocks --json -o ...`: every lock util-linux sees. */
export function lslocks(): Array<{ command: string; pid: number; type: string; mode: string; start: number; end: number; path: string | null; blocker: number | null }> {
  return JSON.parse(run('lslocks', ['--json', '--notruncate', '-o', 'COMMAND,PID,TYPE,MODE,START,END,PATH,BLOCKER'])).locks;
}

export function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length - 1;
}

/** A second, unprivileged user, for what root's processes look like to someone else. */
export const OTHER_USER = 'syncscope-rel';

/** Why the second-user tests cannot run here, or undefined (creates OTHER_USER when missing). */
export function secondUserMissing(): string | undefined {
  if (notLinux) return notLinux;
  if (process.getuid?.() !== 0) return 'creating objects as root and reading them as another user needs root';
  if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status !== 0) return 'runuser is not installed';
  if (spawnSync('id', [OTHER_USER], { stdio: 'ignore' }).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OTHER_USER], { encoding: 'utf8' });
    if (made.status !== 0) return `useradd ${OTHER_USER} failed: ${made.stderr}`;
  }
  // The other user runs the same checkout: it must be able to read it.
  const probe = spawnSync('runuser', ['-u', OTHER_USER, '--', process.execPath, '-e', `require(${JSON.stringify(path.join(ROOT, 'node_modules/koffi'))})`], { encoding: 'utf8' });
  if (probe.status !== 0) return `${OTHER_USER} cannot load this checkout: ${probe.stderr.trim().split('\n')[0]}`;
  return undefined;
}
