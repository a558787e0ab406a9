// koffi, loaded on first use. A static `import koffi from 'koffi'` becomes the first line of a
// bundle (Vite hoists external imports), so a missing or broken koffi would end the engine process
// before it could say why; loaded here, the failure is an error the engine reports.
type Koffi = typeof import('koffi');

let loaded: Koffi | undefined;

export function koffi(): Koffi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('koffi') as Koffi;
  return loaded;
}
