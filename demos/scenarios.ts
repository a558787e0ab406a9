// The built-in demos: which named objects each creates and which worker roles contend on them.
// Pure data, shared by the runner (which creates the objects) and the workers (which use them).
import type { AnyCreateSpec } from '../native/actions';

export const SCENARIO_NAMES = [
  'handshake',
  'mutex-contention',
  'producer-consumer',
  'bank',
  'timer',
  'deadlock',
  'abandoned',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface WorkerSpec {
  role: string;
  /** Restart the worker when it exits (the abandoned demo's owner exits on purpose). */
  respawn?: boolean;
}

export interface ScenarioPlan {
  name: ScenarioName;
  description: string;
  /** Objects the runner creates and keeps alive for the demo's lifetime, by short name. */
  objects: Record<string, AnyCreateSpec>;
  /** Files the workers lock (flock on Linux), created in a private folder for the demo's lifetime. */
  files?: string[];
  workers: WorkerSpec[];
}

export const DEFAULT_WORKERS = 4;

/** Object names are unique per run, so two demos (or a stale one) never collide. */
export function objectName(run: string, scenario: ScenarioName, short: string): string {
  return `SyncScopeDemo.${scenario}.${run}.${short}`;
}

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

function times(count: number, role: string): WorkerSpec[] {
  return Array.from({ length: count }, () => ({ role }));
}

/** The Windows plan: Win32 events, mutexes, semaphores and waitable timers. */
export function win32Plan(scenario: ScenarioName, workers: number, name: (short: string) => string): ScenarioPlan {
  const half = Math.max(1, Math.floor(workers / 2));
  switch (scenario) {
    case 'handshake':
      return {
        name: scenario,
        description: 'parent and child coordinate through one named manual-reset event: ready, go, done, over and over',
        objects: { Signal: { kind: 'event', name: name('Signal'), manual: true, signaled: false } },
        workers: [{ role: 'handshake-parent' }, { role: 'handshake-child' }],
      };
    case 'mutex-contention':
      return {
        name: scenario,
        description: `${workers} workers take one named mutex, hold it 5-50 ms at random, release it`,
        objects: { Lock: { kind: 'mutex', name: name('Lock') } },
        workers: times(workers, 'contender'),
      };
    case 'producer-consumer':
      return {
        name: scenario,
        description: 'a bounded buffer of 8 slots: semaphores Free and Filled count slots, a mutex guards the buffer',
        objects: {
          Free: { kind: 'semaphore', name: name('Free'), count: 8, max: 8 },
          Filled: { kind: 'semaphore', name: name('Filled'), count: 0, max: 8 },
          Buffer: { kind: 'mutex', name: name('Buffer') },
        },
        workers: [...times(half, 'producer'), ...times(Math.max(1, workers - half), 'consumer')],
      };
    case 'bank':
      return {
        name: scenario,
        description: 'customers wait on manual-reset events "bank open" and "transactions open"; a manager sets them in turn',
        objects: {
          BankOpen: { kind: 'event', name: name('BankOpen'), manual: true, signaled: false },
          TransactionsOpen: { kind: 'event', name: name('TransactionsOpen'), manual: true, signaled: false },
        },
        workers: [{ role: 'manager' }, ...times(Math.max(1, workers - 1), 'customer')],
      };
    case 'timer':
      return {
        name: scenario,
        description: 'a periodic auto-reset waitable timer (every 300 ms) wakes one waiting worker per period',
        objects: { Tick: { kind: 'timer', name: name('Tick'), manual: false, dueMs: 300, periodMs: 300 } },
        workers: times(workers, 'ticker'),
      };
    case 'deadlock':
      return {
        name: scenario,
        description: 'two workers take mutexes A and B in opposite orders and hang for good',
        objects: { A: { kind: 'mutex', name: name('A') }, B: { kind: 'mutex', name: name('B') } },
        workers: [{ role: 'lock-a-then-b' }, { role: 'lock-b-then-a' }],
      };
    case 'abandoned':
      return {
        name: scenario,
        description: 'a worker exits while it owns a mutex; the next acquirer gets WAIT_ABANDONED',
        objects: { Lock: { kind: 'mutex', name: name('Lock') } },
        workers: [{ role: 'abandoner', respawn: true }, { role: 'acquirer' }],
      };
  }
}
