// Test-side access to the Wine rig: run the CLI or fixtures under node.exe and talk to the
// helper process through files. On Windows the same calls run them natively (scripts/wine-rig.mjs
// chooseRunner), so the Win32 suites run unchanged there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { runtimeMissing } from './runtime';
// @ts-expect-error: plain ESM script without types
import * as rig from '../../scripts/wine-rig.mjs';

const repo = path.resolve(__dirname, '../..');
export const dist = (file: string) => path.join(repo, 'dist', file);
export const toWinePath: (p: string) => string = rig.toWinePath;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** True when the Windows side runs natively (on Windows), not under Wine. */
export const nativeWindows: boolean = rig.chooseRunner().kind === 'native';

/**
 * Why a Win32 suite cannot run here, or undefined: on Windows it runs natively; elsewhere it
 * needs Wine (skips loudly without it, fails under CI=true).
 */
export function win32RuntimeMissing(): string | undefined {
  return nativeWindows ? undefined : runtimeMissing('Wine', ['wine', '--version']);
}

let provisioned = false;
export function provisionWine(): void {
  if (provisioned) return;
  rig.provision();
  if (nativeWindows) {
    provisioned = true;
    return;
  }
  // Keep one wineserver alive across the suite's many short runs.
  spawnSync('wineserver', ['-p', '60'], { env: rig.wineEnv(), stdio: 'ignore' });
  provisioned = true;
}

export function runCli(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return rig.runUnderWine(dist('cli.cjs'), args, { timeoutMs });
}

export function runFixture(name: string, args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<RunResult> {
  return rig.runUnderWine(dist(`fixtures/${name}.cjs`), args, { timeoutMs, env });
}

export function startFixture(name: string, args: string[], logDir: string): ChildProcess {
  return rig.spawnUnderWine(dist(`fixtures/${name}.cjs`), args, {
    stdoutPath: path.join(logDir, `${name}.out`),
    stderrPath: path.join(logDir, `${name}.err`),
  });
}

/** The CLI left running (e.g. `create ... --hold`, `watch`), its output going to files in logDir. */
export function startCli(args: string[], logDir: string): ChildProcess {
  fs.mkdirSync(logDir, { recursive: true });
  return rig.spawnUnderWine(dist('cli.cjs'), args, {
    stdoutPath: path.join(logDir, 'out'),
    stderrPath: path.join(logDir, 'err'),
  });
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `syncscope-${label}-`));
}

export async function waitForFile(file: string, timeoutMs: number, hint: () => string = () => ''): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  // A file the other process is still writing exists but is empty: wait for its content too.
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text) return text;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${file}${hint()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the helper reports of itself when ready. */
export interface HelperReady {
  pid: number;
  /** The thread that created (and owns) <prefix>_Owned. */
  tid: number;
  sessionId: number;
  /** Its image name as the OS's process list has it. */
  processName: string;
  /** Its backend's capability report. */
  capabilities: Record<string, { supported: boolean; reason?: string }>;
  paths: string[];
}

/** The helper process (test/fixtures/win32-helper.ts): owns objects and reports what it sees. */
export class Win32Helper {
  #next = 1;
  private constructor(
    readonly dir: string,
    readonly child: ChildProcess,
    readonly ready: HelperReady,
  ) {}

  get pid(): number {
    return this.ready.pid;
  }

  get paths(): string[] {
    return this.ready.paths;
  }

  static async start(prefix: string): Promise<Win32Helper> {
    const dir = tempDir('helper');
    const child = startFixture('win32-helper', [prefix, toWinePath(dir)], dir);
    const errorFile = path.join(dir, 'helper-error.txt');
    const ready = await waitForFile(path.join(dir, 'ready.json'), 90_000, () => errorHint(errorFile));
    return new Win32Helper(dir, child, JSON.parse(ready));
  }

  /** The object's state as the helper process sees it. */
  async stateOf(name: string): Promise<{ kind?: string; state?: Record<string, unknown>; error?: string }> {
    const n = this.#next++;
    fs.writeFileSync(path.join(this.dir, `req-${n}.json`), JSON.stringify({ op: 'state', name }));
    return JSON.parse(await waitForFile(path.join(this.dir, `res-${n}.json`), 30_000));
  }

  async stop(): Promise<void> {
    fs.writeFileSync(path.join(this.dir, `req-${this.#next++}.json`), JSON.stringify({ op: 'exit' }));
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function errorHint(file: string): string {
  return fs.existsSync(file) ? `\nhelper failed: ${fs.readFileSync(file, 'utf8')}` : '';
}

/** The win32-unnamed fixture's facts: its two processes and their unnamed handles (0x hex). */
export interface UnnamedHolders {
  holderPid: number;
  /** The holder's thread that created, and owns, the mutex. */
  holderTid: number;
  /** The image name the OS lists for both processes. */
  holderName: string;
  waiterPid: number;
  /** The waiter's thread blocked in NtWaitForSingleObject on waiterEvent. */
  waiterTid: number;
  event: string;
  mutex: string;
  waiterProcess: string;
  waiterEvent: string;
}

/** Starts win32-unnamed (holder + waiter); stop() lets the holder wake the waiter and both exit. */
export async function startUnnamedHolders(): Promise<{ dir: string; ready: UnnamedHolders; readyFile: string; stop: () => Promise<void> }> {
  const dir = tempDir('unnamed');
  const child: ChildProcess = startFixture('win32-unnamed', [toWinePath(dir)], dir);
  const readyFile = path.join(dir, 'ready.json');
  const errors = () => ['holder-error.txt', 'waiter-error.txt']
    .map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  const ready: UnnamedHolders = JSON.parse(await waitForFile(readyFile, 90_000, errors));
  const stop = async () => {
    fs.writeFileSync(path.join(dir, 'exit'), 'exit');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    await exited;
    clearTimeout(timer);
  };
  return { dir, ready, readyFile, stop };
}
