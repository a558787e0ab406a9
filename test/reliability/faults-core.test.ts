// Faults the engine must survive, with the OS taken out: native calls that throw what no typed
// error describes, a first scan that fails, a front end whose transport throws, a browser that
// disconnects mid-stream, a refresh that fails after an action succeeded. Each time the inspector
// keeps running, says what went wrong, and loses no history.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { AuditLog } from '../../core/audit';
import { Connection } from '../../core/connection';
import { Recorder } from '../../core/recording';
import { Sampler } from '../../core/sampler';
import { Service } from '../../core/service';
import { UpdateStream } from '../../core/update-stream';
import type { Backend, SampledObject } from '../../native/backend';
import { NativeError } from '../../native/errors';
import type { ObjectRecord, UpdateMessage } from '../../protocol';
import { startServer, type RunningServer } from '../../serve/server';
import { MemoryBackend } from '../support/memory-backend';

const tempAudit = () => new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-faults-')), 'audit.log'), 'test');
const until = async (what: string, probe: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A memory backend whose open/sample/scan can be made to throw anything, as a broken native call would. */
class FaultyBackend extends MemoryBackend {
  /** Thrown by sample() of the objects whose path it is set for. */
  readonly sampleFaults = new Map<string, () => never>();
  openFault?: () => never;
  scanFault?: () => never;

  override scan() {
    this.scanFault?.();
    return super.scan();
  }
  override open(name: string): SampledObject {
    this.openFault?.();
    const object = super.open(name);
    return { ...object, sample: () => (this.sampleFaults.get(object.path) ?? object.sample)() };
  }
}

test('a native call that throws a plain Error or TypeError: the object gets error "internal", the others go on, its history is kept', () => {
  const backend = new FaultyBackend()
    .add('\\Memory\\Sem', 'semaphore', { count: 1, max: 4 })
    .add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
  let t = 1_000;
  const sampler = new Sampler({ backend, attribution: false, now: () => t });
  sampler.scanTick();
  for (const count of [2, 3]) {
    t += 100;
    backend.objects.get('\\Memory\\Sem')!.state.count = count;
    sampler.stateTick();
  }
  const before = sampler.history.get('\\Memory\\Sem')!.query(0, t, 100).length;
  assert.ok(before >= 3, `history before the fault: ${before} points`);

  // koffi throwing (a bad struct, a missing export) is not a NativeError.
  const faults: Array<() => never> = [
    () => {
      throw new TypeError('Unexpected Buffer value, expected pointer');
    },
    () => {
      throw new Error('koffi: cannot call function');
    },
    () => {
      throw 'a string, not an Error';
    },
  ];
  for (const fault of faults) {
    backend.sampleFaults.set('\\Memory\\Sem', fault);
    t += 100;
    const ev = backend.objects.get('\\Memory\\Ev')!.state;
    ev.signaled = !ev.signaled;
    assert.doesNotThrow(() => sampler.stateTick());
    const sem = sampler.records().find((r) => r.path === '\\Memory\\Sem')!;
    assert.equal(sem.error?.kind, 'internal');
    assert.ok(sem.error!.message.length > 0);
    assert.deepEqual(sem.state, { count: 3, max: 4 }, 'the last good state stays');
    const other = sampler.records().find((r) => r.path === '\\Memory\\Ev')!;
    assert.deepEqual(other.state, { eventType: 'manual', signaled: ev.signaled }, 'the other object is still sampled');
  }
  backend.sampleFaults.clear();
  t += 100;
  sampler.stateTick();
  const sem = sampler.records().find((r) => r.path === '\\Memory\\Sem')!;
  assert.equal(sem.error, undefined, 'the error clears when the call works again');
  assert.ok(sampler.history.get('\\Memory\\Sem')!.query(0, t, 100).length >= before, 'no history lost');
});

test('a first scan that throws does not stop the inspector from starting; objects appear when the scan works again', async () => {
  const backend = new FaultyBackend().add('\\Memory\\Ev', 'event', { eventType: 'auto', signaled: true });
  backend.scanFault = () => {
    throw new NativeError('access-denied', 'readdir', 'readdir /dev/shm: EACCES', 'EACCES');
  };
  const service = new Service(backend, { attribution: false, rates: { scanMs: 50, stateMs: 20 }, audit: tempAudit() });
  try {
    assert.doesNotThrow(() => service.start());
    assert.equal(service.sampler.stats.lastError, 'readdir /dev/shm: EACCES');
    assert.equal(service.sampler.records().length, 0);
    backend.scanFault = undefined;
    await until('the object to appear', () => service.sampler.records().length === 1);
  } finally {
    await service.dispose();
  }
});

test('an action that succeeded is reported as done even when the refresh after it fails', async () => {
  const backend = new FaultyBackend().add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
  const service = new Service(backend, { attribution: false, audit: tempAudit() });
  const connection = new Connection(service, 'electron', () => undefined);
  try {
    service.sampler.scanTick();
    backend.openFault = () => {
      throw new TypeError('refresh broke');
    };
    backend.scanFault = () => {
      throw new TypeError('scan broke');
    };
    const result = (await connection.handle('act', { action: 'set', name: 'Ev' })) as { detail: string };
    assert.equal(result.detail, 'set \\Memory\\Ev');
    assert.equal(backend.acted.length, 1, 'done once: the user has no reason to do it again');
    assert.equal(backend.objects.get('\\Memory\\Ev')!.state.signaled, true);
    const entry = service.audit.read(1)[0];
    assert.equal(entry.ok, true);
  } finally {
    connection.close();
    await service.dispose();
  }
});

test('accountability: every action the app takes, done or failed, and what it closes at the end, is in the audit log', async () => {
  const backend = new MemoryBackend().add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
  // An in-memory backend that can create, as the real ones do.
  (backend as unknown as { create: Backend['create'] }).create = (spec) => {
    const path = backend.resolve(spec.name);
    backend.add(path, spec.kind, { eventType: 'auto', signaled: false });
    return { kind: spec.kind, path, close: () => void backend.objects.delete(path) };
  };
  const audit = tempAudit();
  const service = new Service(backend, { attribution: false, audit });
  const connection = new Connection(service, 'websocket', () => undefined);
  await connection.handle('act', { action: 'set', name: 'Ev' });
  await assert.rejects(connection.handle('act', { action: 'reset', name: 'Missing' }), NativeError);
  await connection.handle('create', { kind: 'event', name: 'Made' });
  // Refused by the protocol: no action was taken, so none is recorded.
  await assert.rejects(connection.handle('act', { action: 'set', name: '' }));
  connection.close();
  await service.dispose();
  const entries = audit.read(10).reverse().map((e) => [e.action, e.target, e.ok, e.via]);
  assert.deepEqual(entries, [
    ['set', 'Ev', true, 'test'],
    ['reset', 'Missing', false, 'test'],
    ['create event', 'Made', true, 'test'],
    ['close', '\\Memory\\Made', true, 'test'],
  ]);
  assert.ok(audit.read(10).every((e) => typeof e.time === 'string' && e.pid === process.pid));
});

describe('front ends that fail', () => {
  test('a subscriber whose transport throws (a renderer frame disposed mid-reload) does not stop the others, and catches up', () => {
    const stream = new UpdateStream<{ v: number }>(() => 0);
    const good: Array<{ type: string }> = [];
    let broken = true;
    const badReceived: Array<{ type: string }> = [];
    const bad = stream.subscribe((update) => {
      if (broken && update.type === 'delta') throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      badReceived.push(update);
    });
    const okay = stream.subscribe((update) => void good.push(update));
    bad.ack();
    okay.ack();
    stream.commit(new Map([['a', { v: 1 }]]));
    assert.equal(good.length, 2, 'the other subscriber got the delta');
    assert.equal(stream.sendErrors, 1);
    okay.ack();
    stream.commit(new Map([['b', { v: 2 }]]));
    broken = false;
    okay.ack();
    stream.commit(new Map([['a', { v: 3 }]]));
    // Nothing lost: the failed sends are retried, coalesced, with the latest value of every key.
    const last = badReceived.at(-1) as unknown as { type: string; upserts: Array<{ v: number }> };
    assert.equal(last.type, 'delta');
    assert.deepEqual(last.upserts.map((r) => r.v).sort(), [2, 3]);
    bad.close();
    okay.close();
    assert.equal(stream.subscriberCount, 0);
  });

  test('a subscribe whose first send throws leaves no subscriber behind', () => {
    const stream = new UpdateStream<{ v: number }>(() => 0);
    assert.throws(() =>
      stream.subscribe(() => {
        throw new Error('socket closed');
      }),
    );
    assert.equal(stream.subscriberCount, 0);
  });

  test('the app\'s recording keeps the latest changes only: memory bounded however long it runs', () => {
    const recorder = new Recorder('linux', () => 0, { maxChanges: 1000, keep: 'latest' });
    for (let i = 0; i < 50_000; i++) {
      recorder.add({ kind: 'event', name: `E${i}`, path: `\\E${i}`, changedAt: i, state: { eventType: 'auto', signaled: i % 2 === 0 } } as ObjectRecord);
    }
    const recording = recorder.toRecording();
    assert.equal(recording.changes.length, 1000);
    assert.equal(recording.truncated, true);
    assert.equal(recording.changes[0].t, 49_000, 'the latest ones, oldest first');
    assert.equal(recording.changes.at(-1)!.t, 49_999);
    assert.equal(recording.objects.length, 1000, 'objects whose changes all went are gone too');
    assert.equal(recording.startedAt, 49_000);
    // The CLI's recorder keeps the first ones, and no objects beyond them either.
    const first = new Recorder('linux', () => 0, { maxChanges: 10 });
    for (let i = 0; i < 100; i++) first.add({ kind: 'event', name: `E${i}`, path: `\\E${i}`, changedAt: i } as ObjectRecord);
    assert.deepEqual(first.toRecording().changes.map((c) => c.t), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(first.toRecording().objects.length, 10);
  });
});

describe('a browser that disconnects mid-stream', () => {
  let backend: MemoryBackend;
  let service: Service;
  let server: RunningServer;
  let flipper: NodeJS.Timeout;

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-static-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    backend = new MemoryBackend();
    for (let i = 0; i < 50; i++) backend.add(`\\Memory\\Ev${i}`, 'event', { eventType: 'manual', signaled: false });
    service = new Service(backend, { attribution: false, rates: { stateMs: 10, scanMs: 100 }, audit: tempAudit() });
    service.start();
    // Something changes all the time: the stream never idles.
    flipper = setInterval(() => {
      for (const object of backend.objects.values()) object.state.signaled = !object.state.signaled;
    }, 5);
    server = await startServer({ service, staticDir: dir });
  });
  after(async () => {
    clearInterval(flipper);
    await server.close();
    await service.dispose();
  });

  function follow(): Promise<{ socket: WebSocket; updates: () => number }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
        headers: { Cookie: `syncscope_token=${server.token}` },
        origin: `http://127.0.0.1:${server.port}`,
      });
      let updates = 0;
      let id = 1;
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { id: number; update?: UpdateMessage };
        if (message.id !== -1) return;
        updates++;
        socket.send(JSON.stringify({ id: ++id, channel: 'ack', payload: {} }));
      });
      socket.once('open', () => {
        socket.send(JSON.stringify({ id: 1, channel: 'subscribe', payload: {} }));
        resolve({ socket, updates: () => updates });
      });
      socket.once('error', reject);
    });
  }

  test('others keep streaming, and every subscription the dropped clients held is closed', async () => {
    const baseline = service.sampler.stream.subscriberCount; // the service's own recorder
    const steady = await follow();
    const dropped = await Promise.all(Array.from({ length: 5 }, () => follow()));
    await until('every client to stream', () => [steady, ...dropped].every((c) => c.updates() >= 3));
    assert.equal(service.sampler.stream.subscriberCount, baseline + 6);

    // Mid-stream: two vanish without a close frame (a killed tab, a dropped network), one resets
    // while a request is in flight, two close cleanly.
    dropped[0].socket.terminate();
    dropped[1].socket.terminate();
    dropped[2].socket.send(JSON.stringify({ id: 99, channel: 'deadlocks', payload: {} }));
    (dropped[2].socket as unknown as { _socket: { destroy(): void } })._socket.destroy();
    dropped[3].socket.close();
    dropped[4].socket.close(1001, 'going away');

    await until('the dropped subscriptions to close', () => service.sampler.stream.subscriberCount === baseline + 1);
    const before = steady.updates();
    await until('the remaining client to keep streaming', () => steady.updates() >= before + 20);
    steady.socket.close();
    await until('the last subscription to close', () => service.sampler.stream.subscriberCount === baseline);
    assert.equal(service.sampler.stream.sendErrors, 0);
    assert.equal(service.sampler.stats.lastError, undefined);
  });
});
