// The CPU budget's way from a front end to the sampler and back (issue 15): the session says the
// budget, setCpuBudget changes it (refusing what is out of range), `budget` reports it, and each
// connection's visible rows reach the sampler as the union over every connection.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Connection } from '../../core/connection';
import { Sampler } from '../../core/sampler';
import { Service } from '../../core/service';
import { isNativeError } from '../../native/errors';
import { DEFAULT_CPU_BUDGET_PERCENT, ProtocolError, type BudgetStatus, type SessionInfo } from '../../protocol';
import { MemoryBackend } from '../support/memory-backend';

const event = { eventType: 'manual', signaled: false };

describe('CPU budget through the service', () => {
  let service: Service;
  let visibleSets: string[][];

  beforeEach(() => {
    const backend = new MemoryBackend().add('\\Memory\\A', 'event', event).add('\\Memory\\B', 'event', event).add('\\Memory\\C', 'event', event);
    service = new Service(backend, { attribution: false, allowActions: false });
    visibleSets = [];
    const setVisible = service.sampler.setVisible.bind(service.sampler);
    service.sampler.setVisible = (paths) => {
      visibleSets.push([...paths].sort());
      setVisible(paths);
    };
    service.sampler.scanTick();
  });
  afterEach(() => service.dispose());

  const connect = () => new Connection(service, 'websocket', () => undefined);

  test('the session carries the budget; setCpuBudget changes it, even in a read-only session', async () => {
    const connection = connect();
    const before = (await connection.handle('session', {})) as SessionInfo;
    assert.equal(before.cpuBudgetPercent, DEFAULT_CPU_BUDGET_PERCENT);
    const status = (await connection.handle('setCpuBudget', { percent: 2.5 })) as BudgetStatus;
    assert.equal(status.budgetPercent, 2.5);
    assert.equal(status.objects, 3);
    assert.equal(((await connection.handle('session', {})) as SessionInfo).cpuBudgetPercent, 2.5);
    assert.equal(((await connection.handle('budget', {})) as BudgetStatus).budgetPercent, 2.5);
  });

  test('a budget out of range or not a number is refused and changes nothing', async () => {
    const connection = connect();
    for (const percent of [0.4, 100.1, -1, Number.NaN, '5', null]) {
      await assert.rejects(
        () => connection.handle('setCpuBudget', { percent }),
        (error: unknown) => error instanceof ProtocolError && /setCpuBudget: percent/.test(error.message),
        String(percent),
      );
    }
    assert.equal(((await connection.handle('budget', {})) as BudgetStatus).budgetPercent, DEFAULT_CPU_BUDGET_PERCENT);
  });

  test('the budget given as a start option is the one reported', () => {
    const own = new Service(new MemoryBackend(), { attribution: false, cpuBudgetPercent: 12 });
    try {
      assert.equal(own.sampler.budgetStatus().budgetPercent, 12);
    } finally {
      void own.dispose();
    }
  });

  test("the sampler sees the union of every connection's visible rows; a closed connection's rows go", async () => {
    const first = connect();
    const second = connect();
    assert.deepEqual(await first.handle('setVisible', { paths: ['\\Memory\\A', '\\Memory\\B'] }), { visible: 2 });
    assert.deepEqual(await second.handle('setVisible', { paths: ['\\Memory\\B'] }), { visible: 1 });
    assert.deepEqual(visibleSets.at(-1), ['\\Memory\\A', '\\Memory\\B']);
    // A list that scrolled replaces what it showed before.
    await first.handle('setVisible', { paths: ['\\Memory\\C'] });
    assert.deepEqual(visibleSets.at(-1), ['\\Memory\\B', '\\Memory\\C']);
    first.close();
    assert.deepEqual(visibleSets.at(-1), ['\\Memory\\B']);
    await second.handle('setVisible', { paths: [] });
    assert.deepEqual(visibleSets.at(-1), []);
  });

  test('setVisible refuses more rows than a list can show', async () => {
    const connection = connect();
    const paths = Array.from({ length: 1001 }, (_, i) => `\\Memory\\X${i}`);
    await assert.rejects(() => connection.handle('setVisible', { paths }), /setVisible: paths/);
    assert.equal(visibleSets.length, 0);
  });
});

describe("the sampler's budget interface", () => {
  test('setCpuBudget refuses values outside 0.5..100 with a typed error and keeps the budget', () => {
    const sampler = new Sampler({ backend: new MemoryBackend(), attribution: false });
    assert.equal(sampler.setCpuBudget(0.5).budgetPercent, 0.5);
    for (const bad of [0.49, 101, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => sampler.setCpuBudget(bad), (error: unknown) => isNativeError(error) && error.kind === 'invalid-argument', String(bad));
    }
    assert.equal(sampler.budgetStatus().budgetPercent, 0.5);
  });
});
