// The renderer's side of the CPU budget: the visible-rows reporter (debounced, only on change, again
// after a reconnect) and the budget setting's parsing and storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBudget, storeBudget, storedBudget } from '../../renderer/budget-setting';
import { MAX_VISIBLE_CHARS, VisibleRowsReporter, fitVisible, type Timers } from '../../renderer/visible-rows';
import { MAX_VISIBLE_PATHS, parseRequest } from '../../protocol';

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  private next = 1;
  readonly armed = new Map<number, () => void>();
  set(run: () => void): unknown {
    const id = this.next++;
    this.armed.set(id, run);
    return id;
  }
  clear(timer: unknown): void {
    this.armed.delete(timer as number);
  }
  fire(): void {
    const runs = [...this.armed.values()];
    this.armed.clear();
    for (const run of runs) run();
  }
}

function reporter() {
  const sent: string[][] = [];
  const timers = new ManualTimers();
  return { sent, timers, rows: new VisibleRowsReporter((paths) => sent.push(paths), 250, timers) };
}

test('visible rows: sent once the list is still, not on every render or scroll step', () => {
  const { sent, timers, rows } = reporter();
  rows.update(['b', 'a']);
  rows.update(['b', 'c']);
  rows.update(['c', 'd']);
  assert.deepEqual(sent, [], 'nothing before the debounce');
  assert.equal(timers.armed.size, 1, 'one timer, restarted on each change');
  timers.fire();
  assert.deepEqual(sent, [['c', 'd']]);
});

test('visible rows: the same set (in any order) is not sent again; scrolling back before the debounce sends nothing', () => {
  const { sent, timers, rows } = reporter();
  rows.update(['a', 'b']);
  timers.fire();
  rows.update(['b', 'a']);
  assert.equal(timers.armed.size, 0);
  rows.update(['c']);
  rows.update(['a', 'b']);
  timers.fire();
  assert.deepEqual(sent, [['a', 'b']]);
  rows.update([]);
  timers.fire();
  assert.deepEqual(sent, [['a', 'b'], []]);
});

test('visible rows: resend after a reconnect sends the rows in view even though they did not change', () => {
  const { sent, timers, rows } = reporter();
  rows.update(['a']);
  timers.fire();
  rows.resend();
  timers.fire();
  assert.deepEqual(sent, [['a'], ['a']]);
  rows.update(['b']);
  rows.dispose();
  timers.fire();
  assert.deepEqual(sent, [['a'], ['a']], 'nothing after dispose');
});

test('visible rows: what is sent always fits one request (count and size), keeping the top rows', () => {
  const many = Array.from({ length: MAX_VISIBLE_PATHS + 5 }, (_, i) => `p${String(i).padStart(4, '0')}`);
  assert.deepEqual(fitVisible(many), many.slice(0, MAX_VISIBLE_PATHS));
  const huge = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(32_767));
  assert.deepEqual(fitVisible(huge), [huge[0]]);
  assert.ok(fitVisible(huge).join('').length <= MAX_VISIBLE_CHARS);
  const { sent, timers, rows } = reporter();
  rows.update(many);
  timers.fire();
  assert.equal(sent[0].length, MAX_VISIBLE_PATHS);
  assert.doesNotThrow(() => parseRequest('setVisible', { paths: sent[0] }));
});

test('parseBudget: a percent of one core from 0.5 to 100, as typed', () => {
  assert.equal(parseBudget('5'), 5);
  assert.equal(parseBudget(' 2.5 '), 2.5);
  assert.equal(parseBudget('10 %'), 10);
  assert.equal(parseBudget('.5'), 0.5);
  assert.equal(parseBudget('100'), 100);
  for (const bad of ['', '0.4', '100.1', '-1', 'abc', '1e1', 'NaN', 'Infinity', '5%%', '0x10']) assert.equal(parseBudget(bad), undefined, bad);
});

test('storedBudget: what was stored, if it is still a budget; a refusing storage is no budget', () => {
  const items = new Map<string, string>();
  const storage = { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
  assert.equal(storedBudget(storage), undefined);
  storeBudget(storage, 12.5);
  assert.equal(storedBudget(storage), 12.5);
  for (const key of items.keys()) items.set(key, '1000');
  assert.equal(storedBudget(storage), undefined, 'an edited, out-of-range value is ignored');
  const refusing = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
  };
  assert.equal(storedBudget(refusing), undefined);
  assert.doesNotThrow(() => storeBudget(refusing, 5));
});
