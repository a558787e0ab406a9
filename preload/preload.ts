// The renderer's only door to the main process: one function per protocol request, plus the
// update stream. Only channel names are bundled here; main validates every payload.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { REQUEST_NAMES, UPDATE_CHANNEL, ipcChannel, type RequestName } from '../protocol/channels';

const requests = Object.fromEntries(
  REQUEST_NAMES.map((name) => [name, (payload: unknown = {}) => ipcRenderer.invoke(ipcChannel(name), payload)]),
) as Record<RequestName, (payload?: unknown) => Promise<unknown>>;

const api = {
  ...requests,
  /** Calls `listener` with each update; returns the function that stops listening. */
  onUpdate(listener: (update: unknown) => void): () => void {
    const wrapped = (_event: IpcRendererEvent, update: unknown) => listener(update);
    ipcRenderer.on(UPDATE_CHANNEL, wrapped);
    return () => ipcRenderer.off(UPDATE_CHANNEL, wrapped);
  },
};

export type SyncScopeBridge = typeof api;

contextBridge.exposeInMainWorld('syncscope', api);
