// The engine process: an Electron utility process that owns the OS backend, the sampler and the
// demos, so nothing that samples, scans or waits ever runs on Electron's main thread. Main hands
// it one MessagePort per window; each port speaks the same protocol as serve mode's WebSocket.
import { loadBackend, messageOf } from '../native';
import { serveEndpoint } from '../core/endpoint';
import { Service } from '../core/service';
import { engineToMainSchema, mainToEngineSchema, type EngineToMain } from '../protocol';
import type { EnginePort, ParentPort } from './ports';
import { WorkerSpawner } from './worker-spawner';

const parentPort = (process as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  process.stderr.write('engine: not started as a utility process (no process.parentPort)\n');
  process.exit(2);
}

/** Every message to main is checked against the protocol here too: a bug must not cross silently. */
const toMain = (message: EngineToMain) => parentPort.postMessage(engineToMainSchema.parse(message));

function startService(): Service | undefined {
  try {
    const service = new Service(loadBackend(), { spawnWorker: workers.spawn });
    service.start();
    return service;
  } catch (error) {
    const reason = `could not start the engine: ${messageOf(error)}`;
    toMain({ type: 'fatal', reason });
    process.stderr.write(`engine: ${reason}\n`);
    // Let the message leave before the process goes; main shows the reason and does not restart.
    setTimeout(() => process.exit(1), 200);
    return undefined;
  }
}

const workers = new WorkerSpawner(toMain);
const service = startService();

function servePort(service: Service, port: EnginePort): void {
  const endpoint = serveEndpoint(service, 'electron', (reply) => port.postMessage(reply));
  port.on('message', (message) => void endpoint.receive(message.data));
  // The window closed or reloaded: its stream ends with it.
  port.on('close', () => endpoint.close());
  port.start();
}

let disposing = false;
if (service) parentPort.on('message', (message) => {
  const parsed = mainToEngineSchema.safeParse(message.data);
  if (!parsed.success) {
    process.stderr.write(`engine: ignored a malformed message from main: ${parsed.error.issues[0]?.message}\n`);
    return;
  }
  const request = parsed.data;
  switch (request.type) {
    case 'connect':
      if (message.ports[0]) servePort(service, message.ports[0]);
      return;
    case 'worker-started':
    case 'worker-failed':
    case 'worker-exited':
      workers.handle(request, message.ports);
      return;
    case 'ping':
      toMain({ type: 'pong', n: request.n });
      return;
    case 'dispose':
      if (disposing) return;
      disposing = true;
      service.dispose().then(
        () => toMain({ type: 'disposed' }),
        (error: unknown) => toMain({ type: 'disposed', error: messageOf(error) }),
      );
      return;
  }
});

if (service) toMain({ type: 'ready', platform: service.backend.platform });
