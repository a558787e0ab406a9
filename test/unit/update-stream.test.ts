// UpdateStream: snapshot first, deltas paced by acks, coalescing, fall-back snapshots, removals.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpdateStream, type Delta, type Snapshot, type Update } from '../../core/update-stream';

interface Rec {
  key: string;
  v: number;
}

const rec = (key: string, v: number): Rec => ({ key, v });
const batch = (...records: Rec[]) => new Map(records.map((r) => [r.key, r]));

function setup(options?: ConstructorParameters<typeof UpdateStream<Rec>>[1]) {
  let t = 1000;
  const stream = new UpdateStream<Rec>(() => t, options);
  return { stream, tick: (ms = 1) => (t += ms) };
}

function collector() {
  const got: Array<Update<Rec>> = [];
  return { got, send: (u: Update<Rec>) => void got.push(u) };
}

const asDelta = (u: Update<Rec> | undefined): Delta<Rec> => {
  assert.ok(u, 'no update');
  assert.equal(u.type, 'delta', `expected a delta, got a ${u.type}`);
  return u as Delta<Rec>;
};
const asSnapshot = (u: Update<Rec> | undefined): Snapshot<Rec> => {
  assert.ok(u, 'no update');
  assert.equal(u.type, 'snapshot', `expected a snapshot, got a ${u.type}`);
  return u as Snapshot<Rec>;
};
const byKey = (records: Rec[]) => Object.fromEntries(records.map((r) => [r.key, r.v]));

test('subscribe: a snapshot of the table at once, with the current sequence and time', () => {
  const { stream } = setup();
  stream.commit(batch(rec('a', 1), rec('b', 2)));
  const c = collector();
  stream.subscribe(c.send);
  assert.equal(c.got.length, 1);
  const snap = asSnapshot(c.got[0]);
  assert.equal(snap.seq, 1);
  assert.equal(snap.t, 1000);
  assert.deepEqual(byKey(snap.records), { a: 1, b: 2 });
});

test('subscribe on an empty stream: an empty snapshot at seq 0', () => {
  const { stream } = setup();
  const c = collector();
  stream.subscribe(c.send);
  assert.deepEqual(c.got, [{ type: 'snapshot', seq: 0, t: 1000, records: [] }]);
});

test('backpressure: no delta until the snapshot is acknowledged', () => {
  const { stream } = setup();
  const c = collector();
  stream.subscribe(c.send);
  stream.commit(batch(rec('a', 1)));
  stream.commit(batch(rec('b', 1)));
  assert.equal(c.got.length, 1, 'only the snapshot');
});

test('after ack, the next commit sends a delta with only the changed records', () => {
  const { stream, tick } = setup();
  stream.commit(batch(rec('a', 1), rec('b', 1), rec('c', 1)));
  const c = collector();
  const sub = stream.subscribe(c.send);
  sub.ack();
  assert.equal(c.got.length, 1, 'ack with nothing new sends nothing');
  tick(5);
  stream.commit(batch(rec('b', 2)));
  assert.equal(c.got.length, 2);
  const delta = asDelta(c.got[1]);
  assert.deepEqual(delta, { type: 'delta', fromSeq: 2, seq: 2, t: 1005, upserts: [rec('b', 2)], removed: [] });
  // Not ready again until acknowledged.
  stream.commit(batch(rec('c', 2)));
  assert.equal(c.got.length, 2);
  sub.ack();
  assert.equal(c.got.length, 3, 'ack releases what is pending at once');
  assert.deepEqual(asDelta(c.got[2]).upserts, [rec('c', 2)]);
  assert.equal(asDelta(c.got[2]).fromSeq, 3);
});

test('a slow subscriber gets ONE coalesced delta with the latest record per key', () => {
  const { stream } = setup({ logLength: 256 });
  for (let i = 0; i < 40; i++) stream.commit(batch(rec(`k${i}`, 0)));
  const c = collector();
  const sub = stream.subscribe(c.send);
  const seqAtSubscribe = stream.sequence;
  for (let i = 1; i <= 100; i++) stream.commit(batch(rec('k1', i), rec(i % 2 ? 'k2' : 'k3', i)));
  assert.equal(c.got.length, 1, 'nothing while unacknowledged');
  sub.ack();
  assert.equal(c.got.length, 2);
  const delta = asDelta(c.got[1]);
  assert.equal(delta.fromSeq, seqAtSubscribe + 1);
  assert.equal(delta.seq, stream.sequence);
  assert.equal(delta.upserts.length, 3, 'one record per key, not one per commit');
  assert.deepEqual(byKey(delta.upserts), { k1: 100, k2: 99, k3: 100 });
  assert.deepEqual(delta.removed, []);
});

test('a subscriber further behind than the log gets a snapshot instead of a delta', () => {
  const { stream } = setup({ logLength: 10 });
  for (let i = 0; i < 100; i++) stream.commit(batch(rec(`k${i}`, 0)));
  const c = collector();
  const sub = stream.subscribe(c.send);
  for (let i = 0; i < 11; i++) stream.commit(batch(rec('k0', i + 1)));
  sub.ack();
  const snap = asSnapshot(c.got[1]);
  assert.equal(snap.seq, stream.sequence);
  assert.equal(snap.records.length, 100);
  assert.equal(byKey(snap.records).k0, 11);
});

test('exactly logLength commits behind still gets a delta', () => {
  const { stream } = setup({ logLength: 10 });
  for (let i = 0; i < 100; i++) stream.commit(batch(rec(`k${i}`, 0)));
  const c = collector();
  const sub = stream.subscribe(c.send);
  for (let i = 0; i < 10; i++) stream.commit(batch(rec('k0', i + 1)));
  sub.ack();
  const delta = asDelta(c.got[1]);
  assert.deepEqual(delta.upserts, [rec('k0', 10)]);
});

test('removals appear in removed, and a removed-then-re-added key as an upsert', () => {
  const { stream } = setup();
  stream.commit(batch(...Array.from({ length: 40 }, (_, i) => rec(`k${i}`, 0))));
  const c = collector();
  const sub = stream.subscribe(c.send);
  sub.ack();
  stream.commit(new Map(), ['k5']);
  assert.deepEqual(asDelta(c.got[1]).removed, ['k5']);
  assert.deepEqual(asDelta(c.got[1]).upserts, []);
  assert.equal(stream.get('k5'), undefined);
  assert.equal(stream.size, 39);
  // While not ready: remove k6 and re-add it, remove k7 for good.
  stream.commit(new Map(), ['k6', 'k7']);
  stream.commit(batch(rec('k6', 9)));
  sub.ack();
  const delta = asDelta(c.got[2]);
  assert.deepEqual(delta.upserts, [rec('k6', 9)]);
  assert.deepEqual(delta.removed, ['k7']);
});

test('removing a key that is not there is not a commit', () => {
  const { stream } = setup();
  stream.commit(batch(rec('a', 1)));
  const c = collector();
  const sub = stream.subscribe(c.send);
  sub.ack();
  stream.commit(new Map(), ['nope']);
  stream.commit(new Map());
  assert.equal(stream.sequence, 1);
  assert.equal(c.got.length, 1);
});

test('a delta touching more than snapshotShare of the table is sent as a snapshot', () => {
  const { stream } = setup({ snapshotShare: 0.5 });
  stream.commit(batch(...Array.from({ length: 100 }, (_, i) => rec(`k${i}`, 0))));
  const c = collector();
  const sub = stream.subscribe(c.send);
  sub.ack();
  // 50 of 100: still a delta.
  stream.commit(batch(...Array.from({ length: 50 }, (_, i) => rec(`k${i}`, 1))));
  assert.equal(asDelta(c.got[1]).upserts.length, 50);
  sub.ack();
  // 51 of 100: a snapshot.
  stream.commit(batch(...Array.from({ length: 51 }, (_, i) => rec(`k${i}`, 2))));
  const snap = asSnapshot(c.got[2]);
  assert.equal(snap.records.length, 100);
  sub.ack();
  // The share counts across coalesced commits too: 30 + 30 distinct keys while not ready.
  stream.commit(batch(rec('k0', 3)));
  assert.equal(c.got[3].type, 'delta');
  stream.commit(batch(...Array.from({ length: 30 }, (_, i) => rec(`k${i}`, 4))));
  stream.commit(batch(...Array.from({ length: 30 }, (_, i) => rec(`k${i + 50}`, 4))));
  sub.ack();
  asSnapshot(c.got[4]);
});

test('closed subscribers get nothing, and ack after close is a no-op', () => {
  const { stream } = setup();
  const c = collector();
  const sub = stream.subscribe(c.send);
  sub.ack();
  assert.equal(stream.subscriberCount, 1);
  sub.close();
  assert.equal(stream.subscriberCount, 0);
  stream.commit(batch(rec('a', 1)));
  sub.ack();
  stream.commit(batch(rec('a', 2)));
  assert.equal(c.got.length, 1, 'only the first snapshot');
});

test('subscribers are independent: one acking does not release another', () => {
  const { stream } = setup();
  const fast = collector();
  const slow = collector();
  const f = stream.subscribe(fast.send);
  stream.subscribe(slow.send);
  f.ack();
  for (let i = 0; i < 5; i++) {
    stream.commit(batch(rec('a', i)));
    f.ack();
  }
  assert.equal(fast.got.length, 6);
  assert.equal(slow.got.length, 1);
});

test('per-commit cost: send is never called for subscribers that have not acknowledged', () => {
  const { stream } = setup();
  stream.commit(batch(rec('a', 0)));
  let calls = 0;
  const idle = () => void calls++;
  for (let i = 0; i < 1000; i++) stream.subscribe(idle);
  assert.equal(calls, 1000, 'one snapshot each');
  const ready = collector();
  const sub = stream.subscribe(ready.send);
  sub.ack();
  for (let i = 1; i <= 200; i++) {
    stream.commit(batch(rec('a', i)));
    sub.ack();
  }
  assert.equal(calls, 1000, 'no further sends to the 1000 idle subscribers');
  assert.equal(ready.got.length, 201);
  assert.deepEqual(byKey(asDelta(ready.got[200]).upserts), { a: 200 });
});

test('memory: the log keeps at most logLength commits', () => {
  const { stream } = setup({ logLength: 5 });
  stream.commit(batch(rec('a', 0)));
  const c = collector();
  const sub = stream.subscribe(c.send); // cursor 1
  for (let i = 0; i < 1000; i++) stream.commit(batch(rec('a', i + 1)));
  // Had the log grown, the subscriber would get a delta; it is 1000 behind a 5-long log.
  sub.ack();
  asSnapshot(c.got[1]);
  // updateSince for a cursor 5 back is a delta, 6 back a snapshot.
  assert.equal(stream.updateSince(stream.sequence - 5)!.type, 'delta');
  assert.equal(stream.updateSince(stream.sequence - 6)!.type, 'snapshot');
  assert.equal(stream.updateSince(stream.sequence), undefined);
});

test('a subscriber that acks from inside send (synchronously) keeps receiving each commit', () => {
  const { stream } = setup();
  const got: Array<Update<Rec>> = [];
  let sub: { ack(): void } | undefined;
  sub = stream.subscribe((u) => {
    got.push(u);
    sub?.ack();
  });
  sub.ack();
  for (let i = 0; i < 5; i++) stream.commit(batch(rec('a', i)));
  assert.equal(got.length, 6);
  assert.deepEqual(
    got.slice(1).map((u) => (u as Delta<Rec>).upserts[0].v),
    [0, 1, 2, 3, 4],
  );
});

test('the stream sequence never goes backwards and deltas chain without gaps', () => {
  const { stream } = setup({ logLength: 50 });
  stream.commit(batch(...Array.from({ length: 40 }, (_, i) => rec(`k${i}`, 0))));
  const c = collector();
  const sub = stream.subscribe(c.send);
  let lastSeq = (c.got[0] as Snapshot<Rec>).seq;
  // Deterministic pseudo-random schedule of commits and acks.
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const mirror = new Map<string, number>((c.got[0] as Snapshot<Rec>).records.map((r) => [r.key, r.v]));
  let seen = 1;
  for (let step = 0; step < 2000; step++) {
    if (rand() < 0.6) {
      const key = `k${Math.floor(rand() * 40)}`;
      if (rand() < 0.1) stream.commit(new Map(), [key]);
      else stream.commit(batch(rec(key, step)));
    } else sub.ack();
    for (; seen < c.got.length; seen++) {
      const u = c.got[seen];
      if (u.type === 'snapshot') {
        mirror.clear();
        for (const r of u.records) mirror.set(r.key, r.v);
      } else {
        assert.equal(u.fromSeq, lastSeq + 1, 'deltas chain');
        for (const r of u.upserts) mirror.set(r.key, r.v);
        for (const k of u.removed) mirror.delete(k);
      }
      assert.ok(u.seq > lastSeq);
      lastSeq = u.seq;
    }
  }
  sub.ack();
  for (; seen < c.got.length; seen++) {
    const u = c.got[seen];
    if (u.type === 'snapshot') {
      mirror.clear();
      for (const r of u.records) mirror.set(r.key, r.v);
    } else {
      for (const r of u.upserts) mirror.set(r.key, r.v);
      for (const k of u.removed) mirror.delete(k);
    }
  }
  // The subscriber's view equals the table.
  assert.deepEqual(new Map([...mirror].sort()), new Map([...stream.records()].map((r) => [r.key, r.v] as [string, number]).sort()));
});
