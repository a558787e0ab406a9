// Every way the CLI can fail ends the same way: one line on stderr that says what went wrong,
// a non-zero exit code from the documented set (1 failure, 2 usage, 3 not found, 4 access
// denied, 5 timeout), and no stack trace unless --debug asks for one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertCleanFailure, hasStackTrace, runCli } from '../support/cli-runs';
import { notLinux } from '../support/linux';

const missing = `syncscope_missing_${process.pid}`;

describe('CLI errors', { skip: notLinux, timeout: 120_000 }, () => {
  let busy: net.Server;
  let busyPort: number;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-cli-errors-'));
    fs.writeFileSync(path.join(dir, 'not-a-recording.json'), '{"format":"something else"}');
    fs.writeFileSync(path.join(dir, 'garbage.json'), '\u0000\u0001garbage');
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  after(() => {
    busy?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('failing invocations: one line on stderr, the documented exit code, no stack trace', async () => {
    const cases: Array<[args: string[], code: number, pattern?: RegExp]> = [
      // Usage: unknown commands and options, missing and malformed arguments.
      [['bogus'], 2, /unknown command 'bogus'/],
      [['--bogus'], 2, /unknown option '--bogus'/],
      [['list', '--bogus'], 2, /unknown option/],
      [['list', '--kind'], 2, /argument missing/],
      [['list', '--dir', '/etc'], 2, /unknown scope \/etc/],
      [['show'], 2, /missing required argument 'name'/],
      [['show', 'a', 'b'], 2, /too many arguments|unknown/],
      [['watch'], 2, /missing required argument/],
      [['top', '--interval', '0'], 2, /must be from 5 to 60000/],
      [['top', '--limit', 'many'], 2, /is not a whole number/],
      [['record'], 2, /required option '--duration/],
      [['record', '--duration', '-1', '--out', 'x.json'], 2, /must be from/],
      [['serve', '--port', '70000'], 2, /must be from 0 to 65535/],
      // --cpu-budget: a percent of one core from 0.5 to 100 on every command that samples.
      [['watch', 'x', '--cpu-budget', '0.4'], 2, /--cpu-budget <pct>' argument '0\.4' is invalid\. give a percent of one core from 0\.5 to 100/],
      [['top', '--cpu-budget', '100.5'], 2, /--cpu-budget .*from 0\.5 to 100/],
      [['record', '--duration', '1', '--out', 'x.json', '--cpu-budget', 'fast'], 2, /argument 'fast' is invalid/],
      [['serve', '--cpu-budget', '-5'], 2, /--cpu-budget .*from 0\.5 to 100/],
      [['deadlocks', '--cpu-budget', 'NaN'], 2, /--cpu-budget .*from 0\.5 to 100/],
      [['why', '1', '--cpu-budget', ''], 2, /--cpu-budget .*from 0\.5 to 100/],
      [['top', '--cpu-budget', '1e1'], 2, /--cpu-budget .*from 0\.5 to 100/],
      [['top', '--cpu-budget'], 2, /argument missing/],
      [['demo'], 2, /missing required argument 'scenario'/],
      [['demo', 'nope'], 2, /choose one of/],
      [['demo', 'handshake', '--workers', '0'], 2, /must be from 1 to 64/],
      [['audit', '--limit', '0'], 2, /must be from 1/],
      [['create'], 2, /missing required argument 'kind'/],
      [['create', 'widget', 'x'], 2, /Allowed choices/],
      [['create', 'event', 'x'], 1, /linux has no event objects/],
      [['create', 'posix-semaphore', 'x', '--mode', 'rwx'], 2, /not an octal mode/],
      [['acquire', 'x', '--hold', '-1'], 2, /must be from 0/],
      [['post', 'x', '--count', '-5'], 2, /must be from 1 to 2147483647/],
      [['trywait', 'x', '--timeout', '4294967296'], 2, /must be from 0 to 2147483647/],
      [['capabilities', '--bogus'], 2, /unknown option/],
      // Names that are not names, and actions that do not apply.
      [['show', '../../etc/passwd'], 2, /bad POSIX semaphore name/],
      [['show', 'sysv:abc'], 2, /bad System V name/],
      [['show', 'lock:../x'], 2, /bad file lock id/],
      [['show', 'a\u001b[31mred'], 2, /U\+001B/],
      [['set', 'x'], 2, /does not apply to a POSIX semaphore/],
      [['release', 'lock:FLOCK:fe:00:1:0:EOF'], 2, /file locks are read-only/],
      [['unlink', missing], 2, /add --yes to confirm/],
      // Objects that are not there.
      [['show', missing], 3, /no POSIX semaphore/],
      [['show', 'sysv:2147483647'], 3, /no System V semaphore set/],
      [['show', 'sysv:key=0x7eadbeef'], 3, /no System V semaphore set with key/],
      [['show', 'lock:FLOCK:fe:00:1:0:EOF'], 3, /no file lock/],
      [['watch', missing, '--duration', '1'], 3, /no POSIX semaphore/],
      [['post', missing], 3],
      [['trywait', missing, '--timeout', '10'], 3],
      [['drain', missing], 3],
      [['unlink', missing, '--yes'], 3],
      [['setval', 'sysv:2147483647'], 3],
      // Files and ports the OS refuses.
      [['replay', path.join(os.tmpdir(), `${missing}.json`)], 1, /ENOENT/],
      [['replay', '/etc/passwd'], 1, /not a SyncScope recording/],
      [['replay', '/dev/shm'], 1, /EISDIR|not a SyncScope recording/],
      [['replay', '__DIR__/not-a-recording.json'], 1, /not a SyncScope recording: format/],
      [['replay', '__DIR__/garbage.json'], 1, /not a SyncScope recording/],
      [['record', '--duration', '1', '--out', '/nonexistent-dir/trace.json'], 1, /ENOENT/],
      [['serve', '--port', '__BUSY__', '--duration', '1'], 1, /EADDRINUSE/],
    ];
    const started = Date.now();
    const runs = cases.map(([args, code, pattern]) => ({
      args: args.map((a) => a.replace('__DIR__', dir).replace('__BUSY__', String(busyPort))),
      code,
      pattern,
    }));
    for (let i = 0; i < runs.length; i += 10) {
      await Promise.all(
        runs.slice(i, i + 10).map(async ({ args, code, pattern }) => assertCleanFailure(await runCli(args, { env: { ...process.env, HOME: dir } }), code, pattern)),
      );
    }
    process.stdout.write(`# ${runs.length} failing CLI invocations in ${Date.now() - started} ms\n`);
  });

  test('--debug adds the stack to the same first line; usage errors stay one line', async () => {
    const plain = await runCli(['show', missing]);
    const debug = await runCli(['show', missing, '--debug']);
    assert.equal(debug.code, plain.code);
    assert.equal(debug.stderr.split('\n')[0], plain.stderr.split('\n')[0]);
    assert.ok(hasStackTrace(debug.stderr), debug.stderr);
    assert.ok(!hasStackTrace(plain.stderr));
    const usage = await runCli(['post', 'x', '--count', '-1', '--debug']);
    assertCleanFailure(usage, 2);
  });

  test('`syncscope` alone prints the usage (the one multi-line answer), with exit 2 and no stack', async () => {
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^Usage: syncscope/);
    assert.ok(!hasStackTrace(bare.stderr));
  });
});
