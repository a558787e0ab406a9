// levelOf and busyOf: every kind's state reduced to the numbers history and metrics use.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { busyOf, levelOf } from '../../core/levels';

test('levelOf: event and timer are 1 when signaled, 0 when not; waiters come from the caller', () => {
  assert.deepEqual(levelOf('event', { eventType: 'manual', signaled: true }, 3), { value: 1, waiters: 3 });
  assert.deepEqual(levelOf('event', { eventType: 'auto', signaled: false }, 0), { value: 0, waiters: 0 });
  assert.deepEqual(levelOf('timer', { signaled: true, remainingMs: null }), { value: 1, waiters: Number.NaN });
  assert.deepEqual(levelOf('timer', { signaled: false, remainingMs: 250 }, 1), { value: 0, waiters: 1 });
});

test('levelOf: mutex is 1 when locked, with max 1', () => {
  assert.deepEqual(levelOf('mutex', { locked: true, abandoned: false, ownerThreadId: 4 }, 2), { value: 1, waiters: 2, max: 1 });
  assert.deepEqual(levelOf('mutex', { locked: false, abandoned: true }), { value: 0, waiters: Number.NaN, max: 1 });
});

test('levelOf: semaphore is its count, with its max', () => {
  assert.deepEqual(levelOf('semaphore', { count: 3, max: 4 }, 0), { value: 3, waiters: 0, max: 4 });
  assert.deepEqual(levelOf('semaphore', { count: 0, max: 1 }), { value: 0, waiters: Number.NaN, max: 1 });
});

test('levelOf: posix-semaphore takes waiters from its own state, not the caller', () => {
  assert.deepEqual(levelOf('posix-semaphore', { count: 2, waiters: 5 }, 99), { value: 2, waiters: 5 });
});

test('levelOf: sysv-semaphore sums the set: values, and waiters for increase plus waiters for zero', () => {
  const state = { key: 0x1234, semid: 7, values: [1, 2, 3], waiters: [0, 1, 2], zeroWaiters: [4, 0, 0], lastPids: [1, 2, 3] };
  assert.deepEqual(levelOf('sysv-semaphore', state, 99), { value: 6, waiters: 7 });
  const empty = { key: 1, semid: 1, values: [], waiters: [], zeroWaiters: [], lastPids: [] };
  assert.deepEqual(levelOf('sysv-semaphore', empty), { value: 0, waiters: 0 });
});

test('levelOf: file-lock is always held (1) with the waiting pids as waiters', () => {
  const state = { lockType: 'POSIX', mode: 'WRITE', path: '/tmp/x', holderPid: 10, waiterPids: [11, 12] };
  assert.deepEqual(levelOf('file-lock', state, 99), { value: 1, waiters: 2, max: 1 });
  assert.deepEqual(levelOf('file-lock', { ...state, waiterPids: [] }), { value: 1, waiters: 0, max: 1 });
});

test('levelOf: no state (gone, unreadable) and unknown kinds give NaN value', () => {
  const gone = levelOf('mutex', undefined, 2);
  assert.ok(Number.isNaN(gone.value));
  assert.equal(gone.waiters, 2);
  const unknown = levelOf('symboliclink', { target: 'x' });
  assert.ok(Number.isNaN(unknown.value));
  assert.ok(Number.isNaN(unknown.waiters));
});

test('busyOf: events and timers block when unsignaled', () => {
  assert.equal(busyOf('event', 0, undefined), 1);
  assert.equal(busyOf('event', 1, undefined), 0);
  assert.equal(busyOf('timer', 0, undefined), 1);
  assert.equal(busyOf('timer', 1, undefined), 0);
});

test('busyOf: mutexes and file locks block when held', () => {
  assert.equal(busyOf('mutex', 1, 1), 1);
  assert.equal(busyOf('mutex', 0, 1), 0);
  assert.equal(busyOf('file-lock', 1, 1), 1);
  assert.equal(busyOf('file-lock', 0, 1), 0);
});

test('busyOf: semaphores with a max are 1 - count/max, clamped to 0..1', () => {
  assert.equal(busyOf('semaphore', 0, 4), 1);
  assert.equal(busyOf('semaphore', 3, 4), 0.25);
  assert.equal(busyOf('semaphore', 4, 4), 0);
  assert.equal(busyOf('semaphore', 9, 4), 0, 'a count above max never goes negative');
});

test('busyOf: semaphores without a max are busy only at zero', () => {
  assert.equal(busyOf('posix-semaphore', 0, undefined), 1);
  assert.equal(busyOf('posix-semaphore', 5, undefined), 0);
  assert.equal(busyOf('sysv-semaphore', 0, undefined), 1);
  assert.equal(busyOf('semaphore', 0, 0), 1, 'max 0 is treated as unknown');
});

test('busyOf: NaN value is NaN busy for every kind', () => {
  for (const kind of ['event', 'timer', 'mutex', 'semaphore', 'posix-semaphore', 'sysv-semaphore', 'file-lock']) {
    assert.ok(Number.isNaN(busyOf(kind, Number.NaN, 4)), kind);
  }
});

test('levelOf and busyOf agree: every kind\'s level maps into 0..1', () => {
  const cases: Array<[string, object]> = [
    ['event', { eventType: 'auto', signaled: false }],
    ['timer', { signaled: true, remainingMs: null }],
    ['mutex', { locked: true, abandoned: false }],
    ['semaphore', { count: 1, max: 4 }],
    ['posix-semaphore', { count: 0, waiters: 1 }],
    ['sysv-semaphore', { key: 1, semid: 1, values: [0, 2], waiters: [0, 0], zeroWaiters: [0, 0], lastPids: [0, 0] }],
    ['file-lock', { lockType: 'FLOCK', mode: 'READ', path: '/x', holderPid: 1, waiterPids: [] }],
  ];
  const expected = [1, 0, 1, 0.75, 1, 0, 1];
  cases.forEach(([kind, state], i) => {
    const level = levelOf(kind, state);
    assert.equal(busyOf(kind, level.value, level.max), expected[i], kind);
  });
});
