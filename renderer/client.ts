// The renderer's typed view of the protocol, over the Electron preload bridge or, in a browser
// (serve mode), over a WebSocket. Every response and update is parsed with the protocol's
// schemas before the UI trusts it.
import {
  engineStatusSchema,
  parseResponse,
  updateSchema,
  wireReplySchema,
  type EngineStatus,
  type ObjectRecord,
  type RequestName,
  type RequestOf,
  type ResponseOf,
  type UpdateMessage,
} from '../protocol';
import type { SyncScopeBridge } from '../preload/preload';

declare global {
  interface Window {
    syncscope?: SyncScopeBridge;
  }
}

/** The engine's health as the window shows it (serve mode: the server's socket). */
export interface ConnectionStatus {
  state: EngineStatus['state'];
  reason?: string;
  restarts: number;
  /** Which engine process (the app): above 1, this window has outlived an engine. */
  generation?: number;
}

export interface Client {
  request<N extends RequestName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>>;
  /**
   * Streams updates; each is acknowledged after `listener` returns, which paces the sender. After
   * the engine restarts, the stream starts again with a fresh snapshot.
   */
  follow(listener: (update: UpdateMessage) => void): () => void;
  /** The connection's health now (if known) and on every change. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Starts a stopped engine again, where the front end can (the app). */
  restart?: () => void;
}

export class RequestError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

/** A reply from the engine as data: the result, or a typed error. */
function unwrap(raw: unknown): unknown {
  const reply = wireReplySchema.parse(raw);
  if ('update' in reply) throw new RequestError('protocol', 'an update arrived where a reply was expected');
  if (!reply.ok) throw new RequestError(reply.error.kind, reply.error.message);
  return reply.result;
}

export function electronClient(bridge: SyncScopeBridge): Client {
  return {
    async request(name, payload) {
      return parseResponse(name, unwrap(await bridge[name](payload)));
    },
    follow(listener) {
      const stopUpdates = bridge.onUpdate((raw) => {
        listener(updateSchema.parse(raw));
        void bridge.ack({});
      });
      // Each new port to an engine (the first, and one to a restarted engine) has no subscription
      // for this window yet: subscribe on each, which starts the stream with a fresh snapshot.
      const stopConnected = bridge.onConnected(() => void bridge.subscribe({}));
      return () => {
        stopUpdates();
        stopConnected();
      };
    },
    onStatus(listener) {
      return bridge.onEngineStatus((raw) => listener(engineStatusSchema.parse(raw)));
    },
    restart: () => bridge.restartEngine(),
  };
}

/** Serve mode: one WebSocket to the page's own origin; the token travels in the cookie. */
export function websocketClient(url: string): Client {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(update: UpdateMessage) => void>();
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  let status: ConnectionStatus = { state: 'starting', restarts: 0 };
  const setStatus = (next: ConnectionStatus) => {
    status = next;
    for (const listener of statusListeners) listener(next);
  };
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => (setStatus({ state: 'running', restarts: 0 }), resolve()), { once: true });
    socket.addEventListener('error', () => reject(new RequestError('disconnected', 'cannot reach the SyncScope server')), { once: true });
  });
  opened.catch(() => undefined);
  socket.addEventListener('close', () => {
    for (const { reject } of pending.values()) reject(new RequestError('disconnected', 'the SyncScope server closed the connection'));
    pending.clear();
    setStatus({ state: 'stopped', reason: 'the SyncScope server closed the connection; restart `syncscope serve` and reload this page', restarts: 0 });
  });
  socket.addEventListener('message', (event) => {
    const message = wireReplySchema.parse(JSON.parse(String(event.data)));
    if ('update' in message) {
      for (const listener of listeners) listener(message.update);
      send('ack', {}).catch(() => undefined);
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new RequestError(message.error.kind, message.error.message));
  });
  async function send(channel: RequestName, payload: unknown): Promise<unknown> {
    await opened;
    const id = nextId++;
    const result = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
    socket.send(JSON.stringify({ id, channel, payload }));
    return result;
  }
  return {
    async request(name, payload) {
      return parseResponse(name, await send(name, payload));
    },
    follow(listener) {
      listeners.add(listener);
      void send('subscribe', {}).catch(() => undefined);
      return () => listeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
  };
}

/** The client for wherever the renderer runs. */
export function connect(): Client {
  if (window.syncscope) return electronClient(window.syncscope);
  const url = new URL('/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  // The token is in the cookie now; keep it out of the address bar and history.
  if (window.location.search.includes('token=')) window.history.replaceState(null, '', window.location.pathname);
  return websocketClient(url.toString());
}

/** Applies an update to a path-keyed table of records. */
export function applyUpdate(table: Map<string, ObjectRecord>, update: UpdateMessage): Map<string, ObjectRecord> {
  const next = update.type === 'snapshot' ? new Map<string, ObjectRecord>() : new Map(table);
  const records = update.type === 'snapshot' ? update.records : update.upserts;
  for (const record of records) next.set(record.path, record);
  if (update.type === 'delta') for (const path of update.removed) next.delete(path);
  return next;
}
