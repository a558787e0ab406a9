// The two Electron APIs preload/preload.ts uses, for running the real preload in Chromium
// (test/support/app-in-browser.ts): ipcRenderer talks to the test through Playwright bindings,
// which relays to main's real code running with the electron stand-in; MessagePorts are real
// browser MessageChannels whose far end the test relays to the engine's port.
type Listener = (event: { ports: MessagePort[] }, ...args: unknown[]) => void;

interface Bindings {
  __syncscopeIpcSend(channel: string): void;
  __syncscopePortSend(data: unknown): void;
}
const page = window as unknown as Window & Bindings & Record<string, unknown>;
const listeners = new Map<string, Set<Listener>>();
let relayEnd: MessagePort | undefined;

const emit = (channel: string, ports: MessagePort[], ...args: unknown[]) => {
  for (const listener of listeners.get(channel) ?? []) listener({ ports }, ...args);
};

export const ipcRenderer = {
  on(channel: string, listener: Listener) {
    if (!listeners.has(channel)) listeners.set(channel, new Set());
    listeners.get(channel)!.add(listener);
    return ipcRenderer;
  },
  off(channel: string, listener: Listener) {
    listeners.get(channel)?.delete(listener);
    return ipcRenderer;
  },
  send(channel: string) {
    page.__syncscopeIpcSend(channel);
  },
};

/** No isolated world here: the API lands on window, frozen, as contextBridge's copy would be. */
export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown) {
    Object.defineProperty(window, key, { value: Object.freeze(api), enumerable: true });
  },
};

// What the test calls (page.evaluate) when main sends to this window.
page.__syncscopeShim = {
  send(channel: string, payload: unknown) {
    emit(channel, [], payload);
  },
  port(channel: string, message: unknown) {
    relayEnd?.close();
    const pair = new MessageChannel();
    relayEnd = pair.port1;
    relayEnd.onmessage = (event) => page.__syncscopePortSend(event.data);
    emit(channel, [pair.port2], message);
  },
  fromEngine(data: unknown) {
    relayEnd?.postMessage(data);
  },
};
