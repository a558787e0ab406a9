// Hostile names and numbers through the real CLI in the Windows node.exe under Wine. Names a
// Windows command line can carry go on the command line; the rest (NUL, lone surrogates, 32,768
// characters: a Windows command line ends at 32,767) go through test/fixtures/cli-argv.ts, which
// runs the same bundled CLI with an argv read from a file. Nothing may be created: `list` before
// and after must agree.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, fitsArgv, type CliRun } from '../support/cli-runs';
import { HOSTILE_PROTOCOL_NAMES } from '../support/fuzz';
import { runtimeMissing } from '../support/runtime';
import { provisionWine, runCli, runFixture, startCli, tempDir, toWinePath, waitForFile } from '../support/wine';

const skip = runtimeMissing('Wine', ['wine', '--version']);
const prefix = `SyncScopeRel${process.pid}`;

async function wineCli(args: string[], dir: string): Promise<CliRun> {
  const file = path.join(dir, `args-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(args));
  const result = await runFixture('cli-argv', [toWinePath(file)], 60_000);
  return { args, ...result };
}

async function commandLineCli(args: string[]): Promise<CliRun> {
  return { args, ...(await runCli(args)) };
}

async function listedPaths(): Promise<Set<string>> {
  const result = await runCli(['list', '--json', '--no-holders']);
  assert.equal(result.code, 0, result.stderr);
  return new Set((JSON.parse(result.stdout) as Array<{ path: string }>).map((o) => o.path));
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

describe('hostile names and numbers under Wine', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let holder: ChildProcess | undefined;

  before(() => {
    provisionWine();
    dir = tempDir('hostile');
  });
  after(() => {
    holder?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every hostile name: one line on stderr, exit 2, nothing created (list before and after)', { timeout: 240_000 }, async () => {
    const listed = await listedPaths();
    const runs: Array<{ args: string[]; via: 'argv-file' | 'command line' }> = [];
    const win32Only = ['..', 'Local\\..\\x', 'Global\\.', `\\BaseNamedObjects\\..\\${prefix}`, `${prefix}a/b`];
    for (const [, name] of HOSTILE_PROTOCOL_NAMES) {
      for (const args of [['show', name], ['create', 'event', name, '--hold', '0'], ['set', name]]) runs.push({ args, via: 'argv-file' });
      // The same names as a user types them, where a command line can carry them.
      if (fitsArgv(name) && name.length < 30_000 && !name.includes('\n')) runs.push({ args: ['create', 'mutex', name, '--hold', '0'], via: 'command line' });
    }
    for (const name of win32Only) {
      runs.push({ args: ['create', 'event', name, '--hold', '0'], via: 'command line' });
      runs.push({ args: ['show', name], via: 'command line' });
    }
    const started = Date.now();
    await inBatches(runs, 8, async ({ args, via }) => {
      const run = via === 'argv-file' ? await wineCli(args, dir) : await commandLineCli(args);
      // `show` of a name with "/" is looked up (kernel32 allows "/" in names) and not found: 3.
      const code = args[0] === 'show' && args[1].includes('/') && !args[1].includes('..') ? 3 : 2;
      assertCleanFailure(run, code);
    });
    process.stdout.write(`# ${runs.length} hostile CLI runs under Wine in ${Date.now() - started} ms\n`);
    const now = await listedPaths();
    const appeared = [...now].filter((p) => !listed.has(p));
    // node.exe makes one event per process for its debugger (node-debug-handler-<pid>): `list` made that one.
    assert.deepEqual(appeared.filter((p) => !/\\node-debug-handler-\d+$/.test(p)), [], 'nothing was created');
  });

  test('a 32,768-character name is refused with the limit; one of 32,767 plus the path is refused by the NT layer', async () => {
    const long = await wineCli(['create', 'event', 'x'.repeat(32_768), '--hold', '0'], dir);
    assertCleanFailure(long, 2, /32768 characters; the limit is 32767/);
    // Within the name limit, but its full path (\Sessions\1\BaseNamedObjects\...) is not.
    const full = await wineCli(['create', 'event', 'y'.repeat(32_767), '--hold', '0'], dir);
    assertCleanFailure(full, 2, /1 to 32767 characters/);
  });

  test('numbers out of range: refused as usage errors; a release past the maximum leaves the count as it was', async () => {
    const name = `${prefix}_Sem`;
    const holdDir = path.join(dir, 'holder');
    holder = startCli(['create', 'semaphore', name, '--count', '5', '--max', '7', '--hold', '120'], holdDir);
    await waitForFile(path.join(holdDir, 'out'), 60_000);
    for (let i = 0; i < 100 && !fs.readFileSync(path.join(holdDir, 'out'), 'utf8').includes('created'); i++) await new Promise((r) => setTimeout(r, 100));

    const runs = [
      ['release', name, '--count', '-1'],
      ['release', name, '--count', '0'],
      ['release', name, '--count', '2147483648'],
      ['acquire', name, '--timeout', '2147483648'],
      ['set', name, '--due', '-5'],
      ['create', 'semaphore', `${prefix}_Bad`, '--max', '0', '--hold', '0'],
      ['create', 'semaphore', `${prefix}_Bad`, '--count', '-2', '--hold', '0'],
    ];
    await inBatches(runs, 8, async (args) => assertCleanFailure(await commandLineCli(args), 2));
    const past = await commandLineCli(['release', name, '--count', '3']);
    assertCleanFailure(past, 2, /from 5 past its maximum 7/);
    const shown = await runCli(['show', name, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).state, { count: 5, max: 7 }, 'the count is unchanged');
    // What fits is done: the check is the maximum, not a refusal of every release.
    const fits = await runCli(['release', name, '--count', '2', '--json']);
    assert.equal(fits.code, 0, fits.stderr);
    assert.deepEqual(JSON.parse(fits.stdout).state, { count: 7, max: 7 });
  });
});
