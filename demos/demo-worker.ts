// A demo worker: a real process that contends on the demo's named objects through the same
// native backend the inspector uses. Started by demos/runner.ts with one JSON argument:
//   {"scenario", "role", "index", "objects": {short name: path}}
// It reports what it does to its parent over the IPC channel and exits when the parent goes.
import { isNativeError, loadBackend, messageOf, type ActionRequest, type ActionResult } from '../native';

interface WorkerArgs {
  scenario: string;
  role: string;
  index: number;
  objects: Record<string, string>;
  /** The process running the demo (the app's engine, or the CLI): it may inspect this one. */
  inspector?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const backend = loadBackend();
let stopping = false;
// In the app, main starts workers, so the engine is a sibling: where Yama limits ptrace to
// ancestors, the engine could not see what this worker waits on without this.
if (args.inspector) backend.allowInspectionBy?.(args.inspector);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const path = (short: string) => args.objects[short];

/**
 * The line to the runner. Forked (CLI, serve mode): the IPC channel, which closes when the parent
 * goes. An Electron utility process (the app): a MessagePort that main hands over in its first
 * message, which closes when the engine goes.
 */
interface RunnerLink {
  send(message: unknown): void;
}
function connectToRunner(onStop: () => void): RunnerLink {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (!parentPort) {
    process.on('disconnect', onStop);
    process.on('message', (message) => (message === 'stop' ? onStop() : undefined));
    return { send: (message) => process.send?.(message) };
  }
  let port: WorkerPort | undefined;
  const early: unknown[] = [];
  parentPort.once('message', (event) => {
    port = event.ports[0];
    if (!port) return onStop();
    port.on('message', (message) => (message.data === 'stop' ? onStop() : undefined));
    port.on('close', onStop);
    port.start();
    for (const message of early.splice(0)) port.postMessage(message);
  });
  return { send: (message) => (port ? port.postMessage(message) : early.push(message)) };
}
interface WorkerPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
}
interface ParentPort {
  once(event: 'message', listener: (message: { data: unknown; ports: WorkerPort[] }) => void): void;
}

const runner = connectToRunner(stop);

function report(event: string, detail: Record<string, unknown> = {}): void {
  runner.send({ type: 'event', role: args.role, index: args.index, pid: process.pid, event, ...detail });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  // Pending waits are cancelled and held mutexes released on their owning threads (bounded:
  // a mutex left then is abandoned by the kill). A flock blocked on a libuv worker thread would
  // hold process.exit() back for as long as it blocks, which in the deadlock demo is forever.
  // Whatever this process still holds, the kernel releases when it dies.
  const bound = new Promise((resolve) => setTimeout(resolve, 1000));
  void Promise.race([backend.endWaits?.(), bound])
    .catch(() => undefined)
    .finally(() => {
      backend.dispose();
      process.kill(process.pid, 'SIGKILL');
    });
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

async function act(request: ActionRequest): Promise<ActionResult | undefined> {
  try {
    return await backend.act(request);
  } catch (error) {
    // A wait that timed out is part of the demo; one cancelled because the worker is stopping ends it.
    if (isNativeError(error) && (error.kind === 'timeout' || (stopping && error.kind === 'cancelled'))) return undefined;
    throw error;
  }
}
const waitFor = (short: string, timeoutMs = 2000, index?: number) => act({ action: 'acquire', name: path(short), timeoutMs, index });
const post = (short: string, count = 1, index?: number) => act({ action: 'release', name: path(short), count, index });

/** Holds a file lock (flock on Linux) for the duration of `work`. */
async function withFileLock(short: string, work: () => Promise<void>): Promise<void> {
  if (!backend.lockFile) throw new Error(`file locks are not available on ${backend.platform}`);
  const lease = await backend.lockFile(path(short), true);
  try {
    await work();
  } finally {
    lease.release();
  }
}
const signal = (short: string, action: 'set' | 'reset') => act({ action, name: path(short) });
const signaled = (short: string) => {
  const object = backend.open(path(short), 'event');
  try {
    return (object.sample() as { signaled: boolean }).signaled;
  } finally {
    object.close();
  }
};
async function until(condition: () => boolean): Promise<void> {
  while (!stopping && !condition()) await sleep(10);
}

async function moveItems(from: string, to: string, event: string): Promise<void> {
  for (let item = 1; !stopping; item++) {
    if (!(await waitFor(from))) continue;
    if (await waitFor('Buffer')) {
      await sleep(random(1, 5));
      await post('Buffer');
    }
    await post(to);
    report(event, { item });
    // Both sides at the same average pace: the buffer wanders between empty and full.
    await sleep(random(40, 120));
  }
}

// Roles named *-sysv, *-posix, flock-*, clock: the Linux stand-ins (demos/linux-scenarios.ts).
const STEP = { ready: 0, go: 1, done: 2 };

const roles: Record<string, () => Promise<void>> = {
  async 'handshake-parent-sysv'() {
    for (let round = 1; !stopping; round++) {
      if (!(await waitFor('Steps', 5000, STEP.ready))) continue;
      report('ready seen', { round });
      await sleep(150);
      await post('Steps', 1, STEP.go);
      report('go', { round });
      if (!(await waitFor('Steps', 5000, STEP.done))) continue;
      report('done seen', { round });
      await sleep(200);
    }
  },
  async 'handshake-child-sysv'() {
    for (let round = 1; !stopping; round++) {
      await post('Steps', 1, STEP.ready);
      report('ready', { round });
      if (!(await waitFor('Steps', 5000, STEP.go))) continue;
      report('working', { round });
      await sleep(150);
      await post('Steps', 1, STEP.done);
      report('done', { round });
      await sleep(50);
    }
  },
  async 'flock-contender'() {
    while (!stopping) {
      await withFileLock('Lock', async () => {
        report('acquired');
        await sleep(random(5, 50));
      });
      await sleep(random(0, 20));
    }
  },
  async 'flock-a-then-b'() {
    await withFileLock('A', async () => {
      report('holds A, wants B');
      await sleep(300);
      await withFileLock('B', async () => report('holds both'));
    });
  },
  async 'flock-b-then-a'() {
    await withFileLock('B', async () => {
      report('holds B, wants A');
      await sleep(300);
      await withFileLock('A', async () => report('holds both'));
    });
  },
  async clock() {
    while (!stopping) {
      await sleep(300);
      await post('Tick');
    }
  },
  async 'acquirer-posix'() {
    while (!stopping) {
      await sleep(1200);
      if (await waitFor('Lock', 2500)) {
        report('acquired');
        await sleep(100);
        await post('Lock');
      } else {
        // Nobody will ever give it back: the holder died with it. Repair, as a recovery path would.
        report('lock never came back: its holder died holding it');
        await post('Lock');
      }
    }
  },
  // Handshake, one manual-reset event: the child sets it (ready); the parent resets it and sets
  // it again (go); the child resets it, works, and sets it (done); the parent resets it.
  async 'handshake-parent'() {
    for (let round = 1; !stopping; round++) {
      if (!(await waitFor('Signal'))) continue;
      await signal('Signal', 'reset');
      report('ready seen', { round });
      await sleep(150);
      await signal('Signal', 'set');
      report('go', { round });
      await until(() => !signaled('Signal'));
      if (!(await waitFor('Signal', 5000))) continue;
      await signal('Signal', 'reset');
      report('done seen', { round });
      await sleep(200);
    }
  },
  async 'handshake-child'() {
    for (let round = 1; !stopping; round++) {
      await until(() => !signaled('Signal'));
      await signal('Signal', 'set');
      report('ready', { round });
      await until(() => !signaled('Signal'));
      if (!(await waitFor('Signal', 5000))) continue;
      await signal('Signal', 'reset');
      report('working', { round });
      await sleep(150);
      await signal('Signal', 'set');
      report('done', { round });
      await sleep(50);
    }
  },
  async contender() {
    while (!stopping) {
      if (await waitFor('Lock', 5000)) {
        report('acquired');
        await sleep(random(5, 50));
        await act({ action: 'release', name: path('Lock') });
      }
      await sleep(random(0, 20));
    }
  },
  // Producer and consumer are one loop, mirrored: take a slot from one count, fill or empty it
  // under the buffer lock, give it to the other count.
  producer: () => moveItems('Free', 'Filled', 'produced'),
  consumer: () => moveItems('Filled', 'Free', 'consumed'),
  async manager() {
    while (!stopping) {
      await signal('BankOpen', 'set');
      report('bank open');
      await sleep(600);
      await signal('TransactionsOpen', 'set');
      report('transactions open');
      await sleep(1000);
      await signal('TransactionsOpen', 'reset');
      await sleep(300);
      await signal('BankOpen', 'reset');
      report('bank closed');
      await sleep(700);
    }
  },
  async customer() {
    while (!stopping) {
      if (!(await waitFor('BankOpen', 5000))) continue;
      if (!(await waitFor('TransactionsOpen', 5000))) continue;
      report('transaction');
      await sleep(random(100, 400));
    }
  },
  async ticker() {
    while (!stopping) if (await waitFor('Tick', 5000)) report('tick');
  },
  async 'lock-a-then-b'() {
    await waitFor('A', 60_000);
    report('holds A, wants B');
    await sleep(300);
    while (!stopping && !(await waitFor('B', 60_000)));
  },
  async 'lock-b-then-a'() {
    await waitFor('B', 60_000);
    report('holds B, wants A');
    await sleep(300);
    while (!stopping && !(await waitFor('A', 60_000)));
  },
  async abandoner() {
    // Leave the abandoned state visible for a while before taking the mutex again.
    await sleep(1000);
    if (await waitFor('Lock', 10_000)) {
      report('owns the lock and exits without releasing it');
      await sleep(300);
      // Exit while owning it: the kernel marks it abandoned.
      process.exit(0);
    }
  },
  async acquirer() {
    while (!stopping) {
      await sleep(1200);
      const result = await waitFor('Lock', 5000);
      if (!result) continue;
      report(result.abandoned ? 'acquired an abandoned mutex' : 'acquired', { abandoned: Boolean(result.abandoned) });
      await sleep(100);
      await act({ action: 'release', name: path('Lock') });
    }
  },
};

const [roleName, roleArgument] = args.role.split(':');
if (roleName === 'manager-posix') {
  const customers = Number(roleArgument);
  roles['manager-posix'] = async () => {
    while (!stopping) {
      await post('BankOpen', customers);
      report('bank open');
      await sleep(600);
      await post('TransactionsOpen', customers);
      report('transactions open');
      await sleep(1000);
      // Closing: take back whatever units the customers did not use.
      await act({ action: 'drain', name: path('TransactionsOpen') });
      await sleep(300);
      await act({ action: 'drain', name: path('BankOpen') });
      report('bank closed');
      await sleep(700);
    }
  };
}
// Like a real program, hold a handle to each object for the worker's whole life (not only while
// waiting on it): the inspector lists every worker among the holders. Lock files are not objects.
const kept = Object.values(args.objects).flatMap((where) => {
  try {
    return [backend.open(where)];
  } catch {
    return [];
  }
});
process.on('exit', () => kept.forEach((object) => object.close()));

const run = roles[roleName];
if (!run) {
  process.stderr.write(`demo worker: unknown role ${args.role}\n`);
  process.exit(2);
}
run().then(
  () => stop(),
  (error: unknown) => {
    // Stopping: stop() ends the process once its waits are cancelled and its mutexes released.
    if (stopping) return;
    process.stderr.write(`demo worker ${args.role}: ${messageOf(error)}\n`);
    process.exit(1);
  },
);
