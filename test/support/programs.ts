// Real programs for the `why` suite: each runs in its own process group, so that cleanup kills it
// with every child it forked (Python's multiprocessing children, flock's command), also when a test
// fails or the runner is interrupted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, collectJsonLines, onCleanup, tempDir, waitFor } from './linux';

export class Program {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, any>> = [];
  #exited = false;

  constructor(command: string, args: string[], cwd = ROOT) {
    this.child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    this.child.once('exit', () => (this.#exited = true));
    collectJsonLines(this.child.stdout!, this.lines);
    onCleanup(() => this.kill());
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The first JSON line the program printed. */
  first(timeoutMs = 15_000): Promise<Record<string, any>> {
    return waitFor(`a line from ${this.child.spawnargs.join(' ')}`, () => {
      if (this.lines.length) return this.lines[0];
      if (this.#exited) throw new Error(`${this.child.spawnargs.join(' ')} exited without a line`);
      return undefined;
    }, timeoutMs);
  }

  /** Kills the whole process group (the program and everything it forked). */
  kill(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

let built: string | undefined;

/** test/fixtures/why-fixture.c built with the machine's gcc (once per run). */
export function whyFixture(): string {
  if (built) return built;
  const out = path.join(tempDir(), 'why-fixture');
  const result = spawnSync('gcc', ['-O0', '-pthread', '-o', out, path.join(ROOT, 'test/fixtures/why-fixture.c')], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`gcc failed: ${result.stderr}`);
  built = out;
  return out;
}

/** Pids whose parent is `pid` (this kernel may lack /proc/<pid>/task/<tid>/children). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

/** The call a thread is blocked in, by its syscall number, or undefined (running, gone). */
export function blockedIn(pid: number, tid = pid): number | undefined {
  try {
    const first = fs.readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').split(' ')[0];
    return /^\d+$/.test(first) ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}
