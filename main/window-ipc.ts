// What main says to windows: each window's preload asks for a port to the engine (CONNECT_CHANNEL)
// and gets it only if the asking frame shows the app itself; every window hears the engine's
// health (ENGINE_STATUS_CHANNEL) and may ask for a restart once it stopped for good. Requests and
// the update stream then flow over the port, between the window and the engine: not through main.
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import { CONNECT_CHANNEL, ENGINE_STATUS_CHANNEL, PORT_CHANNEL, RESTART_ENGINE_CHANNEL } from '../protocol';
import type { EngineHost } from './engine-host';
import { messageOf } from '../native/errors';

/** `trusted` says whether a frame showing this URL may talk to the engine. */
export function registerWindowIpc(host: EngineHost, trusted: (frameUrl: string) => boolean, log: (line: string) => void): () => void {
  const windows = new Set<WebContents>();

  const fromApp = (event: IpcMainEvent, channel: string) => {
    // senderFrame is null once the frame has gone (navigated or destroyed) before this ran.
    const url = event.senderFrame?.url ?? '';
    if (trusted(url)) return true;
    log(`syncscope: refused ${channel} from a frame that is not the app's own page (${url.slice(0, 200)})`);
    return false;
  };

  const onConnect = (event: IpcMainEvent) => {
    if (!fromApp(event, CONNECT_CHANNEL) || !event.senderFrame) return;
    const contents = event.sender;
    if (!windows.has(contents)) {
      windows.add(contents);
      contents.once('destroyed', () => windows.delete(contents));
    }
    const port = host.connect();
    // No engine now (it stopped for good): the status says so, and the window asks again later.
    if (!port) return contents.send(ENGINE_STATUS_CHANNEL, host.status);
    try {
      // The port and the status it belongs to, in one message: the window never reads one without the other.
      event.senderFrame.postMessage(PORT_CHANNEL, host.status, [port]);
    } catch (error) {
      // The frame went away (navigated, closed) since it asked: the engine's end is closed too.
      port.close();
      log(`syncscope: could not hand a port to the window: ${messageOf(error)}`);
    }
  };
  const onRestart = (event: IpcMainEvent) => {
    if (fromApp(event, RESTART_ENGINE_CHANNEL) && host.status.state === 'stopped') host.restartByUser();
  };

  ipcMain.on(CONNECT_CHANNEL, onConnect);
  ipcMain.on(RESTART_ENGINE_CHANNEL, onRestart);
  const stopStatus = host.onStatus((status) => {
    for (const contents of windows) if (!contents.isDestroyed()) contents.send(ENGINE_STATUS_CHANNEL, status);
  });
  return () => {
    ipcMain.off(CONNECT_CHANNEL, onConnect);
    ipcMain.off(RESTART_ENGINE_CHANNEL, onRestart);
    stopStatus();
    windows.clear();
  };
}
