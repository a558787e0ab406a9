// The bundled CLI (dist/cli.cjs, built by `npm test`) run as users run it, natively or under Wine,
// plus the checks every failing run must pass: one line on stderr, a non-zero exit, no stack trace.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const DIST_CLI = path.join(ROOT, 'dist/cli.cjs');
export const ARGV_FIXTURE = path.join(ROOT, 'dist/fixtures/cli-argv.cjs');

export interface CliRun {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** What a command line cannot carry: NUL, lone surrogates (argv is UTF-8). */
export function fitsArgv(arg: string): boolean {
  return !arg.includes('\u0000') && Buffer.from(arg, 'utf8').toString('utf8') === arg;
}

/** Runs the CLI in Linux Node; arguments a command line cannot carry go through cli-argv. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; user?: string } = {}): Promise<CliRun> {
  let argv: string[];
  if (args.every(fitsArgv)) argv = [DIST_CLI, ...args];
  else {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-argv-')), 'args.json');
    fs.writeFileSync(file, JSON.stringify(args));
    argv = [ARGV_FIXTURE, file];
  }
  const command = options.user ? 'runuser' : process.execPath;
  const commandArgs = options.user ? ['-u', options.user, '--', process.execPath, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

const STACK_LINE = /^\s+at .+[(:]\d+/m;

/** One line on stderr, a non-zero exit (the given one when given), no stack trace. */
export function assertCleanFailure(run: CliRun, expectedCode?: number | number[], pattern?: RegExp): void {
  const label = `syncscope ${run.args.map((a) => JSON.stringify(a.length > 60 ? `${a.slice(0, 60)}…(${a.length})` : a)).join(' ')}`;
  assert.notEqual(run.code, 0, `${label} exited 0: ${run.stdout.slice(0, 300)}`);
  if (expectedCode !== undefined) {
    const codes = Array.isArray(expectedCode) ? expectedCode : [expectedCode];
    assert.ok(codes.includes(run.code), `${label} exited ${run.code}, not ${codes.join(' or ')}: ${run.stderr.slice(0, 300)}`);
  }
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `${label}: stderr is not one line:\n${run.stderr.slice(0, 2000)}`);
  assert.match(lines[0], /^syncscope: \S/, `${label}: ${lines[0].slice(0, 300)}`);
  assert.doesNotMatch(run.stderr, STACK_LINE, `${label}: a stack trace without --debug`);
  // Escaped: nothing that could drive a terminal or reorder the line.
  assert.doesNotMatch(lines[0], /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u, `${label}: raw control or format characters on stderr`);
  if (pattern) assert.match(lines[0], pattern, label);
}

export function hasStackTrace(text: string): boolean {
  return STACK_LINE.test(text);
}

/** Every entry of /dev/shm (semaphores are sem.*). */
export function shmEntries(): string[] {
  return fs.readdirSync('/dev/shm').sort();
}

/** Every System V semaphore set: key, semid, perms, owner (from /proc, as ipcs reads it). */
export function sysvSets(): string[] {
  return fs
    .readFileSync('/proc/sysvipc/sem', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/).slice(0, 5).join(' '))
    .sort();
}

export function ipcsAvailable(): boolean {
  return spawnSync('ipcs', ['-s'], { stdio: 'ignore' }).status === 0;
}
