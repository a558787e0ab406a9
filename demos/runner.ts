// Runs a demo: creates its named objects (kept alive by this process), starts its workers as real
// processes, and tears everything down on stop, on exit and on Ctrl-C: no orphans, no leftovers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isNativeError, messageOf, type Backend, type CreatedObject } from '../native';
import { DEFAULT_WORKERS, objectName, win32Plan, type ScenarioName, type ScenarioPlan } from './scenarios';
import { LOCK_FOLDER_PREFIX, removeDemoLeftovers } from './leftovers';
import { linuxPlan } from './linux-scenarios';
import { forkWorker, type SpawnWorker, type WorkerProcess } from './worker-process';

export interface DemoEvent {
  t: number;
  role: string;
  index: number;
  pid: number;
  event: string;
  [detail: string]: unknown;
}

export interface DemoOptions {
  backend: Backend;
  scenario: ScenarioName;
  workers?: number;
  /** The bundled worker script (dist/demo-worker.cjs or .vite/build/demo-worker.cjs). */
  workerScript?: string;
  /** How workers start (default: forked with an IPC channel; the app's engine asks main). */
  spawnWorker?: SpawnWorker;
  onEvent?: (event: DemoEvent) => void;
  onExit?: (worker: { role: string; index: number; pid?: number; code: number | null }) => void;
}

const STOP_GRACE_MS = 2000;

export function defaultWorkerScript(): string {
  const candidate = path.join(__dirname, 'demo-worker.cjs');
  if (!fs.existsSync(candidate)) throw new Error(`the demo worker is not built (${candidate}); run \`npm run build\``);
  return candidate;
}

export function planFor(backend: Backend, scenario: ScenarioName, workers: number, run: string): ScenarioPlan {
  const name = (short: string) => objectName(run, scenario, short);
  return backend.platform === 'win32' ? win32Plan(scenario, workers, name) : linuxPlan(scenario, workers, name);
}

export class DemoRunner {
  readonly plan: ScenarioPlan;
  /** Short name → full path of every object the demo created. */
  readonly objects: Record<string, string> = {};
  readonly events: DemoEvent[] = [];
  /** What demos that were killed had left, removed by start() (leftovers.ts). */
  removedLeftovers: string[] = [];
  private readonly created: CreatedObject[] = [];
  private readonly children = new Set<WorkerProcess>();
  private readonly workerScript: string;
  private stopped = false;
  private fileDir?: string;
  private readonly onProcessExit = () => this.killAll();

  private readonly spawnWorker: SpawnWorker;
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(private readonly options: DemoOptions) {
    const run = `${process.pid}-${Date.now().toString(36)}`;
    this.plan = planFor(options.backend, options.scenario, options.workers ?? DEFAULT_WORKERS, run);
    this.spawnWorker = options.spawnWorker ?? forkWorker;
    // A spawner that is not a fork picks its own script (main starts only its own worker).
    this.workerScript = options.workerScript ?? (options.spawnWorker ? '' : defaultWorkerScript());
  }

  /** Creates the objects and starts every worker; resolves once each worker runs (or failed to). */
  async start(): Promise<void> {
    this.removedLeftovers = removeDemoLeftovers();
    try {
      if (this.plan.files?.length) {
        // The pid in the name lets a later demo remove the folder if this process is killed.
        this.fileDir = fs.mkdtempSync(path.join(os.tmpdir(), `${LOCK_FOLDER_PREFIX}${process.pid}-`));
        for (const short of this.plan.files) {
          const file = path.join(this.fileDir, `${short}.lock`);
          fs.writeFileSync(file, '');
          this.objects[short] = file;
        }
      }
      for (const [short, spec] of Object.entries(this.plan.objects)) {
        const object = this.options.backend.create(spec);
        this.created.push(object);
        this.objects[short] = object.path;
      }
    } catch (error) {
      void this.closeObjects();
      throw error;
    }
    process.once('exit', this.onProcessExit);
    await Promise.all(this.plan.workers.map((worker, index) => this.spawn(worker.role, index, Boolean(worker.respawn))));
  }

  get running(): boolean {
    return !this.stopped;
  }

  get pids(): number[] {
    return [...this.children].map((child) => child.pid);
  }

  /**
   * Asks the workers to stop, kills any that do not within a grace period, closes and removes the
   * objects. Does all of it even when a part fails, then throws what failed.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const retry of this.retries) clearTimeout(retry);
    const exits = [...this.children].map((child) => new Promise<void>((resolve) => child.onExit(() => resolve())));
    for (const child of this.children) child.stop();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.all(exits), grace]);
    this.killAll();
    await Promise.all(exits);
    process.off('exit', this.onProcessExit);
    const problems = await this.closeObjects();
    if (problems.length > 0) throw new Error(`the demo stopped, but ${problems.join('; ')}`);
  }

  private async spawn(role: string, index: number, respawn: boolean): Promise<void> {
    // `inspector`: this process, which the worker lets read its waits even where it is not its parent.
    const args = JSON.stringify({ scenario: this.plan.name, role, index, objects: this.objects, inspector: process.pid });
    let child: WorkerProcess;
    try {
      child = await this.spawnWorker(this.workerScript, args);
    } catch (error) {
      // Process creation can fail under load; a respawning role tries again, others report it.
      this.record({ role, index, pid: 0, event: `could not start: ${messageOf(error)}` });
      if (respawn) this.retry(() => this.spawn(role, index, respawn), 1000);
      return;
    }
    // stop() came while this worker was starting: it must not outlive the demo.
    if (this.stopped) return child.kill();
    this.children.add(child);
    child.onMessage((message) => {
      if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'event') return;
      const { type: _type, ...event } = message as DemoEvent & { type: string };
      this.record(event);
    });
    child.onExit((code) => {
      this.children.delete(child);
      this.options.onExit?.({ role, index, pid: child.pid, code });
      if (respawn) this.retry(() => this.spawn(role, index, respawn), 200);
    });
  }

  private retry(again: () => Promise<void>, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      if (!this.stopped) void again();
    }, delayMs);
    this.retries.add(timer);
  }

  private record(event: Omit<DemoEvent, 't'>): void {
    const stamped = { ...event, t: Date.now() } as DemoEvent;
    this.events.push(stamped);
    if (this.events.length > 10_000) this.events.shift();
    this.options.onEvent?.(stamped);
  }

  private killAll(): void {
    for (const child of this.children) child.kill();
  }

  /** Closes and removes what the demo made; returns what could not be removed. */
  private async closeObjects(): Promise<string[]> {
    const problems: string[] = [];
    for (const object of this.created.splice(0)) {
      object.close();
      // Linux semaphores outlive their creator (kernel persistence): remove them explicitly.
      if (this.options.backend.platform === 'linux') {
        await this.options.backend.act({ action: 'unlink', name: object.path }).catch((error: unknown) => {
          // Already gone (someone unlinked it) is what stop wanted.
          if (isNativeError(error) && (error.kind === 'not-found' || error.kind === 'vanished')) return;
          problems.push(`${object.path} could not be removed: ${messageOf(error)}`);
        });
      }
    }
    if (this.fileDir) {
      try {
        fs.rmSync(this.fileDir, { recursive: true, force: true });
      } catch (error) {
        problems.push(`${this.fileDir} could not be removed: ${messageOf(error)}`);
      }
    }
    this.fileDir = undefined;
    return problems;
  }
}
