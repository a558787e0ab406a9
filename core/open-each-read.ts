// The state reader for a backend that has none of its own (Windows, test backends): each read
// opens the object, samples it and closes it at once. Keeping a Windows handle would keep a named
// object alive: the inspector would stop objects from vanishing and change the behaviour of
// programs that test whether an object exists.
import type { Backend, ReadTarget, StateReader } from '../native';
import type { ObjectState } from '../native/types';

export function openEachRead(backend: Backend): StateReader {
  return {
    read(targets: readonly ReadTarget[]): Array<ObjectState | Error> {
      return targets.map((target) => {
        try {
          const object = backend.open(target.path, target.kind as never);
          try {
            return object.sample();
          } finally {
            object.close();
          }
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      });
    },
    forget: () => undefined,
    close: () => undefined,
  };
}
