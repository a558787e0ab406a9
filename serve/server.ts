// Serve mode: the renderer over HTTP and the protocol over a WebSocket, for a browser.
// Loopback only; every request needs the session's random token (query, then a cookie); Host and
// Origin are checked so a web page elsewhere cannot reach it through DNS rebinding.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { isNativeError } from '../native/errors';
import { ProtocolError, isRequestName, wsRequestSchema } from '../protocol';
import { Connection } from '../core/connection';
import type { Service } from '../core/service';
import { CONTENT_SECURITY_POLICY } from '../renderer/csp';

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
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

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

    const relative = auth.pathname === '/' ? 'index.html' : decodeURIComponent(auth.pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, relative);
    if (!file.startsWith(staticRoot + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return deny(404, 'not found');
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      // The token is in the first URL: never leak it in a Referer.
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    if (auth.fromQuery) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    response.writeHead(200, headers);
    if (request.method === 'HEAD') return response.end();
    fs.createReadStream(file).pipe(response);
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
  const send = (message: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const connection = new Connection(service, 'websocket', (update) => send({ id: -1, update }));
  ws.on('message', async (data, isBinary) => {
    let id = 0;
    try {
      if (isBinary) throw new ProtocolError('binary messages are not part of the protocol');
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        throw new ProtocolError('malformed message: not JSON');
      }
      const parsed = wsRequestSchema.safeParse(json);
      if (!parsed.success) throw new ProtocolError('malformed message: expected {id, channel, payload}');
      id = parsed.data.id;
      if (!isRequestName(parsed.data.channel)) {
        throw new ProtocolError(`unknown channel ${JSON.stringify(parsed.data.channel).slice(0, 80)}`);
      }
      send({ id, ok: true, result: await connection.handle(parsed.data.channel, parsed.data.payload) });
    } catch (error) {
      const kind = isNativeError(error) || error instanceof ProtocolError ? error.kind : 'internal';
      send({ id, ok: false, error: { kind, message: error instanceof Error ? error.message : String(error) } });
    }
  });
  // A frame over maxPayload, a broken frame or a reset: ws closes the socket (1009, 1002...) and
  // reports it here. Without a listener that report would be an uncaught exception that ends
  // the server for every other client.
  ws.on('error', () => undefined);
  ws.on('close', () => connection.close());
}
