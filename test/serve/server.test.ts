// Serve mode's front door, over real sockets: loopback, token, Host and Origin, read-only,
// hostile messages. The engine behind it runs on an in-memory backend.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { Service } from '../../core/service';
import { startServer, tokenMatches, type RunningServer } from '../../serve/server';
import { MemoryBackend } from '../support/memory-backend';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, pathAndQuery: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathAndQuery, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
  });
}

/** Opens a WebSocket; resolves with it, or with the HTTP status that refused the upgrade. */
function connect(port: number, options: { token?: string; origin?: string; host?: string; path?: string }): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.Cookie = `syncscope_token=${options.token}`;
    if (options.host) headers.Host = options.host;
    const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/ws'}`, { headers, origin: options.origin });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
}

function call(socket: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const reply = JSON.parse(data.toString());
      if (reply.id === -1) return; // a stream update
      socket.off('message', onMessage);
      resolve(reply);
    };
    socket.on('message', onMessage);
    socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('serve mode front door', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let service: Service;
  let backend: MemoryBackend;
  const origin = () => `http://127.0.0.1:${server.port}`;

  before(async () => {
    const staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-static-'));
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(os.tmpdir(), 'syncscope-secret.txt'), 'secret');
    backend = new MemoryBackend().add('\\Memory\\Ev', 'event', { eventType: 'manual', signaled: false });
    service = new Service(backend, { allowActions: false, attribution: false });
    service.start();
    server = await startServer({ service, staticDir });
  });

  after(async () => {
    await server.close();
    await service.dispose();
  });

  test('listens on loopback only and prints a URL with the token', () => {
    assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
    assert.ok(server.token.length >= 32);
  });

  test('HTTP: 401 without the token or with a wrong one; the right one sets an HttpOnly cookie', async () => {
    assert.equal((await get(server.port, '/')).status, 401);
    const wrong = server.token.slice(0, -1) + (server.token.endsWith('A') ? 'B' : 'A');
    assert.equal((await get(server.port, `/?token=${wrong}`)).status, 401);
    assert.equal((await get(server.port, '/', { Cookie: `syncscope_token=${wrong}` })).status, 401);
    const ok = await get(server.port, `/?token=${server.token}`);
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers['set-cookie']), /^syncscope_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    assert.match(String(ok.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(ok.headers['referrer-policy'], 'no-referrer');
    assert.equal((await get(server.port, '/', { Cookie: `syncscope_token=${server.token}` })).status, 200);
  });

  test('HTTP: a foreign Host (DNS rebinding) or Origin is refused even with the token', async () => {
    const withHost = await get(server.port, `/?token=${server.token}`, { Host: `attacker.example:${server.port}` });
    assert.equal(withHost.status, 403);
    const withOrigin = await get(server.port, `/?token=${server.token}`, { Origin: 'http://attacker.example' });
    assert.equal(withOrigin.status, 403);
  });

  test('HTTP: no path escapes the renderer folder', async () => {
    const cookie = { Cookie: `syncscope_token=${server.token}` };
    for (const probe of ['/../syncscope-secret.txt', '/%2e%2e/syncscope-secret.txt', '/..%2fsyncscope-secret.txt']) {
      const reply = await get(server.port, probe, cookie);
      assert.equal(reply.status, 404, probe);
      assert.doesNotMatch(reply.body, /secret/);
    }
  });

  test('HTTP: a malformed percent-escape is a 400 for that request; the server keeps serving', async () => {
    // decodeURIComponent throws on these; uncaught, it took the whole server down.
    for (const probe of ['/%E0%A4%A', '/%', '/%zz/index.html', `/%E0%A4%A?token=${server.token}`]) {
      const reply = await get(server.port, probe.includes('token=') ? probe : `${probe}?token=${server.token}`);
      assert.equal(reply.status, 400, probe);
      assert.match(reply.body, /not valid percent-encoding/);
    }
    assert.equal((await get(server.port, `/?token=${server.token}`)).status, 200, 'still serving');
  });

  test('WebSocket: refused without token (401), with a foreign Origin or Host (403), or no Origin', async () => {
    assert.equal(await connect(server.port, { origin: origin() }), 401);
    assert.equal(await connect(server.port, { token: 'nope', origin: origin() }), 401);
    assert.equal(await connect(server.port, { token: server.token, origin: 'http://attacker.example' }), 403);
    assert.equal(await connect(server.port, { token: server.token, origin: origin(), host: `attacker.example:${server.port}` }), 403);
    assert.equal(await connect(server.port, { token: server.token }), 403);
  });

  test('WebSocket: read-only unless --allow-actions; the object is untouched', async () => {
    const socket = (await connect(server.port, { token: server.token, origin: origin() })) as WebSocket;
    try {
      const session = await call(socket, { id: 1, channel: 'session', payload: {} });
      assert.deepEqual((session.result as { readOnly: boolean }).readOnly, true);
      const act = await call(socket, { id: 2, channel: 'act', payload: { action: 'set', name: 'Ev' } });
      assert.equal(act.ok, false);
      assert.deepEqual((act.error as { kind: string }).kind, 'access-denied');
      assert.match((act.error as { message: string }).message, /read-only/);
      assert.equal(backend.acted.length, 0, 'no action reached the backend');
      assert.equal(backend.objects.get('\\Memory\\Ev')!.state.signaled, false);
    } finally {
      socket.close();
    }
  });

  test('WebSocket: hostile messages get a clear error and the connection keeps working', async () => {
    const socket = (await connect(server.port, { token: server.token, origin: origin() })) as WebSocket;
    try {
      const cases: Array<[unknown, RegExp]> = [
        ['not json', /not JSON/],
        [{ channel: 'session' }, /expected \{id, channel, payload\}/],
        [{ id: 3, channel: '__proto__', payload: {} }, /unknown channel/],
        [{ id: 4, channel: 'constructor', payload: {} }, /unknown channel/],
        [{ id: 5, channel: 'show', payload: { name: '' } }, /show: name/],
        [{ id: 6, channel: 'history', payload: { path: 'x', fromMs: 0, toMs: 1, maxPoints: 1e9 } }, /history: maxPoints/],
        [{ id: 7, channel: 'act', payload: { action: 'explode', name: 'Ev' } }, /act: action/],
        [{ id: 8, channel: 'setRates', payload: { stateMs: -5 } }, /setRates: stateMs/],
      ];
      for (const [message, pattern] of cases) {
        const reply = await call(socket, message);
        assert.equal(reply.ok, false, JSON.stringify(message));
        assert.match((reply.error as { message: string }).message, pattern);
      }
      const show = await call(socket, { id: 9, channel: 'show', payload: { name: 'Ev' } });
      assert.equal(show.ok, true);
      assert.deepEqual((show.result as { state: unknown }).state, { eventType: 'manual', signaled: false });
    } finally {
      socket.close();
    }
  });

  test('WebSocket: subscribe sends a snapshot, then deltas only after an ack', async () => {
    const socket = (await connect(server.port, { token: server.token, origin: origin() })) as WebSocket;
    const updates: Array<{ type: string }> = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.id === -1) updates.push(message.update);
    });
    try {
      await call(socket, { id: 1, channel: 'subscribe', payload: {} });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(updates.length, 1);
      assert.equal(updates[0].type, 'snapshot');
      backend.objects.get('\\Memory\\Ev')!.state.signaled = true;
      service.sampler.stateTick();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(updates.length, 1, 'nothing before the ack');
      await call(socket, { id: 2, channel: 'ack', payload: {} });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(updates.length, 2);
      assert.equal(updates[1].type, 'delta');
    } finally {
      backend.objects.get('\\Memory\\Ev')!.state.signaled = false;
      socket.close();
    }
  });

  test('tokenMatches: exact match only', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abc', 'abd'), false);
    assert.equal(tokenMatches('abc', 'abcd'), false);
    assert.equal(tokenMatches('abc', undefined), false);
    assert.equal(tokenMatches('abc', ''), false);
  });
});
