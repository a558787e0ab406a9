// The protocol's schemas: requests parsed on the receiving side, names checked before lookup, and
// object reports in the JSON shape `list --json` prints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ProtocolError,
  REQUESTS,
  REQUEST_NAMES,
  isRequestName,
  objectRecordSchema,
  objectReportSchema,
  parseRequest,
  parseResponse,
  updateSchema,
  type RequestName,
} from '../../protocol';

/** Asserts that parsing throws a ProtocolError naming the channel and the field. */
function rejects(channel: RequestName, payload: unknown, field: string): void {
  assert.throws(
    () => parseRequest(channel, payload),
    (error: unknown) => {
      assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${String(error)}`);
      assert.ok(error.message.startsWith(`${channel}: ${field}: `), `message "${error.message}" does not name ${field}`);
      return true;
    },
  );
}

test('isRequestName: every declared name, and nothing else', () => {
  for (const name of REQUEST_NAMES) assert.equal(isRequestName(name), true, name);
  for (const bad of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '', 'SHOW', ' show', 'show ']) {
    assert.equal(isRequestName(bad), false, JSON.stringify(bad));
  }
  for (const bad of [undefined, null, 1, {}, ['show'], { toString: () => 'show' }]) {
    assert.equal(isRequestName(bad), false, String(bad));
  }
});

test('every request name has a request and a response schema', () => {
  for (const name of REQUEST_NAMES) {
    assert.ok(Object.hasOwn(REQUESTS, name), name);
    assert.equal(typeof REQUESTS[name].request.safeParse, 'function', name);
    assert.equal(typeof REQUESTS[name].response.safeParse, 'function', name);
  }
  assert.deepEqual(Object.keys(REQUESTS).sort(), [...REQUEST_NAMES].sort());
});

test('parseRequest: accepts valid payloads and returns them', () => {
  const valid: Array<[RequestName, unknown]> = [
    ['show', { name: 'Foo' }],
    ['show', { name: '\\BaseNamedObjects\\Foo' }],
    ['act', { action: 'signal', name: 'E' }],
    ['act', { action: 'acquire', name: 'M', timeoutMs: 0 }],
    ['act', { action: 'release', name: 'S', count: 3 }],
    ['act', { action: 'set', name: 'T', dueMs: 100, periodMs: 0 }],
    ['create', { kind: 'event', name: 'E', manual: true, signaled: false }],
    ['create', { kind: 'mutex', name: 'M', owned: true }],
    ['create', { kind: 'semaphore', name: 'S', count: 0, max: 1 }],
    ['create', { kind: 'timer', name: 'T', manual: false, dueMs: 10, periodMs: 5 }],
    ['create', { kind: 'posix-semaphore', name: '/s', count: 2 }],
    ['create', { kind: 'sysv-semaphore', name: '0x5eed', count: 1 }],
    ['capabilities', {}],
    ['setRates', {}],
    ['setRates', { stateMs: 5, scanMs: 50, watchMs: 60_000, holdersMs: 3_600_000 }],
    ['watch', { paths: [] }],
    ['watch', { paths: ['a', 'b'] }],
    ['setCpuBudget', { percent: 0.5 }],
    ['setCpuBudget', { percent: 100 }],
    ['setCpuBudget', { percent: 3.25 }],
    ['budget', {}],
    ['setVisible', { paths: [] }],
    ['setVisible', { paths: Array.from({ length: 1000 }, (_, i) => `p${i}`) }],
    ['history', { path: 'p', fromMs: 0, toMs: 1.5, maxPoints: 10_000 }],
    ['metrics', { path: 'p', windowMs: 0 }],
    ['contention', { windowMs: 60_000, limit: 1000 }],
    ['deadlocks', {}],
    ['exportRecording', { format: 'csv' }],
    ['subscribe', {}],
    ['ack', {}],
  ];
  for (const [channel, payload] of valid) {
    assert.deepEqual(parseRequest(channel, payload), payload, `${channel} ${JSON.stringify(payload)}`);
  }
});

test('parseRequest: unknown keys are dropped, never passed through', () => {
  assert.deepEqual(parseRequest('show', { name: 'x', extra: 1 }), { name: 'x' });
  assert.deepEqual(parseRequest('ack', { anything: true }), {});
  const polluted = JSON.parse('{"name":"x","__proto__":{"polluted":true}}');
  const parsed = parseRequest('show', polluted) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['name']);
  assert.equal(parsed.polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
});

test('parseRequest: a payload that is not an object is rejected as a whole', () => {
  for (const payload of [null, undefined, 'show', 42, ['Foo']]) rejects('show', payload, 'message');
});

test('parseRequest: rejects with a ProtocolError naming the bad field', () => {
  rejects('show', {}, 'name');
  rejects('show', { name: '' }, 'name');
  rejects('show', { name: 'x'.repeat(32_768) }, 'name');
  rejects('show', { name: 7 }, 'name');
  rejects('act', { action: 'explode', name: 'x' }, 'action');
  rejects('act', { action: 'signal' }, 'name');
  rejects('act', { action: 'release', name: 'S', count: -1 }, 'count');
  rejects('act', { action: 'release', name: 'S', count: 1.5 }, 'count');
  rejects('act', { action: 'acquire', name: 'M', timeoutMs: 2 ** 31 }, 'timeoutMs');
  rejects('act', { action: 'acquire', name: 'M', timeoutMs: -1 }, 'timeoutMs');
  rejects('act', { action: 'set', name: 'T', dueMs: Number.NaN }, 'dueMs');
  rejects('create', { kind: 'socket', name: 'x' }, 'kind');
  rejects('create', { kind: 'semaphore', name: 'S', max: 0 }, 'max');
  rejects('create', { kind: 'sysv-semaphore', name: 'k', count: -1 }, 'count');
  rejects('create', { kind: 'event', name: 'E', manual: 'yes' }, 'manual');
  rejects('setRates', { stateMs: 4 }, 'stateMs');
  rejects('setRates', { scanMs: 49 }, 'scanMs');
  rejects('setRates', { holdersMs: 99 }, 'holdersMs');
  rejects('setRates', { watchMs: 60_001 }, 'watchMs');
  rejects('setRates', { stateMs: '100' }, 'stateMs');
  rejects('setRates', { stateMs: Number.POSITIVE_INFINITY }, 'stateMs');
  rejects('watch', { paths: Array.from({ length: 1001 }, (_, i) => `p${i}`) }, 'paths');
  rejects('watch', { paths: ['ok', 1] }, 'paths.1');
  rejects('setCpuBudget', { percent: 0.49 }, 'percent');
  rejects('setCpuBudget', { percent: 100.5 }, 'percent');
  rejects('setCpuBudget', { percent: '5' }, 'percent');
  rejects('setCpuBudget', { percent: Number.NaN }, 'percent');
  rejects('setCpuBudget', {}, 'percent');
  rejects('setVisible', { paths: Array.from({ length: 1001 }, (_, i) => `p${i}`) }, 'paths');
  rejects('setVisible', { paths: ['ok', null] }, 'paths.1');
  rejects('history', { path: 'p', toMs: 1, maxPoints: 10 }, 'fromMs');
  rejects('history', { path: 'p', fromMs: 0, toMs: 1, maxPoints: 0 }, 'maxPoints');
  rejects('history', { path: 'p', fromMs: 0, toMs: 1, maxPoints: 10_001 }, 'maxPoints');
  rejects('history', { path: 'p', fromMs: 0, toMs: 1, maxPoints: 2.5 }, 'maxPoints');
  rejects('metrics', { path: 'p', windowMs: -5 }, 'windowMs');
  rejects('contention', { windowMs: 1000, limit: 0 }, 'limit');
  rejects('contention', { windowMs: 1000, limit: 1001 }, 'limit');
  rejects('exportRecording', { format: 'xml' }, 'format');
});

test('ProtocolError: an Error of kind invalid-argument', () => {
  const error = new ProtocolError('x');
  assert.ok(error instanceof Error);
  assert.equal(error.kind, 'invalid-argument');
});

// ---- Object reports as `list --json` prints them, one per state kind -----------------------------

const base = { name: 'Foo', path: '\\BaseNamedObjects\\Foo' };
const examples: Array<Record<string, unknown>> = [
  { ...base, kind: 'event', state: { eventType: 'manual', signaled: true } },
  { ...base, kind: 'event', state: { eventType: 'auto', signaled: false } },
  { ...base, kind: 'mutex', state: { locked: false, abandoned: false } },
  {
    ...base,
    kind: 'mutex',
    state: { locked: true, abandoned: false, ownerThreadId: 1234, ownerProcessId: 5678, ownedByCaller: false },
    holders: [{ pid: 5678, processName: 'app.exe' }],
    waiters: [{ pid: 9, tid: 10, processName: 'other.exe' }],
  },
  { ...base, kind: 'mutex', state: { locked: true, abandoned: true }, unavailable: { mutexOwner: 'not implemented by Wine' } },
  { ...base, kind: 'semaphore', state: { count: 0, max: 4 }, holders: [] },
  { ...base, kind: 'timer', state: { signaled: false, remainingMs: 250 } },
  { ...base, kind: 'timer', state: { signaled: true, remainingMs: null } },
  { kind: 'posix-semaphore', name: 'jobs', path: '/dev/shm/sem.jobs', state: { count: 2, waiters: 1 } },
  {
    kind: 'sysv-semaphore',
    name: '0x00005eed',
    path: 'sysv:24301',
    state: { key: 0x5eed, semid: 3, values: [1, 0], waiters: [0, 2], zeroWaiters: [0, 0], lastPids: [100, 0] },
  },
  {
    kind: 'sysv-semaphore',
    name: 'private',
    path: 'sysv:7',
    state: { key: -5, semid: 7, values: [0], waiters: [0], zeroWaiters: [1], lastPids: [0] },
  },
  {
    kind: 'file-lock',
    name: 'db.lock',
    path: '/var/db.lock',
    state: { lockType: 'POSIX', mode: 'WRITE', path: '/var/db.lock', holderPid: 100, waiterPids: [101, 102] },
  },
  {
    kind: 'file-lock',
    name: 'ofd',
    path: '/tmp/ofd',
    state: { lockType: 'OFDLCK', mode: 'READ', path: '/tmp/ofd', holderPid: 0, waiterPids: [], device: '08:01', inode: 1234, start: 0, end: null },
  },
  { ...base, kind: 'event', error: { kind: 'access-denied', message: 'access is denied' } },
  { ...base, kind: 'symboliclink' },
];

test('objectReportSchema: accepts an example of every state kind unchanged (nothing stripped or coerced)', () => {
  for (const example of examples) {
    const result = objectReportSchema.safeParse(example);
    assert.ok(result.success, `${JSON.stringify(example)}: ${result.success ? '' : result.error.message}`);
    assert.deepEqual(result.data, example, `${example.kind} changed in parsing`);
  }
});

test('objectReportSchema: a state is not read as another kind\'s (the union keeps every field)', () => {
  // posix-semaphore {count, waiters} must not become a semaphore without max, nor lose waiters.
  const posix = objectReportSchema.parse({ kind: 'posix-semaphore', name: 'a', path: 'a', state: { count: 1, waiters: 3 } });
  assert.deepEqual(posix.state, { count: 1, waiters: 3 });
  // A timer is not an event with a missing eventType.
  const timer = objectReportSchema.parse({ kind: 'timer', name: 'a', path: 'a', state: { signaled: true, remainingMs: 5 } });
  assert.deepEqual(timer.state, { signaled: true, remainingMs: 5 });
});

test('objectReportSchema: rejects malformed reports', () => {
  const bad: Array<Record<string, unknown>> = [
    { ...base, kind: 'semaphore', state: { count: -1, max: 4 } },
    { ...base, kind: 'semaphore', state: { count: 1.5, max: 4 } },
    { ...base, kind: 'event', state: { eventType: 'sometimes', signaled: true } },
    { ...base, kind: 'event', state: { signaled: 'yes' } },
    { ...base, kind: 'timer', state: { signaled: true } },
    { ...base, kind: 'mutex', holders: [{ pid: -1, processName: 'x' }] },
    { ...base, kind: 'mutex', waiters: [{ pid: 1, processName: 'x' }] },
    { ...base, kind: 'mutex', unavailable: { waiters: 5 } },
    { ...base, kind: 'mutex', error: { kind: 'x' } },
    { kind: 'mutex', name: 'Foo' },
    { ...base, kind: 'file-lock', state: { lockType: 'MAGIC', mode: 'WRITE', path: '/x', holderPid: 1, waiterPids: [] } },
  ];
  for (const report of bad) assert.equal(objectReportSchema.safeParse(report).success, false, JSON.stringify(report));
});

test('objectRecordSchema: a report plus changedAt, and goneAt when gone', () => {
  const record = { ...examples[0], changedAt: 1000, goneAt: 2000 };
  assert.deepEqual(objectRecordSchema.parse(record), record);
  assert.equal(objectRecordSchema.safeParse(examples[0]).success, false, 'changedAt is required');
});

test('updateSchema: snapshots and deltas as the stream sends them', () => {
  const snapshot = { type: 'snapshot', seq: 3, t: 1, records: [{ ...examples[2], changedAt: 1 }] };
  const delta = { type: 'delta', fromSeq: 4, seq: 6, t: 2, upserts: [{ ...examples[6], changedAt: 2 }], removed: ['gone'] };
  assert.deepEqual(updateSchema.parse(snapshot), snapshot);
  assert.deepEqual(updateSchema.parse(delta), delta);
  assert.equal(updateSchema.safeParse({ ...delta, type: 'patch' }).success, false);
  assert.equal(updateSchema.safeParse({ ...delta, removed: undefined }).success, false);
});

test('parseResponse: checks what a handler returns', () => {
  assert.deepEqual(parseResponse('show', examples[3]), examples[3]);
  assert.throws(() => parseResponse('show', { kind: 'mutex' }), ProtocolError);
  assert.deepEqual(parseResponse('subscribe', { ok: true }), { ok: true });
  assert.throws(() => parseResponse('ack', { ok: false }), /ack: ok: /);
});

test('objectReportSchema: a waiter\'s semop operations are whole numbers with a non-negative index, 64 at most', () => {
  const report = (operations: unknown) => ({
    kind: 'sysv-semaphore',
    name: '1',
    path: 'sysv:1',
    waiters: [{ pid: 5, tid: 6, processName: 'a', operations }],
  });
  assert.ok(objectReportSchema.safeParse(report([{ index: 1, op: -1 }, { index: 0, op: 0 }])).success);
  assert.ok(objectReportSchema.safeParse(report(undefined)).success, 'operations are optional');
  assert.equal(objectReportSchema.safeParse(report([{ index: -1, op: 0 }])).success, false);
  assert.equal(objectReportSchema.safeParse(report([{ index: 1, op: 0.5 }])).success, false);
  assert.equal(objectReportSchema.safeParse(report(Array.from({ length: 65 }, () => ({ index: 0, op: -1 })))).success, false);
});
