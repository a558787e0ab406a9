/** Picks the backend for the running OS. Each OS module is loaded only after the platform check. */
import type { Backend } from './backend';
import { architectureRefusal } from './architecture';
import { unsupported } from './errors';
import { koffi } from './koffi';

export function loadBackend(platform: NodeJS.Platform = process.platform, arch: string = process.arch): Backend {
  const refusal = architectureRefusal(platform, arch);
  if (refusal) throw unsupported('loadBackend', refusal);
  if (platform === 'win32' || platform === 'linux') {
    // Every OS call goes through koffi: a missing or broken build fails here, said once, rather
    // than at each first call later on.
    koffi();
  }
  if (platform === 'win32') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Win32Backend } = require('./win32/backend') as typeof import('./win32/backend');
    return new Win32Backend();
  }
  if (platform === 'linux') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LinuxBackend } = require('./linux/backend') as typeof import('./linux/backend');
    return new LinuxBackend();
  }
  throw unsupported('loadBackend', `no SyncScope backend for ${platform} (Windows and Linux are supported)`);
}

export type { Backend, ProcessInspector, SampledObject, HolderResult, ReadTarget, StateReader, WaiterResult } from './backend';
export * from './types';
export * from './errors';
export * from './actions';
