// The renderer's only door to the main process: exactly the protocol's functions.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS } from '../protocol/channels';

const api = {
  list: () => ipcRenderer.invoke(CHANNELS.list),
  capabilities: () => ipcRenderer.invoke(CHANNELS.capabilities),
};

export type SyncScopeApi = typeof api;

contextBridge.exposeInMainWorld('syncscope', api);
