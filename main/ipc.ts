// Electron IPC over the protocol: every request is parsed with its schema before the service
// sees it; each window gets its own update stream, paced by its acks.
import { ipcMain, type WebContents } from 'electron';
import { REQUEST_NAMES, UPDATE_CHANNEL, ipcChannel, parseRequest, type RequestName } from '../protocol';
import type { Subscription } from '../core/update-stream';
import type { Service } from '../core/service';

export function registerIpc(service: Service): () => void {
  const subscriptions = new Map<WebContents, Subscription>();

  const subscribe = (sender: WebContents) => {
    subscriptions.get(sender)?.close();
    const subscription = service.sampler.stream.subscribe((update) => {
      if (!sender.isDestroyed()) sender.send(UPDATE_CHANNEL, update);
    });
    subscriptions.set(sender, subscription);
    sender.once('destroyed', () => {
      subscription.close();
      subscriptions.delete(sender);
    });
    return { ok: true as const };
  };

  const handle = (name: RequestName, sender: WebContents, payload: unknown) => {
    const request = parseRequest(name, payload ?? {});
    if (name === 'subscribe') return subscribe(sender);
    if (name === 'ack') {
      subscriptions.get(sender)?.ack();
      return { ok: true as const };
    }
    const handler = service.handlers[name] as (request: unknown) => unknown;
    return handler(request);
  };

  for (const name of REQUEST_NAMES) {
    ipcMain.handle(ipcChannel(name), (event, payload) => handle(name, event.sender, payload));
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(ipcChannel(name));
    for (const subscription of subscriptions.values()) subscription.close();
    subscriptions.clear();
  };
}
