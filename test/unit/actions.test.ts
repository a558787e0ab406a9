// Which actions apply to which kind, and what "signal" means for each.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIONS_BY_KIND, MAX_COUNT, resolveAction, type ActionName } from '../../native/actions';

test('resolveAction: signal is set for events and timers, release for mutexes and semaphores', () => {
  assert.equal(resolveAction('event', 'signal'), 'set');
  assert.equal(resolveAction('timer', 'signal'), 'set');
  assert.equal(resolveAction('mutex', 'signal'), 'release');
  assert.equal(resolveAction('semaphore', 'signal'), 'release');
});

test('resolveAction: any other action passes through unchanged, whatever the kind', () => {
  const actions: ActionName[] = ['set', 'reset', 'pulse', 'release', 'acquire', 'cancel'];
  for (const kind of ['event', 'mutex', 'semaphore', 'timer', 'section']) {
    for (const action of actions) assert.equal(resolveAction(kind, action), action, `${kind}:${action}`);
  }
});

test('ACTIONS_BY_KIND: the actions each kind offers', () => {
  assert.deepEqual(Object.keys(ACTIONS_BY_KIND).sort(), ['event', 'file-lock', 'mutex', 'posix-semaphore', 'semaphore', 'sysv-semaphore', 'timer']);
  assert.deepEqual([...ACTIONS_BY_KIND.event], ['set', 'reset', 'pulse', 'acquire']);
  assert.deepEqual([...ACTIONS_BY_KIND.mutex], ['acquire', 'release']);
  assert.deepEqual([...ACTIONS_BY_KIND.semaphore], ['release', 'acquire']);
  assert.deepEqual([...ACTIONS_BY_KIND.timer], ['set', 'cancel', 'acquire']);
});

test('ACTIONS_BY_KIND: signal always resolves to an action the kind offers', () => {
  for (const [kind, actions] of Object.entries(ACTIONS_BY_KIND)) {
    if (actions.length === 0) continue; // read-only kinds (file locks)
    assert.ok(actions.includes(resolveAction(kind, 'signal')), `signal on a ${kind}`);
    assert.ok(!actions.includes('signal'), `${kind} lists the alias "signal" itself`);
  }
});

test('ACTIONS_BY_KIND: only events pulse and reset, only timers cancel, everything can be acquired', () => {
  const offering = (action: ActionName) => Object.keys(ACTIONS_BY_KIND).filter((k) => ACTIONS_BY_KIND[k].includes(action));
  assert.deepEqual(offering('pulse'), ['event']);
  assert.deepEqual(offering('reset'), ['event']);
  assert.deepEqual(offering('cancel'), ['timer']);
  assert.deepEqual(offering('acquire').sort(), ['event', 'mutex', 'semaphore', 'timer']);
  assert.equal(ACTIONS_BY_KIND.section, undefined);
});

test('MAX_COUNT is the largest LONG', () => {
  assert.equal(MAX_COUNT, 2 ** 31 - 1);
});
