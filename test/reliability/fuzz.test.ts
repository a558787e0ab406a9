// Thousands of malformed messages, from a seeded generator, against the two doors into the engine:
// the serve mode's WebSocket (a real server on a real socket) and core/endpoint.ts on structured
// clones, which is what the engine process serves on each window's MessagePort.
// Every malformed request gets an error reply naming the problem, the backend never sees it, the
// server keeps answering, and Object.prototype stays clean. A failure prints the seed and index:
// SYNCSCOPE_FUZZ_SEED=<seed> reproduces the run, SYNCSCOPE_FUZZ_COUNT sets its length.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { AuditLog } from '../../core/audit';
import { serveEndpoint } from '../../core/endpoint';
import { Service } from '../../core/service';
import { NativeError } from '../../native/errors';
import { REQUEST_NAMES, wireReplySchema, type RequestName, type WireReply } from '../../protocol';
import { startServer, type RunningServer } from '../../serve/server';
import { Prng, VALID_PAYLOADS, classifyFrame, classifyRequest, fuzzFrame, mutatePayload } from '../support/fuzz';
import { MemoryBackend } from '../support/memory-backend';
import { spyOn, type Spied } from '../support/spy-backend';

const SEED = Number(process.env.SYNCSCOPE_FUZZ_SEED ?? 0x5eed);
const COUNT = Number(process.env.SYNCSCOPE_FUZZ_COUNT ?? 5000);
const NATIVE_KINDS = new Set(['not-found', 'access-denied', 'wrong-type', 'vanished', 'already-exists', 'invalid-argument', 'not-owner', 'timeout', 'unsupported', 'os-error']);

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { kind: string; message: string };
}

function prototypesClean(): void {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PROTOTYPE_KEYS, 'Object.prototype gained a key');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
}
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/** A socket whose non-update replies are read in order. */
class Client {
  private readonly replies: Reply[] = [];
  private waiting?: (reply: Reply) => void;
  updates = 0;
  closeCode?: number;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      assert.ok(wireReplySchema.safeParse(message).success, `a reply outside the protocol: ${data.toString().slice(0, 200)}`);
      if (message.id === -1) {
        this.updates++;
        return;
      }
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(message);
      } else this.replies.push(message);
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  static open(server: RunningServer): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, {
        headers: { Cookie: `syncscope_token=${server.token}` },
        origin: `http://127.0.0.1:${server.port}`,
      });
      socket.once('open', () => resolve(new Client(socket)));
      socket.once('error', reject);
    });
  }

  next(timeoutMs = 5000): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
  }

  async call(message: string | Buffer, binary = false): Promise<Reply> {
    this.socket.send(message, { binary });
    return this.next();
  }
}

describe('fuzzing the protocol doors', { timeout: 180_000 }, () => {
  let memory: MemoryBackend;
  let spied: Spied;
  let service: Service;
  let server: RunningServer;
  const escaped: unknown[] = [];
  const onEscaped = (error: unknown) => escaped.push(error);

  before(async () => {
    process.on('unhandledRejection', onEscaped);
    process.on('uncaughtException', onEscaped);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-fuzz-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    memory = new MemoryBackend().add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
    spied = spyOn(memory);
    // Actions allowed, so that only validation stands between a request and the backend. The
    // sampler is not started: every backend call in these tests comes from a request.
    service = new Service(spied.backend, { allowActions: true, attribution: false, audit: new AuditLog(path.join(dir, 'audit.log'), 'test') });
    server = await startServer({ service, staticDir: dir });
  });

  after(async () => {
    await server?.close();
    await service?.dispose();
    process.off('unhandledRejection', onEscaped);
    process.off('uncaughtException', onEscaped);
  });

  test(`WebSocket: ${COUNT} malformed messages (seed ${SEED}), each answered with an error naming it, none reaching the backend`, async () => {
    const rng = new Prng(SEED);
    let client = await Client.open(server);
    const tally = { frame: 0, channel: 0, payload: 0, valid: 0, skipped: 0, oversize: 0 };
    const started = Date.now();
    try {
      for (let i = 0; i < COUNT; i++) {
        const id = i + 1;
        const text = fuzzFrame(rng, id);
        const expected = classifyFrame(text);
        // A valid startDemo would start real worker processes: not this test's business.
        if (expected.kind === 'valid' && expected.channel === 'startDemo') {
          tally.skipped++;
          continue;
        }
        const callsBefore = spied.calls.length;
        const where = `seed ${SEED} message ${i}: ${JSON.stringify(text.slice(0, 160))}`;
        if (Buffer.byteLength(text) > 64 * 1024) {
          // Over the server's frame limit: that socket is closed (1009), nothing else happens.
          tally.oversize++;
          const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
          client.socket.send(text);
          assert.equal(await closed, 1009, where);
          assert.deepEqual(spied.calls.slice(callsBefore), [], `${where}: the backend was called`);
          client = await Client.open(server);
          continue;
        }
        tally[expected.kind]++;
        const reply = await client.call(text);
        if (expected.kind === 'valid') {
          assert.equal(reply.id, id, where);
          if (!reply.ok) assert.ok(NATIVE_KINDS.has(reply.error!.kind), `${where}: ${JSON.stringify(reply.error)}`);
          continue;
        }
        assert.equal(reply.ok, false, where);
        assert.equal(reply.error!.kind, 'invalid-argument', `${where}: ${JSON.stringify(reply.error)}`);
        if (expected.kind === 'frame') {
          assert.equal(reply.id, 0, where);
          assert.match(reply.error!.message, /^malformed message: (not JSON|expected \{id, channel, payload\})$/, where);
        } else if (expected.kind === 'channel') {
          assert.equal(reply.id, id, where);
          assert.match(reply.error!.message, /^unknown channel /, where);
        } else {
          assert.equal(reply.id, id, where);
          assert.ok(reply.error!.message.startsWith(`${expected.channel}: `), `${where}: "${reply.error!.message}" does not name the channel`);
          assert.ok(reply.error!.message.length < 2000, `${where}: an error of ${reply.error!.message.length} characters`);
        }
        assert.deepEqual(spied.calls.slice(callsBefore), [], `${where}: the backend was called`);
      }
      const elapsed = Date.now() - started;
      process.stdout.write(`# WebSocket fuzz: ${COUNT} messages in ${elapsed} ms: ${JSON.stringify(tally)}\n`);
      assert.ok(tally.frame > 500 && tally.channel > 100 && tally.payload > 1000, `the mix is too narrow: ${JSON.stringify(tally)}`);
      assert.equal(client.closeCode, undefined, 'the server never dropped a connection but for oversize frames');

      // Still serving: a valid request on the same socket, and on a new one.
      const shown = await client.call(JSON.stringify({ id: 1, channel: 'show', payload: { name: 'Ev' } }));
      assert.equal(shown.ok, true);
      const fresh = await Client.open(server);
      assert.equal((await fresh.call(JSON.stringify({ id: 2, channel: 'session', payload: {} }))).ok, true);
      fresh.socket.close();
      prototypesClean();
      assert.deepEqual(escaped, [], 'no unhandled rejection or exception');
    } finally {
      client.socket.close();
    }
  });

  test('WebSocket: 1,000 malformed requests sent at once get exactly one reply each, matched by id', async () => {
    const rng = new Prng(SEED + 1);
    const client = await Client.open(server);
    try {
      const sent = new Map<number, RequestName>();
      for (let id = 1; sent.size < 1000; id++) {
        const channel = rng.pick(REQUEST_NAMES.filter((n) => n !== 'startDemo'));
        const payload = mutatePayload(channel, rng, true);
        const text = JSON.stringify({ id, channel, payload });
        if (classifyRequest(channel, payload).kind !== 'payload' || text.length > 60_000) continue;
        sent.set(id, channel);
        client.socket.send(text);
      }
      const answered = new Map<number, number>();
      for (let i = 0; i < sent.size; i++) {
        const reply = await client.next(10_000);
        assert.equal(reply.ok, false);
        assert.ok(reply.error!.message.startsWith(`${sent.get(reply.id)}: `), reply.error!.message);
        answered.set(reply.id, (answered.get(reply.id) ?? 0) + 1);
      }
      assert.equal(answered.size, sent.size);
      assert.ok([...answered.values()].every((n) => n === 1));
    } finally {
      client.socket.close();
    }
  });

  test('WebSocket: a binary frame is refused; a frame over 64 KiB closes only that socket (1009)', async () => {
    const client = await Client.open(server);
    const binary = await client.call(Buffer.from(JSON.stringify({ id: 1, channel: 'session', payload: {} })), true);
    assert.equal(binary.ok, false);
    assert.match(binary.error!.message, /binary messages are not part of the protocol/);

    const other = await Client.open(server);
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
    client.socket.send(JSON.stringify({ id: 2, channel: 'show', payload: { name: 'x'.repeat(70_000) } }));
    assert.equal(await closed, 1009);
    assert.equal((await other.call(JSON.stringify({ id: 3, channel: 'show', payload: { name: 'Ev' } }))).ok, true, 'others still served');
    other.socket.close();
    assert.deepEqual(spied.calls.filter((c) => c.name?.startsWith('xxxx')), []);
  });

  test(`the engine's port (core/endpoint.ts): ${COUNT} malformed requests, structured-cloned as a MessagePort does, rejected before the backend`, async () => {
    const rng = new Prng(SEED + 2);
    let updates = 0;
    const replies = new Map<number, WireReply>();
    const endpoint = serveEndpoint(service, 'electron', (reply) => {
      assert.ok(wireReplySchema.safeParse(reply).success, `a reply outside the protocol: ${JSON.stringify(reply).slice(0, 200)}`);
      if (reply.id === -1) updates++;
      else replies.set(reply.id, structuredClone(reply));
    });
    const tally = { channel: 0, payload: 0, valid: 0, skipped: 0 };
    const oddNames: unknown[] = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'Show', 'show ', 'syncscope:show', 'objects:list', 'x'.repeat(5000), 5, null, undefined, {}, ['show']];
    const started = Date.now();
    try {
      for (let i = 1; i <= COUNT; i++) {
        const name: unknown = rng.chance(0.85) ? rng.pick(REQUEST_NAMES) : rng.chance(0.5) ? rng.pick(oddNames) : rng.text(20);
        let payload: unknown;
        const knownName = (REQUEST_NAMES as readonly unknown[]).includes(name) ? (name as RequestName) : 'show';
        const mode = rng.int(5);
        if (mode < 3) payload = mutatePayload(knownName, rng, false);
        else if (mode === 3) payload = mutatePayload(rng.pick(REQUEST_NAMES), rng, false);
        else payload = { ...VALID_PAYLOADS[knownName], [rng.pick(['__proto__', 'extra', 'constructor'])]: rng.text(10) };
        const expected = classifyRequest(name, payload);
        if (expected.kind === 'valid' && expected.channel === 'startDemo') {
          tally.skipped++;
          continue;
        }
        tally[expected.kind === 'frame' ? 'channel' : expected.kind]++;
        const where = `seed ${SEED + 2} request ${i}: ${String(name).slice(0, 40)}`;
        const callsBefore = spied.calls.length;
        await endpoint.receive(structuredClone({ id: i, channel: name, payload }));
        // A frame that is not {id, channel: string, payload} is answered with id 0, as on the socket.
        const reply = typeof name === 'string' ? replies.get(i) : replies.get(0);
        replies.delete(0);
        assert.ok(reply && 'ok' in reply, `${where}: no reply`);
        if (expected.kind === 'valid') {
          if (!reply.ok) assert.ok(NATIVE_KINDS.has(reply.error.kind) || reply.error.kind === 'invalid-argument', `${where}: ${reply.error.kind} ${reply.error.message}`);
          continue;
        }
        assert.equal(reply.ok, false, `${where}: accepted`);
        const error = (reply as Extract<WireReply, { ok: false }>).error;
        assert.equal(error.kind, 'invalid-argument', `${where}: ${error.kind} instead of a protocol error`);
        if (expected.kind === 'channel') assert.match(error.message, typeof name === 'string' ? /^unknown channel / : /^malformed message: /, where);
        else assert.ok(error.message.startsWith(`${(expected as { channel: string }).channel}: `), `${where}: "${error.message}"`);
        assert.deepEqual(spied.calls.slice(callsBefore), [], `${where}: the backend was called`);
      }
    } finally {
      endpoint.close();
    }
    process.stdout.write(`# port fuzz: ${COUNT} requests in ${Date.now() - started} ms (${updates} updates): ${JSON.stringify(tally)}\n`);
    assert.ok(tally.channel > 200 && tally.payload > 2000, `the mix is too narrow: ${JSON.stringify(tally)}`);
    await endpoint.receive({ id: COUNT + 1, channel: 'session', payload: {} });
    const last = replies.get(COUNT + 1);
    assert.ok(last && 'ok' in last && last.ok, 'the endpoint still answers');
    prototypesClean();
    assert.deepEqual(escaped, [], 'no unhandled rejection or exception');
  });
});
