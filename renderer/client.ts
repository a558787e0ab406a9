// The renderer's typed view of the protocol, over the Electron preload bridge or, in a browser
// (serve mode), over a WebSocket. Every response and update is parsed with the protocol's
// schemas before the UI trusts it.
import {
  parseResponse,
  updateSchema,
  wsResponseSchema,
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

export interface Client {
  request<N extends RequestName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>>;
  /** Streams updates; each is acknowledged after `listener` returns, which paces the sender. */
  follow(listener: (update: UpdateMessage) => void): () => void;
}

export class RequestError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export function electronClient(bridge: SyncScopeBridge): Client {
  return {
    async request(name, payload) {
      return parseResponse(name, await bridge[name](payload));
    },
    follow(listener) {
      const stop = bridge.onUpdate((raw) => {
        listener(updateSchema.parse(raw));
        void bridge.ack({});
      });
      void bridge.subscribe({});
      return stop;
    },
  };
}

/** Serve mode: one WebSocket to the page's own origin; the token travels in the cookie. */
export function websocketClient(url: string): Client {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(update: UpdateMessage) => void>();
  const socket = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new RequestError('disconnected', 'cannot reach the SyncScope server')), { once: true });
  });
  socket.addEventListener('close', () => {
    for (const { reject } of pending.values()) reject(new RequestError('disconnected', 'the SyncScope server closed the connection'));
    pending.clear();
  });
  socket.addEventListener('message', (event) => {
    const message = wsResponseSchema.parse(JSON.parse(String(event.data)));
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
      void send('subscribe', {});
      return () => listeners.delete(listener);
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
