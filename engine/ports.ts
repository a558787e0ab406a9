// The parts of Electron's MessagePortMain and parentPort that the engine uses. Written out here so
// the engine imports nothing from Electron (a utility process has no `electron` module to speak
// of) and so tests can drive it through a stand-in.
export interface PortMessage {
  data: unknown;
  ports: EnginePort[];
}

export interface EnginePort {
  on(event: 'message', listener: (message: PortMessage) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** `process.parentPort` of a utility process: main's end of the line. */
export interface ParentPort {
  on(event: 'message', listener: (message: PortMessage) => void): unknown;
  postMessage(message: unknown): void;
}
