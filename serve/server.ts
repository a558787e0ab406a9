// Serve mode: the renderer over HTTP and the protocol over a WebSocket, for a browser.
// Loopback only; every request needs the session's random token (query, then a cookie); Host and
// Origin are checked so a web page elsewhere cannot reach it through DNS rebinding.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { errorReply, serveEndpoint } from '../core/endpoint';
import { ProtocolError, type WireReply } from '../protocol';
import type { Service } from '../core/service';
import { resolveStaticFile } from './static-files';

export interface ServeOptions {
  service: Service;
  /** Folder with the built renderer (index.html and assets/). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'syncscope_token';
const MAX_MESSAGE_BYTES = 64 * 1024;

export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  // timingSafeEqual needs equal lengths; comparing a hash of each keeps the time constant too.
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const staticRoot = path.resolve(options.staticDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** The token from the query string or the cookie; whether it came from the query. */
  const authenticate = (request: http.IncomingMessage) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const fromQuery = url.searchParams.get('token') ?? undefined;
    const given = fromQuery ?? cookieToken(request.headers.cookie);
    return { ok: tokenMatches(token, given), fromQuery: fromQuery !== undefined, pathname: url.pathname };
  };

  const server = http.createServer((request, response) => {
    const deny = (status: number, message: string) => {
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(message + '\n');
    };
    if (!allowedHosts().has(request.headers.host ?? '')) return deny(403, 'forbidden: unexpected Host header');
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return deny(403, 'forbidden: cross-origin request');
    const auth = authenticate(request);
    if (!auth.ok) return deny(401, 'unauthorized: open the URL that `syncscope serve` printed');
    if (request.method !== 'GET' && request.method !== 'HEAD') return deny(405, 'method not allowed');

    const found = resolveStaticFile(staticRoot, auth.pathname);
    if (!found.ok) return deny(found.status, found.message);
    const headers: http.OutgoingHttpHeaders = { ...found.headers };
    if (auth.fromQuery) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') return response.end();
    fs.createReadStream(found.file).pipe(response);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request, socket, head) => {
    // Node hands over the raw socket without its error listener: a client that resets now would
    // otherwise crash the server with an unhandled 'error' event.
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!allowedHosts().has(request.headers.host ?? '')) return refuse('403 Forbidden');
    if (!allowedOrigins().has(request.headers.origin ?? '')) return refuse('403 Forbidden');
    const auth = authenticate(request);
    if (!auth.ok) return refuse('401 Unauthorized');
    if (auth.pathname !== '/ws') return refuse('404 Not Found');
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, options.service));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One browser connection: requests answered by id, updates pushed as `{id: -1, update}`. */
function serveSocket(ws: WebSocket, service: Service): void {
  const reply = (message: WireReply) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const endpoint = serveEndpoint(service, 'websocket', reply);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return reply(errorReply(0, new ProtocolError('binary messages are not part of the protocol')));
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return reply(errorReply(0, new ProtocolError('malformed message: not JSON')));
    }
    void endpoint.receive(message);
  });
  // A frame over maxPayload, a broken frame or a reset: ws closes the socket (1009, 1002...) and
  // reports it here. Without a listener that report would be an uncaught exception that ends
  // the server for every other client.
  ws.on('error', () => undefined);
  ws.on('close', () => endpoint.close());
}
