// Serve mode refusals that test/serve/server.test.ts does not cover already: the socket is bound
// to loopback only (another interface of this machine gets no answer), Host and Origin spellings
// that a rebinding page could send are refused, and a reset in the middle of a refused upgrade
// does not bring the server down.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import { startServer, tokenMatches, type RunningServer } from '../../serve/server';
import { MemoryBackend } from '../support/memory-backend';

function status(port: number, headers: Record<string, string>, pathAndQuery = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers, setHost: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

function upgradeStatus(port: number, token: string, origin: string | undefined, host: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { Cookie: `syncscope_token=${token}`, Host: host }, origin });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
}

describe('serve mode hardening', { timeout: 60_000 }, () => {
  let service: Service;
  let server: RunningServer;
  const escaped: unknown[] = [];
  const onEscaped = (error: unknown) => escaped.push(error);

  before(async () => {
    process.on('uncaughtException', onEscaped);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-serve-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
    service = new Service(new MemoryBackend(), { allowActions: false, attribution: false, audit: new AuditLog(path.join(dir, 'audit.log'), 'test') });
    server = await startServer({ service, staticDir: dir });
  });
  after(async () => {
    await server.close();
    await service.dispose();
    process.off('uncaughtException', onEscaped);
  });

  test('loopback only: no other address of this machine answers', async () => {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => Boolean(a) && !a!.internal && a!.family === 'IPv4')
      .map((a) => a.address);
    for (const address of [...others, '::1']) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: address, port: server.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      assert.notEqual(outcome, 'connected', `${address}:${server.port} answered`);
    }
  });

  test('Host spellings a rebinding page could send are refused (403) even with the token', async () => {
    const token = `/?token=${server.token}`;
    assert.equal(await status(server.port, { Host: `127.0.0.1:${server.port}` }, token), 200, 'the printed URL works');
    for (const host of [
      '127.0.0.1',
      `127.0.0.1:${server.port + 1}`,
      `LOCALHOST:${server.port}`,
      `localhost.:${server.port}`,
      `[::1]:${server.port}`,
      `127.1:${server.port}`,
      `0.0.0.0:${server.port}`,
      `attacker.example:${server.port}`,
      `127.0.0.1.nip.io:${server.port}`,
      '',
    ]) {
      assert.equal(await status(server.port, { Host: host }, token), 403, `Host: ${JSON.stringify(host)}`);
    }
  });

  test('Origins other than the page\'s own are refused, for pages and for the WebSocket', async () => {
    const host = `127.0.0.1:${server.port}`;
    for (const origin of ['null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, 'http://attacker.example', `http://127.0.0.1:${server.port}.attacker.example`]) {
      assert.equal(await status(server.port, { Host: host, Origin: origin }, `/?token=${server.token}`), 403, `page, Origin ${origin}`);
      assert.equal(await upgradeStatus(server.port, server.token, origin, host), 403, `WebSocket, Origin ${origin}`);
    }
    assert.equal(await upgradeStatus(server.port, server.token, `http://127.0.0.1:${server.port}`, host), 101, 'the page\'s own origin is let in');
  });

  test('a client that resets during a refused upgrade does not bring the server down', async () => {
    for (let i = 0; i < 20; i++) {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(`GET /ws HTTP/1.1\r\nHost: attacker.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16, i).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await status(server.port, { Host: `127.0.0.1:${server.port}` }, `/?token=${server.token}`), 200, 'still serving');
    assert.deepEqual(escaped, []);
  });

  test('tokenMatches: the answer does not depend on where a wrong token differs, nor on its length', () => {
    // Both go through SHA-256 and timingSafeEqual; this checks the outcomes, not the timing.
    const token = server.token;
    // A character that differs from the one it replaces (the token is random: it may hold an 'x').
    const other = (c: string) => (c === 'x' ? 'y' : 'x');
    const wrong = [
      `${other(token[0])}${token.slice(1)}`,
      `${token.slice(0, -1)}${other(token.at(-1)!)}`,
      token.slice(0, 8),
      `${token}x`,
      ` ${token}`,
      ...(token.toUpperCase() === token ? [] : [token.toUpperCase()]),
    ];
    for (const given of wrong) {
      assert.equal(tokenMatches(token, given), false, given);
    }
    assert.equal(tokenMatches(token, token), true);
  });
});
