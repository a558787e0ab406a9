// Hostile names and numbers, on Linux, through every door: Connection (the IPC and WebSocket
// path) over the real Linux backend, and the real CLI. Each gets a clear error; nothing is created
// or changed (/dev/shm and /proc/sysvipc/sem are compared before and after); what the protocol
// refuses never reaches the backend (a spy proves it), and what the backend refuses it refuses
// before the OS call that would change anything (the object's value proves it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditLog } from '../../core/audit';
import { Connection } from '../../core/connection';
import { Service } from '../../core/service';
import { loadBackend, type Backend } from '../../native';
import { NativeError } from '../../native/errors';
import { ProtocolError, type RequestName } from '../../protocol';
import { assertCleanFailure, runCli, shmEntries, sysvSets } from '../support/cli-runs';
import { HOSTILE_PROTOCOL_NAMES } from '../support/fuzz';
import { RUN_PREFIX, cleanPosix, cleanSysv, cleanupAll, ipcsSemaphores, notLinux } from '../support/linux';
import { spyOn, type Spied } from '../support/spy-backend';

/** Names the protocol lets through but that could only mean something outside /dev/shm. */
const PATH_LIKE_NAMES = ['..', '.', '/', 'a/b', '../x', '/dev/shm/sem.../../etc/passwd', '/dev/shm/../shm/sem.x', '/etc/passwd', 'sysv:../1', 'lock:../../x'];
const ACTIONS = ['signal', 'set', 'reset', 'pulse', 'release', 'acquire', 'cancel', 'post', 'trywait', 'drain', 'unlink', 'setval'] as const;

function requestsNaming(name: string): Array<[RequestName, Record<string, unknown>]> {
  return [
    ['show', { name }],
    ...ACTIONS.map((action): [RequestName, Record<string, unknown>] => ['act', { action, name }]),
    ['create', { kind: 'posix-semaphore', name, count: 1 }],
    ['create', { kind: 'sysv-semaphore', name }],
    ['create', { kind: 'event', name }],
    ['create', { kind: 'mutex', name }],
  ];
}

/** The semaphore word of a POSIX semaphore: its value, read from the file with no side effect. */
function posixValue(name: string): number {
  return fs.readFileSync(`/dev/shm/sem.${name}`).readUInt32LE(0);
}

describe('hostile names and numbers on Linux', { skip: notLinux, timeout: 180_000 }, () => {
  let real: Backend;
  let spied: Spied;
  let service: Service;
  let connection: Connection;
  const passwd = fs.statSync('/etc/passwd');

  before(() => {
    real = loadBackend();
    spied = spyOn(real);
    const audit = new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-hostile-')), 'audit.log'), 'test');
    service = new Service(spied.backend, { allowActions: true, attribution: false, audit });
    connection = new Connection(service, 'websocket', () => undefined);
  });
  after(async () => {
    connection?.close();
    await service?.dispose();
    cleanupAll();
  });

  test('names the protocol refuses: every request naming one is refused before any backend call', async () => {
    const shm = shmEntries();
    const sets = sysvSets();
    let refused = 0;
    for (const [label, name] of HOSTILE_PROTOCOL_NAMES) {
      for (const [channel, payload] of requestsNaming(name)) {
        const before = spied.calls.length;
        await assert.rejects(
          connection.handle(channel, payload),
          (error: unknown) => error instanceof ProtocolError && error.message.startsWith(`${channel}: name: `),
          `${label}: ${channel} ${JSON.stringify(payload).slice(0, 80)}`,
        );
        assert.deepEqual(spied.calls.slice(before), [], `${label}: ${channel} reached the backend`);
        refused++;
      }
    }
    assert.equal(refused, HOSTILE_PROTOCOL_NAMES.length * requestsNaming('x').length);
    assert.deepEqual(shmEntries(), shm, 'nothing appeared in /dev/shm');
    assert.deepEqual(sysvSets(), sets, 'no System V set appeared');
  });

  test('path-like names reach the Linux backend and are refused there as invalid-argument; nothing outside /dev/shm is touched', async () => {
    const shm = shmEntries();
    const sets = sysvSets();
    for (const name of PATH_LIKE_NAMES) {
      for (const [channel, payload] of requestsNaming(name)) {
        // Linux has no events or mutexes: that refusal is "unsupported", also before any OS call.
        const kinds = channel === 'create' && (payload.kind === 'event' || payload.kind === 'mutex') ? ['unsupported'] : ['invalid-argument'];
        await assert.rejects(
          connection.handle(channel, payload),
          (error: unknown) => error instanceof NativeError && kinds.includes(error.kind),
          `${name}: ${channel} ${JSON.stringify(payload)}`,
        );
      }
    }
    assert.deepEqual(shmEntries(), shm, 'nothing appeared in or left /dev/shm');
    assert.deepEqual(sysvSets(), sets, 'no System V set appeared or went');
    const now = fs.statSync('/etc/passwd');
    assert.equal(now.mtimeMs, passwd.mtimeMs, '/etc/passwd untouched');
    assert.equal(now.size, passwd.size);
  });

  test('numbers out of range are refused by the protocol, before any backend call', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['count', { action: 'post', name: 'x', count: -1 }],
      ['count', { action: 'post', name: 'x', count: 0 }],
      ['count', { action: 'post', name: 'x', count: 2 ** 31 }],
      ['count', { action: 'post', name: 'x', count: 1.5 }],
      ['count', { action: 'trywait', name: 'x', count: Number.NaN }],
      ['timeoutMs', { action: 'trywait', name: 'x', timeoutMs: 2 ** 31 }],
      ['timeoutMs', { action: 'trywait', name: 'x', timeoutMs: -1 }],
      ['timeoutMs', { action: 'acquire', name: 'x', timeoutMs: Number.POSITIVE_INFINITY }],
      ['index', { action: 'setval', name: 'sysv:1', index: -1 }],
      ['index', { action: 'setval', name: 'sysv:1', index: 65_536 }],
      ['value', { action: 'setval', name: 'sysv:1', value: 32_768 }],
      ['value', { action: 'setval', name: 'sysv:1', value: -1 }],
      ['dueMs', { action: 'set', name: 'x', dueMs: 2 ** 31 }],
      ['periodMs', { action: 'set', name: 'x', periodMs: -5 }],
    ];
    for (const [field, payload] of bad) {
      const before = spied.calls.length;
      await assert.rejects(
        connection.handle('act', payload),
        (error: unknown) => error instanceof ProtocolError && error.message.startsWith(`act: ${field}: `),
        JSON.stringify(payload),
      );
      assert.deepEqual(spied.calls.slice(before), [], `${JSON.stringify(payload)} reached the backend`);
    }
    for (const payload of [
      { kind: 'posix-semaphore', name: 'x', count: -1 },
      { kind: 'sysv-semaphore', name: 'private', nsems: 0 },
      { kind: 'sysv-semaphore', name: 'private', nsems: 32_001 },
      { kind: 'sysv-semaphore', name: 'private', count: 32_768 },
      { kind: 'semaphore', name: 'x', max: 0 },
    ]) {
      const before = spied.calls.length;
      await assert.rejects(connection.handle('create', payload), ProtocolError, JSON.stringify(payload));
      assert.deepEqual(spied.calls.slice(before), []);
    }
  });

  test('a count past a semaphore\'s maximum is refused before anything is posted (Connection and CLI)', async () => {
    const name = `${RUN_PREFIX}_nearmax`;
    cleanPosix(name);
    real.create({ kind: 'posix-semaphore', name, count: 0x7fffffff - 2 }).close();
    const created = real.create({ kind: 'sysv-semaphore', name: 'private', count: 32_760 });
    const semid = Number(created.path.slice('sysv:'.length));
    cleanSysv(semid);

    await assert.rejects(
      connection.handle('act', { action: 'post', name, count: 5 }),
      (error: unknown) => error instanceof NativeError && error.kind === 'invalid-argument' && /past the maximum 2147483647/.test(error.message),
    );
    // sem_post posts one unit at a time: before the check, two units went in before EOVERFLOW.
    assert.equal(posixValue(name), 0x7fffffff - 2, 'not one unit was posted');
    const sysvBefore = ipcsSemaphores(semid)[0];
    await assert.rejects(
      connection.handle('act', { action: 'post', name: created.path, count: 10 }),
      (error: unknown) => error instanceof NativeError && error.kind === 'invalid-argument' && /past the maximum 32767/.test(error.message),
    );
    // Value and last operating pid (semop sets it) as they were.
    assert.deepEqual(ipcsSemaphores(semid)[0], sysvBefore);

    const posix = await runCli(['post', name, '--count', '5']);
    assertCleanFailure(posix, 2, /past the maximum/);
    const sysv = await runCli(['post', created.path, '--count', '10']);
    assertCleanFailure(sysv, 2, /past the maximum/);
    assert.equal(posixValue(name), 0x7fffffff - 2);
    assert.equal(ipcsSemaphores(semid)[0].value, 32_760);
    // What fits still works, so the check is the maximum and not a refusal of everything.
    await connection.handle('act', { action: 'post', name, count: 2 });
    assert.equal(posixValue(name), 0x7fffffff);
  });

  test('the CLI: every hostile name gets one line on stderr and exit 2, and nothing is created', async () => {
    const shm = shmEntries();
    const sets = sysvSets();
    const names = [...HOSTILE_PROTOCOL_NAMES.map(([, name]) => name), ...PATH_LIKE_NAMES];
    // Every name through show, create and post; a sample of them through the other commands that
    // take a name (each run is a process start: the whole cross product would take a minute).
    const runs = names.flatMap((name, i) => [
      ['show', name],
      ['create', 'posix-semaphore', name, '--hold', '0'],
      ['post', name],
      ...(i % 6 === 0
        ? [['create', 'sysv-semaphore', name, '--hold', '0'], ['trywait', name, '--timeout', '10'], ['unlink', name, '--yes'], ['watch', name, '--duration', '1']]
        : []),
    ]);
    const started = Date.now();
    for (let i = 0; i < runs.length; i += 12) {
      const batch = await Promise.all(runs.slice(i, i + 12).map((args) => runCli(args)));
      for (const run of batch) assertCleanFailure(run, 2);
    }
    process.stdout.write(`# ${runs.length} hostile CLI runs in ${Date.now() - started} ms\n`);
    assert.deepEqual(shmEntries(), shm, 'nothing appeared in /dev/shm');
    assert.deepEqual(sysvSets(), sets, 'no System V set appeared');
  });

  test('the CLI: numbers out of range are usage errors, and the object is unchanged', async () => {
    const name = `${RUN_PREFIX}_numbers`;
    cleanPosix(name);
    real.create({ kind: 'posix-semaphore', name, count: 3 }).close();
    const set = real.create({ kind: 'sysv-semaphore', name: 'private', count: 4 });
    cleanSysv(Number(set.path.slice(5)));
    const runs = [
      ['post', name, '--count', '-1'],
      ['post', name, '--count', '0'],
      ['post', name, '--count', '2147483648'],
      ['post', name, '--count', '1e3'],
      ['post', name, '--count', '0x10'],
      ['post', name, '--count', ''],
      ['trywait', name, '--timeout', '2147483648'],
      ['trywait', name, '--timeout', '-1'],
      ['trywait', name, '--count', '99999999999999999999'],
      ['drain', name, '--count', '-3'],
      ['setval', set.path, '--value', '32768'],
      ['setval', set.path, '--value', '-1'],
      ['setval', set.path, '--index', '65536'],
      ['post', set.path, '--index', '-1'],
      ['create', 'posix-semaphore', `${RUN_PREFIX}_new`, '--count', '-1'],
      ['create', 'sysv-semaphore', 'private', '--nsems', '0'],
      ['create', 'sysv-semaphore', 'private', '--nsems', '32001'],
      ['create', 'posix-semaphore', `${RUN_PREFIX}_new`, '--mode', '1777'],
    ];
    const shm = shmEntries();
    const sets = sysvSets();
    const results = await Promise.all(runs.map((args) => runCli(args)));
    for (const run of results) assertCleanFailure(run, 2);
    assert.equal(posixValue(name), 3);
    assert.equal(ipcsSemaphores(Number(set.path.slice(5)))[0].value, 4);
    assert.deepEqual(shmEntries(), shm);
    assert.deepEqual(sysvSets(), sets);
  });
});
