// The Sampler over a fake Backend whose objects, states and failures the test controls, with an
// injected clock. Ticks are called directly; one test runs the timers for a bounded time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sampler, type SamplerOptions } from '../../core/sampler';
import type { Delta, Update } from '../../core/update-stream';
import type { Backend, HolderResult, SampledObject, WaiterResult } from '../../native/backend';
import { NativeError, unsupported } from '../../native/errors';
import type { Holder, ObjectEntry, ObjectState, Waiter } from '../../native/types';
import type { ObjectRecord } from '../../protocol';

const DIR = '\\BaseNamedObjects';
const pathOf = (name: string) => `${DIR}\\${name}`;

/** What one fake object does when opened and sampled. */
interface FakeObject {
  kind: string;
  state: ObjectState;
  /** Thrown by open(). */
  openError?: NativeError | Error;
  /** Busy-waits this long in sample(). */
  slowMs?: number;
}

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

class FakeBackend implements Backend {
  readonly platform = 'win32' as const;
  readonly sampledKinds: readonly string[] = ['event', 'mutex', 'semaphore', 'timer'];
  /** Objects the namespace scan lists (a listed name need not be in `objects`). */
  listed = new Map<string, string>(); // path -> kind
  objects = new Map<string, FakeObject>();
  opened: string[] = [];
  sampled: string[] = [];
  closed = 0;
  scans = 0;
  holdersCalls = 0;
  waitersCalls = 0;
  holdersImpl: (paths: string[]) => HolderResult = (paths) => ({ holders: new Map(paths.map((p) => [p, []])) });
  waitersImpl: (paths: string[]) => Map<string, Waiter[]> = () => new Map();
  /** What waiters() says it could not see, if anything. */
  waitersIncomplete: string | undefined;

  add(name: string, kind: string, state: ObjectState, extra: Partial<FakeObject> = {}): string {
    const path = pathOf(name);
    this.listed.set(path, kind);
    this.objects.set(path, { kind, state, ...extra });
    return path;
  }
  /** Gone from the namespace and unopenable. */
  remove(path: string): void {
    this.listed.delete(path);
    this.objects.delete(path);
  }
  setState(path: string, state: ObjectState): void {
    this.objects.get(path)!.state = state;
  }

  capabilities(): ReturnType<Backend['capabilities']> {
    throw new Error('not used by the sampler');
  }
  defaultScopes(): string[] {
    return [DIR];
  }
  scan(): ObjectEntry[] {
    this.scans++;
    return [...this.listed].map(([path, kind]) => ({
      kind,
      name: path.slice(DIR.length + 1),
      path,
      directory: DIR,
      typeName: kind,
    }));
  }
  resolve(name: string): string {
    return name.startsWith('\\') ? name : pathOf(name);
  }
  open(name: string): SampledObject {
    const path = this.resolve(name);
    this.opened.push(path);
    const object = this.objects.get(path);
    if (!object) throw new NativeError('not-found', 'open', `${path} not found`, 'STATUS_OBJECT_NAME_NOT_FOUND');
    if (object.openError) throw object.openError;
    return {
      kind: object.kind,
      name: path.slice(DIR.length + 1),
      path,
      sample: () => {
        this.sampled.push(path);
        if (object.slowMs) busyWait(object.slowMs);
        return structuredClone(object.state); // a fresh object every time, as a real backend
      },
      close: () => void this.closed++,
    };
  }
  holders(paths: string[]): HolderResult {
    this.holdersCalls++;
    return this.holdersImpl(paths);
  }
  waiters(paths: string[]): WaiterResult {
    this.waitersCalls++;
    return {
      waiters: this.waitersImpl(paths),
      ...(this.waitersIncomplete ? { incomplete: this.waitersIncomplete, unreadablePids: [4, 8] } : {}),
    };
  }
  act: Backend['act'] = () => Promise.reject(new Error('not used'));
  create: Backend['create'] = () => {
    throw new Error('not used');
  };
  processHandleCount(): number {
    return 0;
  }
  dispose(): void {}
}

const event = (signaled: boolean): ObjectState => ({ eventType: 'manual', signaled });
const mutex = (locked: boolean): ObjectState => ({ locked, abandoned: false });
const semaphore = (count: number, max = 4): ObjectState => ({ count, max });

function rig(options: Partial<SamplerOptions> = {}) {
  const backend = new FakeBackend();
  const clock = { t: 1_000_000 };
  const sampler = new Sampler({ backend, now: () => clock.t, ...options });
  const updates: Array<Update<ObjectRecord>> = [];
  const subscription = sampler.stream.subscribe((u) => void updates.push(u));
  subscription.ack();
  /** The updates since the last call; acknowledges so the next commit is sent. */
  const take = () => {
    const got = updates.splice(0);
    subscription.ack();
    return got;
  };
  const record = (path: string) => sampler.records().find((r) => r.path === path);
  return { backend, clock, sampler, take, record, updates };
}

const onlyDelta = (updates: Array<Update<ObjectRecord>>): Delta<ObjectRecord> => {
  assert.equal(updates.length, 1, `expected one update, got ${updates.length}`);
  assert.equal(updates[0].type, 'delta');
  return updates[0] as Delta<ObjectRecord>;
};

test('scanTick: new objects appear in the stream with their first state', () => {
  const { backend, sampler, take, clock } = rig();
  assert.equal(take()[0].type, 'snapshot');
  const e = backend.add('E', 'event', event(true));
  const m = backend.add('M', 'mutex', mutex(false));
  sampler.scanTick();
  const delta = onlyDelta(take());
  assert.deepEqual(
    delta.upserts.map((r) => r.path).sort(),
    [e, m].sort(),
  );
  const er = delta.upserts.find((r) => r.path === e)!;
  assert.deepEqual(er, { kind: 'event', name: 'E', path: e, changedAt: clock.t, state: event(true) });
  assert.deepEqual(delta.removed, []);
  assert.equal(backend.closed, backend.opened.length, 'every opened object is closed');
});

test('scanTick: objects of kinds the backend does not sample are listed but never opened', () => {
  const { backend, sampler, record } = rig();
  backend.listed.set(pathOf('Link'), 'symboliclink');
  sampler.scanTick();
  sampler.stateTick();
  assert.deepEqual(record(pathOf('Link')), { kind: 'symboliclink', name: 'Link', path: pathOf('Link'), changedAt: 1_000_000 });
  assert.deepEqual(backend.opened, []);
});

test('scanTick: kinds and nameGlob filter what is tracked', () => {
  const { backend, sampler } = rig({ kinds: ['MUTEX'], nameGlob: 'app*' });
  backend.add('appLock', 'mutex', mutex(false));
  backend.add('other', 'mutex', mutex(false));
  backend.add('appEvent', 'event', event(false));
  sampler.scanTick();
  assert.deepEqual(
    sampler.records().map((r) => r.name),
    ['appLock'],
  );
});

test('stateTick: a state change gives a delta with just that object; no change, no update', () => {
  const { backend, sampler, take, clock, record } = rig();
  const a = backend.add('A', 'semaphore', semaphore(1));
  const b = backend.add('B', 'semaphore', semaphore(2));
  backend.add('C', 'event', event(false));
  sampler.scanTick();
  take();
  clock.t += 100;
  sampler.stateTick();
  assert.deepEqual(take(), [], 'nothing changed');
  backend.setState(b, semaphore(3));
  clock.t += 100;
  sampler.stateTick();
  const delta = onlyDelta(take());
  assert.deepEqual(delta.upserts, [{ kind: 'semaphore', name: 'B', path: b, changedAt: clock.t, state: semaphore(3) }]);
  assert.equal(record(a)!.changedAt, 1_000_000, 'A untouched');
  assert.equal(sampler.stats.ticks, 2);
  assert.equal(sampler.stats.samples, 3 + 6, 'three at scan, three per tick');
});

test('vanished: marked goneAt with its last state kept, then dropped after goneRetentionMs', () => {
  const { backend, sampler, take, clock, record } = rig({ goneRetentionMs: 5000 });
  const m = backend.add('M', 'mutex', mutex(true));
  const keep = backend.add('Keep', 'mutex', mutex(false));
  sampler.scanTick();
  take();
  const goneTime = (clock.t += 1000);
  backend.remove(m);
  sampler.scanTick();
  const delta = onlyDelta(take());
  assert.deepEqual(delta.upserts, [{ kind: 'mutex', name: 'M', path: m, changedAt: goneTime, goneAt: goneTime, state: mutex(true) }]);
  // Gone objects are not sampled any more.
  backend.opened.length = 0;
  clock.t += 100;
  sampler.stateTick();
  assert.deepEqual(backend.opened, [keep]);
  // Still listed just before the retention ends.
  clock.t = goneTime + 4999;
  sampler.scanTick();
  assert.ok(record(m), 'kept until retention');
  assert.deepEqual(take(), []);
  clock.t = goneTime + 5000;
  sampler.scanTick();
  const removal = onlyDelta(take());
  assert.deepEqual(removal.removed, [m]);
  assert.deepEqual(removal.upserts, []);
  assert.equal(record(m), undefined);
  assert.equal(sampler.history.get(m), undefined, 'history dropped with the object');
  assert.equal(sampler.kindOf(m), undefined);
  assert.ok(record(keep));
});

test('vanished between scans: a not-found from open marks the object gone at the state tick', () => {
  const { backend, sampler, take, clock, record } = rig();
  const e = backend.add('E', 'event', event(true));
  sampler.scanTick();
  take();
  backend.objects.delete(e); // still listed by the (stale) scan, but open fails
  clock.t += 100;
  sampler.stateTick();
  const delta = onlyDelta(take());
  assert.equal(delta.upserts[0].goneAt, clock.t);
  assert.deepEqual(delta.upserts[0].state, event(true));
  assert.equal(record(e)!.error, undefined, 'gone is not an error');
});

test('vanished: a NativeError of kind vanished from sample() also marks it gone', () => {
  const { backend, sampler, record, clock } = rig();
  const e = backend.add('E', 'event', event(true));
  sampler.scanTick();
  backend.objects.get(e)!.openError = new NativeError('vanished', 'NtQueryEvent', 'the object went away');
  clock.t += 10;
  sampler.stateTick();
  assert.equal(record(e)!.goneAt, clock.t);
});

test('re-created under the same name: goneAt cleared and the new state sampled', () => {
  const { backend, sampler, take, clock, record } = rig({ goneRetentionMs: 60_000 });
  const e = backend.add('E', 'event', event(true));
  sampler.scanTick();
  take();
  backend.remove(e);
  clock.t += 1000;
  sampler.scanTick();
  assert.ok(record(e)!.goneAt !== undefined);
  take();
  backend.add('E', 'event', event(false));
  clock.t += 1000;
  sampler.scanTick();
  const r = record(e)!;
  assert.equal(r.goneAt, undefined);
  assert.deepEqual(r.state, event(false));
  const delta = onlyDelta(take());
  assert.equal(delta.upserts.length, 1);
  assert.equal(delta.upserts[0].goneAt, undefined);
  assert.ok(!('goneAt' in delta.upserts[0]), 'the key is removed, not set to undefined');
});

test('access-denied: that object gets error, the others still sample; the error clears when access returns', () => {
  const { backend, sampler, clock, record, take } = rig();
  const denied = backend.add('Denied', 'mutex', mutex(true), {
    openError: new NativeError('access-denied', 'NtOpenMutant', 'access is denied', 'STATUS_ACCESS_DENIED'),
  });
  const fine = backend.add('Fine', 'semaphore', semaphore(1));
  sampler.scanTick();
  assert.deepEqual(record(denied)!.error, { kind: 'access-denied', message: 'access is denied' });
  assert.equal(record(denied)!.state, undefined);
  assert.equal(record(denied)!.goneAt, undefined, 'denied is not gone');
  assert.deepEqual(record(fine)!.state, semaphore(1));
  take();
  // Repeated denial is no change.
  backend.setState(fine, semaphore(2));
  clock.t += 100;
  sampler.stateTick();
  assert.deepEqual(
    onlyDelta(take()).upserts.map((r) => r.path),
    [fine],
  );
  // Access comes back.
  backend.objects.get(denied)!.openError = undefined;
  clock.t += 100;
  sampler.stateTick();
  const r = record(denied)!;
  assert.equal(r.error, undefined);
  assert.ok(!('error' in r));
  assert.deepEqual(r.state, mutex(true));
});

test('a non-native exception from sample() becomes an internal error, not a crash', () => {
  const { backend, sampler, record } = rig();
  const x = backend.add('X', 'event', event(true), { openError: new TypeError('bad struct') });
  const y = backend.add('Y', 'event', event(false));
  sampler.scanTick();
  assert.deepEqual(record(x)!.error, { kind: 'internal', message: 'bad struct' });
  assert.deepEqual(record(y)!.state, event(false));
});

test('budget: a slow object makes stateTick stop early, count an overrun, and resume after it next tick', () => {
  const { backend, sampler } = rig({ rates: { stateMs: 20 } }); // budget 16 ms
  const slow = backend.add('Slow', 'event', event(true), { slowMs: 30 });
  const others = ['A', 'B', 'C', 'D'].map((n) => backend.add(n, 'event', event(false)));
  sampler.scanTick();
  backend.sampled.length = 0;
  const started = performance.now();
  sampler.stateTick();
  const elapsed = performance.now() - started;
  // The slow object is first in order: it alone uses the budget.
  assert.deepEqual(backend.sampled, [slow], 'stopped after the object that ran out the budget');
  assert.equal(sampler.stats.overruns, 1);
  assert.ok(elapsed < 30 + 40, `tick took ${elapsed.toFixed(1)} ms`);
  backend.sampled.length = 0;
  sampler.stateTick();
  assert.deepEqual(backend.sampled.slice(0, 4), others, 'the objects after it go first');
});

test('budget: many moderately slow objects are spread over ticks, round-robin, all sampled eventually', () => {
  const { backend, sampler, clock } = rig({ rates: { stateMs: 20 } }); // budget 16 ms
  const paths = ['A', 'B', 'C', 'D', 'E', 'F'].map((n) => backend.add(n, 'semaphore', semaphore(1), { slowMs: 7 }));
  sampler.scanTick();
  for (const path of paths) backend.setState(path, semaphore(2));
  backend.sampled.length = 0;
  const perTick: string[][] = [];
  // Six 7 ms objects cannot fit a 16 ms budget: at most three per tick (the third crosses it).
  while (new Set(perTick.flat()).size < paths.length && perTick.length < 12) {
    const before = backend.sampled.length;
    clock.t += 20;
    sampler.stateTick();
    perTick.push(backend.sampled.slice(before));
  }
  for (const [i, sampled] of perTick.entries()) assert.ok(sampled.length <= 3, `tick ${i} sampled ${sampled.length} of 6 on a 16 ms budget`);
  assert.ok(perTick.length >= 2);
  assert.equal(sampler.stats.overruns, perTick.length, 'every tick stopped early, and said so');
  // Round-robin: no object sampled twice before every object was sampled once.
  const firstRound = perTick.flat().slice(0, paths.length);
  assert.deepEqual([...firstRound].sort(), [...paths].sort());
  // And each got its new state.
  for (const record of sampler.records()) assert.deepEqual(record.state, semaphore(2), record.name);
});

test('budget: a thousand fast objects are all sampled in one tick, without an overrun', () => {
  const { backend, sampler, clock } = rig({ rates: { stateMs: 1000 } });
  const paths = Array.from({ length: 1000 }, (_, i) => backend.add(`S${i}`, 'semaphore', semaphore(1)));
  sampler.scanTick();
  for (const path of paths) backend.setState(path, semaphore(2));
  backend.sampled.length = 0;
  clock.t += 100;
  sampler.stateTick();
  assert.equal(backend.sampled.length, 1000);
  assert.equal(sampler.stats.overruns, 0);
  assert.ok(sampler.records().every((r) => (r.state as { count: number }).count === 2));
});

test('attribution: holders and waiters land in the records; waiters count into history', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  const holders: Holder[] = [{ pid: 10, processName: 'a.exe' }];
  const waiters: Waiter[] = [
    { pid: 11, tid: 1, processName: 'b.exe' },
    { pid: 12, tid: 2, processName: 'c.exe' },
  ];
  backend.holdersImpl = () => ({ holders: new Map([[m, holders]]) });
  backend.waitersImpl = () => new Map([[m, waiters]]);
  sampler.scanTick();
  clock.t += 100;
  sampler.attributionTick();
  assert.deepEqual(record(m)!.holders, holders);
  assert.deepEqual(record(m)!.waiters, waiters);
  assert.equal(record(m)!.unavailable, undefined);
  const series = sampler.history.get(m)!;
  assert.equal(series.waitersAt(series.size - 1), 2);
  assert.equal(series.valueAt(series.size - 1), 1);
});

test('attribution: holders unsupported → unavailable.holders with the reason; state sampling unaffected', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  backend.holdersImpl = () => {
    throw unsupported('holders', 'the handle table is not readable here');
  };
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { holders: 'the handle table is not readable here' });
  assert.deepEqual(record(m)!.state, mutex(true));
  backend.setState(m, mutex(false));
  clock.t += 100;
  sampler.stateTick();
  assert.deepEqual(record(m)!.state, mutex(false));
  assert.deepEqual(record(m)!.unavailable, { holders: 'the handle table is not readable here' });
});

test('attribution: waiters unsupported → unavailable.waiters with the reason, and backend.waiters is not asked again', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  backend.waitersImpl = () => {
    throw unsupported('waiters', 'ThreadLastSystemCall is not implemented');
  };
  sampler.scanTick();
  sampler.attributionTick();
  assert.equal(backend.waitersCalls, 1);
  assert.deepEqual(record(m)!.unavailable, { waiters: 'ThreadLastSystemCall is not implemented' });
  for (let i = 0; i < 5; i++) {
    clock.t += 2000;
    sampler.attributionTick();
  }
  assert.equal(backend.waitersCalls, 1, 'not asked again');
  assert.equal(backend.holdersCalls, 6, 'holders still asked every tick');
  // An object that appears later gets the same reason.
  const late = backend.add('Late', 'event', event(false));
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(late)!.unavailable, { waiters: 'ThreadLastSystemCall is not implemented' });
  assert.equal(backend.waitersCalls, 1);
});

test('attribution: a transient waiters failure is reported, retried, and cleared when waiters work again', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  let fail = true;
  backend.waitersImpl = () => {
    if (fail) throw new NativeError('os-error', 'NtQuerySystemInformation', 'buffer too small');
    return new Map([[m, [{ pid: 1, tid: 2, processName: 'x' }]]]);
  };
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { waiters: 'buffer too small' });
  fail = false;
  clock.t += 2000;
  sampler.attributionTick();
  assert.equal(backend.waitersCalls, 2, 'retried: only unsupported is permanent');
  assert.equal(record(m)!.waiters!.length, 1);
  assert.equal(record(m)!.unavailable?.waiters, undefined, 'a stale reason stays after waiters came back');
});

test('attribution: a transient holders failure or an incomplete answer is cleared by a complete one', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  const holders: Holder[] = [{ pid: 10, processName: 'a.exe' }];
  let mode: 'throw' | 'incomplete' | 'ok' = 'throw';
  backend.holdersImpl = () => {
    if (mode === 'throw') throw new NativeError('os-error', 'NtQuerySystemInformation', 'handle table changed');
    return { holders: new Map([[m, holders]]), ...(mode === 'incomplete' ? { incomplete: '3 handles not duplicable' } : {}) };
  };
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { holders: 'handle table changed' });
  mode = 'incomplete';
  clock.t += 2000;
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { holders: 'incomplete: 3 handles not duplicable' });
  assert.deepEqual(record(m)!.holders, holders);
  mode = 'ok';
  clock.t += 2000;
  sampler.attributionTick();
  assert.deepEqual(record(m)!.holders, holders);
  assert.equal(record(m)!.unavailable, undefined, `still says ${JSON.stringify(record(m)!.unavailable)}`);
});

test('attribution: waiters the OS could only partly see say so, and a complete answer clears it', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  const waiters: Waiter[] = [{ pid: 20, tid: 21, processName: 'b.exe' }];
  backend.waitersImpl = () => new Map([[m, waiters]]);
  backend.waitersIncomplete = '2 processes could not be opened (run elevated)';
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(m)!.waiters, waiters);
  assert.deepEqual(record(m)!.unavailable, { waiters: 'incomplete: 2 processes could not be opened (run elevated)' });
  // The pids stay out of the records (one pass, every object): asked for on demand.
  assert.equal('unreadablePids' in record(m)!, false);
  assert.deepEqual(sampler.unreadablePids(), { holders: [], waiters: [4, 8] });
  backend.waitersIncomplete = undefined;
  clock.t += 2000;
  sampler.attributionTick();
  assert.deepEqual(sampler.unreadablePids(), { holders: [], waiters: [] });
  assert.deepEqual(record(m)!.waiters, waiters);
  assert.equal(record(m)!.unavailable, undefined, `still says ${JSON.stringify(record(m)!.unavailable)}`);
});

test('attribution: a cleared holders reason keeps the waiters reason', () => {
  const { backend, sampler, record, clock } = rig();
  const m = backend.add('M', 'mutex', mutex(true));
  let holdersFail = true;
  backend.holdersImpl = (paths) => {
    if (holdersFail) throw new NativeError('os-error', 'op', 'transient');
    return { holders: new Map(paths.map((p) => [p, []])) };
  };
  backend.waitersImpl = () => {
    throw unsupported('waiters', 'no waiters here');
  };
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { holders: 'transient', waiters: 'no waiters here' });
  holdersFail = false;
  clock.t += 2000;
  sampler.attributionTick();
  assert.deepEqual(record(m)!.unavailable, { waiters: 'no waiters here' });
});

test('attribution skips gone, errored and unsampled objects', () => {
  const { backend, sampler } = rig();
  const ok = backend.add('Ok', 'event', event(true));
  backend.add('Denied', 'event', event(true), { openError: new NativeError('access-denied', 'open', 'denied') });
  const gone = backend.add('Gone', 'event', event(true));
  backend.listed.set(pathOf('Dir'), 'directory');
  let asked: string[] = [];
  backend.holdersImpl = (paths) => {
    asked = paths;
    return { holders: new Map() };
  };
  sampler.scanTick();
  backend.remove(gone);
  sampler.scanTick();
  sampler.attributionTick();
  assert.deepEqual(asked, [ok]);
});

test('history: recorded only on change', () => {
  const { backend, sampler, clock } = rig();
  const s = backend.add('S', 'semaphore', semaphore(1));
  sampler.scanTick();
  const series = sampler.history.get(s)!;
  assert.equal(series.size, 1);
  for (let i = 0; i < 50; i++) {
    clock.t += 100;
    sampler.stateTick();
  }
  assert.equal(series.size, 1, 'fifty unchanged samples store nothing');
  backend.setState(s, semaphore(0));
  clock.t += 100;
  sampler.stateTick();
  assert.equal(series.size, 2);
  assert.equal(series.valueAt(1), 0);
  assert.equal(series.timeAt(1), clock.t);
  assert.equal(sampler.maxOf(s), 4);
  // Vanishing is recorded as an unknown value.
  backend.remove(s);
  clock.t += 100;
  sampler.scanTick();
  assert.equal(series.size, 3);
  assert.ok(Number.isNaN(series.valueAt(2)));
});

test('watch: watchTick samples only watched, tracked paths', () => {
  const { backend, sampler } = rig();
  const a = backend.add('A', 'event', event(true));
  backend.add('B', 'event', event(true));
  sampler.scanTick();
  assert.deepEqual(sampler.watch([a, pathOf('Unknown')]), [a]);
  backend.opened.length = 0;
  sampler.watchTick();
  assert.deepEqual(backend.opened, [a]);
  sampler.watch([]);
  backend.opened.length = 0;
  sampler.watchTick();
  assert.deepEqual(backend.opened, []);
});

test('fixedNames: resolves the names instead of scanning; a missing name is skipped, not gone', () => {
  const { backend, sampler, record, clock } = rig({ fixedNames: ['A', 'Missing'] });
  const a = backend.add('A', 'event', event(true));
  backend.add('Other', 'event', event(true));
  sampler.scanTick();
  assert.equal(backend.scans, 0);
  assert.deepEqual(
    sampler.records().map((r) => r.path),
    [a],
  );
  // A fixed object that disappears from a scan is not marked gone by the scan; a failed sample is.
  backend.objects.delete(a);
  clock.t += 100;
  sampler.stateTick();
  assert.equal(record(a)!.goneAt, clock.t);
});

test('setRates: returns and applies the new rates; the state budget follows stateMs', () => {
  const { backend, sampler } = rig({ rates: { stateMs: 20 } });
  ['A', 'B', 'C'].forEach((n) => backend.add(n, 'event', event(true), { slowMs: 8 }));
  sampler.scanTick();
  assert.deepEqual(sampler.setRates({ stateMs: 500 }), { ...sampler.currentRates, stateMs: 500 });
  assert.equal(sampler.currentRates.stateMs, 500);
  const before = sampler.stats.overruns;
  backend.sampled.length = 0;
  sampler.stateTick();
  assert.equal(backend.sampled.length, 3, 'a 400 ms budget fits all three');
  assert.equal(sampler.stats.overruns, before);
  // currentRates is a copy.
  const copy = sampler.currentRates;
  copy.stateMs = 1;
  assert.equal(sampler.currentRates.stateMs, 500);
});

/** Polls until `condition` holds or `ms` pass; returns whether it held. */
async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

test('start/stop: timers run each cadence, setRates reschedules them, stop stops them', async () => {
  const backend = new FakeBackend();
  backend.add('A', 'event', event(true));
  const sampler = new Sampler({ backend, rates: { scanMs: 20, stateMs: 5, watchMs: 5, holdersMs: 20 } });
  try {
    sampler.start();
    assert.equal(sampler.records().length, 1, 'the first scan runs at once');
    assert.equal(sampler.stats.ticks, 1, 'and the first state tick');
    assert.equal(backend.holdersCalls, 1, 'and the first attribution');
    assert.ok(await waitFor(() => sampler.stats.ticks >= 6 && backend.scans >= 3 && backend.holdersCalls >= 3, 3000), 'timers run');
    sampler.setRates({ stateMs: 10_000, scanMs: 10_000, holdersMs: 10_000 });
    const afterChange = sampler.stats.ticks;
    const scansAfterChange = backend.scans;
    await sleep(80);
    assert.equal(sampler.stats.ticks, afterChange, 'the slow rate applies at once');
    assert.equal(backend.scans, scansAfterChange);
    sampler.setRates({ stateMs: 5 });
    assert.ok(await waitFor(() => sampler.stats.ticks >= afterChange + 3, 3000), 'and the fast rate again');
    sampler.stop();
    const stopped = sampler.stats.ticks;
    await sleep(40);
    assert.equal(sampler.stats.ticks, stopped, 'no ticks after stop');
  } finally {
    sampler.stop();
  }
});

test('start: a scan that throws is recorded in stats.lastError and the other cadences go on', async () => {
  const backend = new FakeBackend();
  backend.add('A', 'event', event(true));
  const sampler = new Sampler({ backend, attribution: false, rates: { scanMs: 10, stateMs: 5, watchMs: 5, holdersMs: 1000 } });
  try {
    sampler.start();
    backend.scan = () => {
      throw new NativeError('access-denied', 'NtOpenDirectoryObject', 'directory unreadable');
    };
    assert.ok(await waitFor(() => sampler.stats.lastError !== undefined, 3000), 'the failed scan is recorded');
    assert.equal(sampler.stats.lastError, 'directory unreadable');
    const ticks = sampler.stats.ticks;
    assert.ok(await waitFor(() => sampler.stats.ticks >= ticks + 2, 3000), 'state ticks continue');
    assert.equal(backend.holdersCalls, 0, 'attribution off');
  } finally {
    sampler.stop();
  }
});
