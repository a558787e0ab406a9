// The renderer's typed view of the protocol. In Electron it goes through the preload bridge; every
// response and update is parsed with the protocol's schemas before the UI trusts it.
import {
  parseResponse,
  updateSchema,
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
  /** Streams updates; the client acknowledges each after `listener` returns. */
  follow(listener: (update: UpdateMessage) => void): () => void;
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

/** Applies an update to a path-keyed table of records. */
export function applyUpdate(table: Map<string, ObjectRecord>, update: UpdateMessage): Map<string, ObjectRecord> {
  const next = update.type === 'snapshot' ? new Map<string, ObjectRecord>() : new Map(table);
  const records = update.type === 'snapshot' ? update.records : update.upserts;
  for (const record of records) next.set(record.path, record);
  if (update.type === 'delta') for (const path of update.removed) next.delete(path);
  return next;
}
