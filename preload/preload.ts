// The renderer's only door to the engine: one function per protocol request, the update stream,
// and the engine's health. Main hands this preload a MessagePort to the engine process (again
// after a restart); requests and updates flow over it, never through main. Only channel names are
// bundled here; the engine parses every request and the renderer every reply.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CONNECT_CHANNEL, ENGINE_STATUS_CHANNEL, PORT_CHANNEL, REQUEST_NAMES, RESTART_ENGINE_CHANNEL, type RequestName } from '../protocol/channels';

/** A reply as the engine sends it: `{id, ok, result}` or `{id, ok: false, error}`. */
type Reply = { id: number; ok: boolean; result?: unknown; error?: { kind: string; message: string } };
type EngineStatus = { state: string; reason?: string; restarts: number; generation: number };

/** How long a request waits for a port (the engine starting or restarting) before it fails. */
const PORT_WAIT_MS = 30_000;

let port: MessagePort | undefined;
let status: EngineStatus | undefined;
/** A CONNECT is on its way: another would bring a second port that replaces the first. */
let connecting = false;
/** The newest engine known to be gone: ports from it or older lead nowhere. */
let deadGeneration = 0;
let nextId = 1;
const pending = new Map<number, (reply: Reply) => void>();
const portWaiters = new Set<() => void>();
const updateListeners = new Set<(update: unknown) => void>();
const statusListeners = new Set<(status: EngineStatus) => void>();
const connectedListeners = new Set<() => void>();

/** Ends every request in flight: the engine that would answer them is gone. */
function dropPort(message: string): void {
  port?.close();
  port = undefined;
  for (const [id, settle] of pending) settle({ id, ok: false, error: { kind: 'disconnected', message } });
  pending.clear();
}

function connect(): void {
  if (connecting || port) return;
  connecting = true;
  ipcRenderer.send(CONNECT_CHANNEL);
}

function setStatus(next: EngineStatus): void {
  status = next;
  if (next.state === 'restarting' || next.state === 'stopped') {
    deadGeneration = Math.max(deadGeneration, next.generation);
    dropPort(`the engine stopped: ${next.reason ?? next.state}`);
    // Requests waiting for a port get their answer now: there will be none from this engine.
    if (next.state === 'stopped') {
      connecting = false;
      for (const wake of portWaiters) wake();
    }
  }
  // A restarted engine: ask for a port to it.
  if (next.state === 'running') connect();
  for (const listener of statusListeners) listener(next);
}

// Main answers CONNECT with a port and the engine's status, in one message.
ipcRenderer.on(PORT_CHANNEL, (event: IpcRendererEvent, withStatus: EngineStatus) => {
  connecting = false;
  const next = event.ports[0];
  // A port minted for an engine this window has already heard die leads nowhere.
  if (!next || withStatus.generation <= deadGeneration) {
    next?.close();
    if (status?.state === 'running') connect();
    return;
  }
  dropPort('the connection to the engine was replaced');
  port = next;
  // Assigning onmessage starts the port.
  port.onmessage = (message: MessageEvent) => {
    const data = message.data as { id?: unknown; update?: unknown };
    if (data?.id === -1) {
      for (const listener of updateListeners) listener(data.update);
      return;
    }
    const settle = pending.get(data?.id as number);
    pending.delete(data?.id as number);
    settle?.(data as Reply);
  };
  setStatus(withStatus);
  for (const wake of portWaiters) wake();
  for (const listener of connectedListeners) listener();
});

ipcRenderer.on(ENGINE_STATUS_CHANNEL, (_event: IpcRendererEvent, next: EngineStatus) => setStatus(next));

function whenConnected(): Promise<MessagePort | undefined> {
  if (port) return Promise.resolve(port);
  if (status?.state === 'stopped') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      portWaiters.delete(wake);
      resolve(port);
    };
    const timer = setTimeout(wake, PORT_WAIT_MS);
    portWaiters.add(wake);
  });
}

async function request(channel: RequestName, payload: unknown): Promise<Reply> {
  const connected = await whenConnected();
  if (!connected) return { id: 0, ok: false, error: { kind: 'disconnected', message: `the engine is not running${status?.reason ? `: ${status.reason}` : ''}` } };
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    connected.postMessage({ id, channel, payload });
  });
}

const requests = Object.fromEntries(REQUEST_NAMES.map((name) => [name, (payload: unknown = {}) => request(name, payload)])) as Record<
  RequestName,
  (payload?: unknown) => Promise<Reply>
>;

const api = {
  ...requests,
  /** Calls `listener` with each update; returns the function that stops listening. */
  onUpdate(listener: (update: unknown) => void): () => void {
    updateListeners.add(listener);
    return () => updateListeners.delete(listener);
  },
  /** Calls `listener` once connected to an engine (now, if it is) and after each reconnection. */
  onConnected(listener: () => void): () => void {
    connectedListeners.add(listener);
    if (port) listener();
    return () => connectedListeners.delete(listener);
  },
  /** Calls `listener` with the engine's health now (if known) and on every change. */
  onEngineStatus(listener: (status: EngineStatus) => void): () => void {
    statusListeners.add(listener);
    if (status) listener(status);
    return () => statusListeners.delete(listener);
  },
  /** Starts the engine again after it stopped for good (main ignores it otherwise). */
  restartEngine(): void {
    ipcRenderer.send(RESTART_ENGINE_CHANNEL);
  },
};

export type SyncScopeBridge = typeof api;

contextBridge.exposeInMainWorld('syncscope', api);
connect();
