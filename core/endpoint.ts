// The protocol over one message transport: a browser's WebSocket (serve mode) or a window's
// MessagePort to the engine process (the app). Requests arrive as `{id, channel, payload}`; replies
// go back by id, stream updates with id -1. Every message is parsed here before the engine acts.
import { isNativeError, messageOf } from '../native/errors';
import { ProtocolError, isRequestName, printable, wireRequestSchema, type SessionInfo, type WireReply } from '../protocol';
import { Connection } from './connection';
import type { Service } from './service';

export interface Endpoint {
  /** Hands one received message (already decoded from the transport) to the engine. */
  receive(message: unknown): Promise<void>;
  /** Ends the connection's stream; call when the transport closes. */
  close(): void;
}

/** Why a request failed, as data: a typed kind and one line; never a stack across the boundary. */
export function errorReply(id: number, error: unknown): WireReply {
  const kind = isNativeError(error) || error instanceof ProtocolError ? error.kind : 'internal';
  return { id, ok: false, error: { kind, message: messageOf(error) } };
}

export function serveEndpoint(service: Service, transport: SessionInfo['transport'], send: (reply: WireReply) => void): Endpoint {
  const connection = new Connection(service, transport, (update) => send({ id: -1, update }));
  return {
    async receive(message) {
      let id = 0;
      try {
        const parsed = wireRequestSchema.safeParse(message);
        if (!parsed.success) throw new ProtocolError('malformed message: expected {id, channel, payload}');
        id = parsed.data.id;
        if (!isRequestName(parsed.data.channel)) {
          throw new ProtocolError(`unknown channel ${printable(JSON.stringify(parsed.data.channel), 80)}`);
        }
        send({ id, ok: true, result: await connection.handle(parsed.data.channel, parsed.data.payload) });
      } catch (error) {
        send(errorReply(id, error));
      }
    },
    close: () => connection.close(),
  };
}
