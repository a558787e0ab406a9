// Channel names only, without schemas, so the sandboxed preload stays tiny. protocol/index.ts
// checks at compile time that this list and its schema table agree.
export const REQUEST_NAMES = [
  'session',
  'show',
  'act',
  'create',
  'capabilities',
  'setRates',
  'watch',
  'history',
  'metrics',
  'contention',
  'deadlocks',
  'why',
  'exportRecording',
  'auditLog',
  'startDemo',
  'stopDemo',
  'subscribe',
  'ack',
] as const;

export type RequestName = (typeof REQUEST_NAMES)[number];

/** Electron IPC channel of a request. */
export const ipcChannel = (name: RequestName) => `syncscope:${name}`;
/** The channel main pushes stream updates on. */
export const UPDATE_CHANNEL = 'syncscope:update';
