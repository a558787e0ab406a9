// Electron IPC over the protocol: one Connection per window, every request parsed by it, and
// only from the app's own page (a frame that is anything else gets a refusal, not the engine).
import { ipcMain, type WebContents } from 'electron';
import { ProtocolError, REQUEST_NAMES, UPDATE_CHANNEL, ipcChannel } from '../protocol';
import { Connection } from '../core/connection';
import type { Service } from '../core/service';

/** `trusted` says whether a request from a frame showing this URL may be answered. */
export function registerIpc(service: Service, trusted: (frameUrl: string) => boolean): () => void {
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
    ipcMain.handle(ipcChannel(name), (event, payload) => {
      // senderFrame is null once the frame has gone (navigated or destroyed) before this ran.
      const url = event.senderFrame?.url ?? '';
      if (!trusted(url)) throw new ProtocolError(`${name}: refused: the request did not come from the app's own page`);
      return connectionOf(event.sender).handle(name, payload);
    });
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(ipcChannel(name));
    for (const connection of connections.values()) connection.close();
    connections.clear();
  };
}
