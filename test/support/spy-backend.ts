// Wraps a Backend (in-memory or real) and records every method call, so a test can prove that a
// refused request never reached it: "refused before any OS call".
import type { Backend } from '../../native/backend';

export interface Spied {
  backend: Backend;
  /** Method names in call order, with the first argument's name when there is one. */
  calls: Array<{ method: string; name?: string }>;
}

export function spyOn(target: Backend): Spied {
  const calls: Spied['calls'] = [];
  const backend = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const first = args[0];
        const name = typeof first === 'string' ? first : (first as { name?: unknown } | undefined)?.name;
        calls.push({ method: String(property), name: typeof name === 'string' ? name : undefined });
        // Called on the real object: backends keep private (#) state.
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { backend, calls };
}
