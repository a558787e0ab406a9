// Electron IPC over the protocol: one Connection per window, every request parsed by it.
import { ipcMain, type WebContents } from 'electron';
import { REQUEST_NAMES, UPDATE_CHANNEL, ipcChannel } from '../protocol';
import { Connection } from '../core/connection';
import type { Service } from '../core/service';

export function registerIpc(service: Service): () => void {
  const connections = new Map<WebContents, Connection>();

  const connectionOf = (sender: WebContents) => {
    let connection = connections.get(sender);
    if (!connection) {
      connection = new Connection(service, 'electron', (update) => {
        if (!sender.isDestroyed()) sender.send(UPDATE_CHANNEL, update);
      });
      connections.set(sender, connection);
      sender.once('destroyed', () => {
        connections.get(sender)?.close();
        connections.delete(sender);
      });
    }
    return connection;
  };

  for (const name of REQUEST_NAMES) {
    ipcMain.handle(ipcChannel(name), (event, payload) => connectionOf(event.sender).handle(name, payload));
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(ipcChannel(name));
    for (const connection of connections.values()) connection.close();
    connections.clear();
  };
}
