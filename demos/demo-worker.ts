// A demo worker: a real process that contends on the demo's named objects through the same
// native backend the inspector uses. Started by demos/runner.ts with one JSON argument:
//   {"scenario", "role", "index", "objects": {short name: path}}
// It reports what it does to its parent over the IPC channel and exits when the parent goes.
import { isNativeError, loadBackend, type ActionRequest, type ActionResult } from '../native';

interface WorkerArgs {
  scenario: string;
  role: string;
  index: number;
  objects: Record<string, string>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const backend = loadBackend();
let stopping = false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const path = (short: string) => args.objects[short];

function report(event: string, detail: Record<string, unknown> = {}): void {
  process.send?.({ type: 'event', role: args.role, index: args.index, pid: process.pid, event, ...detail });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  backend.dispose();
  process.exit(0);
}
// The parent's IPC channel closes when it exits or is killed: never outlive it.
process.on('disconnect', stop);
process.on('message', (message) => (message === 'stop' ? stop() : undefined));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

async function act(request: ActionRequest): Promise<ActionResult | undefined> {
  try {
    return await backend.act(request);
  } catch (error) {
    if (isNativeError(error) && error.kind === 'timeout') return undefined;
    throw error;
  }
}
const waitFor = (short: string, timeoutMs = 2000) => act({ action: 'acquire', name: path(short), timeoutMs });
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

const roles: Record<string, () => Promise<void>> = {
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
  async producer() {
    for (let item = 1; !stopping; item++) {
      if (!(await waitFor('Free'))) continue;
      if (await waitFor('Buffer')) {
        await sleep(random(1, 5));
        await act({ action: 'release', name: path('Buffer') });
      }
      await act({ action: 'release', name: path('Filled') });
      report('produced', { item });
      // As fast as the consumers on average: the buffer wanders between empty and full.
      await sleep(random(40, 120));
    }
  },
  async consumer() {
    for (let item = 1; !stopping; item++) {
      if (!(await waitFor('Filled'))) continue;
      if (await waitFor('Buffer')) {
        await sleep(random(1, 5));
        await act({ action: 'release', name: path('Buffer') });
      }
      await act({ action: 'release', name: path('Free') });
      report('consumed', { item });
      await sleep(random(40, 120));
    }
  },
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
      report('owns the mutex and exits without releasing it');
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

const run = roles[args.role];
if (!run) {
  process.stderr.write(`demo worker: unknown role ${args.role}\n`);
  process.exit(2);
}
run().then(
  () => stop(),
  (error: unknown) => {
    if (!stopping) process.stderr.write(`demo worker ${args.role}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
