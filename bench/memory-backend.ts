// N objects in memory standing in for the kernel: the engine benchmark samples them, and the
// renderer benchmark serves them to Chromium. States change only when `churn` or `set` says so.
import type { Backend, SampledObject } from '../native/backend';
import type { ObjectEntry } from '../native/types';

export interface MemoryObjects {
  backend: Backend;
  entries: ObjectEntry[];
  /** Changes that share of the objects (rotating through the first `among`, default all). */
  churn(share: number, among?: number): void;
  /** Sets one object's semaphore count. */
  set(path: string, count: number): void;
  state(path: string): { count: number; max: number };
}

/** `count` semaphores (count 0 of max 10) named bench0..; paths under \BaseNamedObjects. */
export function memoryBackend(count: number, directory = '\\BaseNamedObjects'): MemoryObjects {
  const entries: ObjectEntry[] = [];
  const states = new Map<string, { count: number; max: number }>();
  for (let i = 0; i < count; i++) {
    const path = `${directory}\\bench${i}`;
    entries.push({ kind: 'semaphore', name: `bench${i}`, path, directory, typeName: 'Semaphore' });
    states.set(path, { count: 0, max: 10 });
  }
  let cursor = 0;
  const backend: Backend = {
    platform: 'win32',
    sampledKinds: ['semaphore'],
    capabilities: () => ({
      platform: 'memory',
      osRelease: 'bench',
      architecture: 'bench',
      enumerate: { supported: true },
      queryState: { supported: true },
      mutexOwner: { supported: false, reason: 'in-memory benchmark backend' },
      holders: { supported: true },
      waiters: { supported: false, reason: 'in-memory benchmark backend' },
      actions: { supported: false, reason: 'in-memory benchmark backend' },
      handleCount: { supported: true },
    }),
    defaultScopes: () => [directory],
    scan: () => entries,
    resolve: (name) => (name.startsWith('\\') ? name : `${directory}\\${name}`),
    open: (path): SampledObject => {
      const state = states.get(path);
      if (!state) throw Object.assign(new Error(`no object ${path}`), { kind: 'not-found' });
      return { kind: 'semaphore', name: path, path, sample: () => ({ count: state.count, max: state.max }), close: () => undefined };
    },
    holders: (paths) => ({ holders: new Map(paths.map((p) => [p, []])) }),
    waiters: () => ({ waiters: new Map() }),
    act: () => Promise.reject(new Error('not used')),
    create: () => {
      throw new Error('not used');
    },
    processHandleCount: () => 0,
    dispose: () => undefined,
  };
  const churn = (share: number, among = count) => {
    const changes = Math.round(count * share);
    for (let i = 0; i < changes; i++) {
      const state = states.get(entries[cursor].path)!;
      state.count = (state.count + 1) % state.max;
      cursor = (cursor + 1) % among;
    }
  };
  return {
    backend,
    entries,
    churn,
    set: (path, value) => {
      states.get(path)!.count = value;
    },
    state: (path) => states.get(path)!,
  };
}
