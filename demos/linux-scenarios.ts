// The Linux plan: what stands in for each Win32 object. POSIX named semaphores count, System V
// sets give several semaphores under one id, and flock(2) file locks are the only Linux objects
// whose holder and waiters the kernel names (/proc/locks), so they stand in for mutexes.
import type { ScenarioName, ScenarioPlan, WorkerSpec } from './scenarios';

function times(count: number, role: string): WorkerSpec[] {
  return Array.from({ length: count }, () => ({ role }));
}

export function linuxPlan(scenario: ScenarioName, workers: number, name: (short: string) => string): ScenarioPlan {
  const half = Math.max(1, Math.floor(workers / 2));
  // POSIX semaphore names may not contain '/', and stay short of NAME_MAX with the "sem." prefix.
  const posix = (short: string) => name(short).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
  switch (scenario) {
    case 'handshake':
      return {
        name: scenario,
        description:
          'parent and child coordinate through a System V set of three semaphores (ready, go, done), standing in for the manual-reset event',
        objects: { Steps: { kind: 'sysv-semaphore', name: 'private', count: 0, nsems: 3 } },
        workers: [{ role: 'handshake-parent-sysv' }, { role: 'handshake-child-sysv' }],
      };
    case 'mutex-contention':
      return {
        name: scenario,
        description: `${workers} workers take one flock(2) file lock (standing in for the mutex), hold it 5-50 ms at random, release it`,
        objects: {},
        files: ['Lock'],
        workers: times(workers, 'flock-contender'),
      };
    case 'producer-consumer':
      return {
        name: scenario,
        description: 'a bounded buffer of 8 slots: POSIX semaphores Free and Filled count slots, a POSIX semaphore of 1 guards the buffer',
        objects: {
          Free: { kind: 'posix-semaphore', name: posix('Free'), count: 8 },
          Filled: { kind: 'posix-semaphore', name: posix('Filled'), count: 0 },
          Buffer: { kind: 'posix-semaphore', name: posix('Buffer'), count: 1 },
        },
        workers: [...times(half, 'producer'), ...times(Math.max(1, workers - half), 'consumer')],
      };
    case 'bank': {
      const customers = Math.max(1, workers - 1);
      return {
        name: scenario,
        description:
          'customers wait on POSIX semaphores "bank open" and "transactions open"; the manager opens each by posting one unit per customer (POSIX semaphores have no broadcast) and closes it by draining',
        objects: {
          BankOpen: { kind: 'posix-semaphore', name: posix('BankOpen'), count: 0 },
          TransactionsOpen: { kind: 'posix-semaphore', name: posix('TransactionsOpen'), count: 0 },
        },
        workers: [{ role: `manager-posix:${customers}` }, ...times(customers, 'customer')],
      };
    }
    case 'timer':
      return {
        name: scenario,
        description: 'Linux has no named timer: a clock worker posts a POSIX semaphore every 300 ms, waking one waiting worker per period',
        objects: { Tick: { kind: 'posix-semaphore', name: posix('Tick'), count: 0 } },
        workers: [{ role: 'clock' }, ...times(Math.max(1, workers - 1), 'ticker')],
      };
    case 'deadlock':
      return {
        name: scenario,
        description: 'two workers take file locks A and B (flock) in opposite orders and hang for good: the kernel shows both waits, SyncScope the cycle',
        objects: {},
        files: ['A', 'B'],
        workers: [{ role: 'flock-a-then-b' }, { role: 'flock-b-then-a' }],
      };
    case 'abandoned':
      return {
        name: scenario,
        description:
          'a worker exits while holding a POSIX semaphore used as a lock: unlike a Windows mutex the kernel neither gives it back nor tells anyone; the next acquirer times out and repairs it',
        objects: { Lock: { kind: 'posix-semaphore', name: posix('Lock'), count: 1 } },
        workers: [{ role: 'abandoner', respawn: true }, { role: 'acquirer-posix' }],
      };
  }
}
