// sameValue: structural equality for the JSON-like values that states and records hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameValue } from '../../core/same-value';

test('sameValue: primitives by Object.is (NaN equals NaN)', () => {
  assert.equal(sameValue(1, 1), true);
  assert.equal(sameValue(1, 2), false);
  assert.equal(sameValue('a', 'a'), true);
  assert.equal(sameValue('1', 1), false);
  assert.equal(sameValue(true, 1), false);
  assert.equal(sameValue(null, null), true);
  assert.equal(sameValue(undefined, undefined), true);
  assert.equal(sameValue(null, undefined), false);
  assert.equal(sameValue(Number.NaN, Number.NaN), true);
});

test('sameValue: objects against primitives and null are different', () => {
  assert.equal(sameValue({}, null), false);
  assert.equal(sameValue(null, {}), false);
  assert.equal(sameValue({}, undefined), false);
  assert.equal(sameValue(undefined, {}), false);
  assert.equal(sameValue({}, 0), false);
  assert.equal(sameValue([], ''), false);
});

test('sameValue: plain objects by keys and values, in any key order', () => {
  assert.equal(sameValue({ a: 1, b: 'x' }, { b: 'x', a: 1 }), true);
  assert.equal(sameValue({ a: 1 }, { a: 2 }), false);
  assert.equal(sameValue({ a: 1 }, { a: 1, b: 2 }), false);
  assert.equal(sameValue({ a: 1, b: 2 }, { a: 1 }), false);
  assert.equal(sameValue({ a: 1, b: 2 }, { a: 1, c: 2 }), false, 'same count, different keys');
  assert.equal(sameValue({}, {}), true);
});

test('sameValue: a key set to undefined is the same as a missing key, both ways', () => {
  assert.equal(sameValue({ a: 1, b: undefined }, { a: 1 }), true);
  assert.equal(sameValue({ a: 1 }, { a: 1, b: undefined }), true);
  assert.equal(sameValue({ a: undefined }, {}), true);
  assert.equal(sameValue({ a: undefined }, { b: undefined }), true);
  assert.equal(sameValue({ a: 1, b: undefined }, { a: 1, c: 2 }), false, 'undefined does not cancel a real key');
  assert.equal(sameValue({ a: null }, {}), false, 'null is a value');
});

test('sameValue: arrays by length and element, order matters', () => {
  assert.equal(sameValue([1, 2, 3], [1, 2, 3]), true);
  assert.equal(sameValue([1, 2, 3], [3, 2, 1]), false);
  assert.equal(sameValue([1, 2], [1, 2, 3]), false);
  assert.equal(sameValue([], []), true);
  assert.equal(sameValue([undefined], []), false, 'length counts in arrays');
});

test('sameValue: an array is not an object with index keys, either way round', () => {
  assert.equal(sameValue([1], { 0: 1 }), false);
  assert.equal(sameValue({ 0: 1 }, [1]), false);
  assert.equal(sameValue([], {}), false);
  assert.equal(sameValue({}, []), false);
});

test('sameValue: deep records (holders, waiters, unavailable)', () => {
  const a = {
    kind: 'mutex',
    state: { locked: true, abandoned: false, ownerThreadId: 8 },
    holders: [{ pid: 1, processName: 'a.exe' }],
    waiters: [{ pid: 2, tid: 3, processName: 'b.exe' }],
    unavailable: { waiters: 'why' },
  };
  const b = structuredClone(a);
  assert.equal(sameValue(a, b), true);
  b.waiters[0].tid = 4;
  assert.equal(sameValue(a, b), false);
  const c = structuredClone(a);
  c.holders.push({ pid: 5, processName: 'c.exe' });
  assert.equal(sameValue(a, c), false);
  const d = structuredClone(a);
  d.unavailable.waiters = 'other';
  assert.equal(sameValue(a, d), false);
  const e = structuredClone(a);
  (e.state as Record<string, unknown>).ownerThreadId = undefined;
  assert.equal(sameValue(a, e), false);
});

test('sameValue: a JSON __proto__ key is compared as data, not walked into the prototype', () => {
  const withProto = JSON.parse('{"__proto__": {"x": 1}, "a": 1}');
  assert.equal(sameValue(withProto, { a: 1 }), false);
  assert.equal(sameValue({ a: 1 }, withProto), false);
  assert.equal(sameValue(withProto, JSON.parse('{"__proto__": {"x": 1}, "a": 1}')), true);
  assert.equal(sameValue(withProto, JSON.parse('{"__proto__": {"x": 2}, "a": 1}')), false);
});

test('sameValue: is symmetric on a mix of values', () => {
  const values: unknown[] = [
    0,
    1,
    Number.NaN,
    '',
    'a',
    null,
    undefined,
    true,
    [],
    [1],
    [1, 2],
    {},
    { a: 1 },
    { a: 1, b: undefined },
    { a: 2 },
    { b: 1 },
    { a: [1] },
    { a: { b: 1 } },
    { a: { b: 2 } },
  ];
  for (const x of values) {
    for (const y of values) {
      assert.equal(sameValue(x, y), sameValue(y, x), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
    assert.equal(sameValue(x, structuredClone(x)), true, `${JSON.stringify(x)} vs its clone`);
  }
});
