// Channel names only, without schemas, so the sandboxed preload stays tiny. protocol/index.ts
// checks at compile time that this list and its schema table agree.
export const REQUEST_NAMES = [
  'session',
  'show',
  'act',
  'cancelAction',
  'create',
  'capabilities',
  'setRates',
  'watch',
  'setCpuBudget',
  'budget',
  'setVisible',
  'history',
  'metrics',
  'contention',
  'deadlocks',
  'unreadableProcesses',
  'focusProcess',
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
/** The channel main pushes stream updates on (the serve mode's WebSocket carries them inline). */
export const UPDATE_CHANNEL = 'syncscope:update';

// Electron: the preload asks main for a MessagePort to the engine process on CONNECT_CHANNEL;
// main checks the asking frame and posts the port on PORT_CHANNEL (again after an engine restart);
// the engine's health reaches the window on ENGINE_STATUS_CHANNEL; RESTART_ENGINE_CHANNEL asks
// main to start an engine that stopped for good.
export const CONNECT_CHANNEL = 'syncscope:connect';
export const PORT_CHANNEL = 'syncscope:port';
export const ENGINE_STATUS_CHANNEL = 'syncscope:engine-status';
export const RESTART_ENGINE_CHANNEL = 'syncscope:restart-engine';
