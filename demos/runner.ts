// Runs a demo: creates its named objects (kept alive by this process), starts its workers as real
// processes, and tears everything down on stop, on exit and on Ctrl-C: no orphans, no leftovers.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Backend, CreatedObject } from '../native';
import { DEFAULT_WORKERS, objectName, win32Plan, type ScenarioName, type ScenarioPlan } from './scenarios';
import { LOCK_FOLDER_PREFIX, removeDemoLeftovers } from './leftovers';
import { linuxPlan } from './linux-scenarios';

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
  private readonly children = new Set<ChildProcess>();
  private readonly workerScript: string;
  private stopped = false;
  private fileDir?: string;
  private readonly onProcessExit = () => this.killAll();

  constructor(private readonly options: DemoOptions) {
    const run = `${process.pid}-${Date.now().toString(36)}`;
    this.plan = planFor(options.backend, options.scenario, options.workers ?? DEFAULT_WORKERS, run);
    this.workerScript = options.workerScript ?? defaultWorkerScript();
  }

  start(): void {
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
    this.plan.workers.forEach((worker, index) => this.spawn(worker.role, index, Boolean(worker.respawn)));
  }

  get running(): boolean {
    return !this.stopped;
  }

  get pids(): number[] {
    return [...this.children].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  /** Asks the workers to stop, kills any that do not within a grace period, closes the objects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exits = [...this.children].map(
      (child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()))),
    );
    for (const child of this.children) if (child.connected) child.send('stop');
    const grace = new Promise<void>((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.all(exits), grace]);
    this.killAll();
    await Promise.all(exits);
    process.off('exit', this.onProcessExit);
    await this.closeObjects();
  }

  private spawn(role: string, index: number, respawn: boolean): void {
    const args = JSON.stringify({ scenario: this.plan.name, role, index, objects: this.objects });
    let child: ChildProcess;
    try {
      child = fork(this.workerScript, [args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    } catch (error) {
      // Process creation can fail under load; a respawning role tries again, others report it.
      this.record({ role, index, pid: 0, event: `could not start: ${error instanceof Error ? error.message : String(error)}` });
      if (respawn && !this.stopped) setTimeout(() => !this.stopped && this.spawn(role, index, respawn), 1000);
      return;
    }
    child.on('error', (error) => this.record({ role, index, pid: child.pid ?? 0, event: `error: ${error.message}` }));
    this.children.add(child);
    child.on('message', (message) => {
      if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'event') return;
      const { type: _type, ...event } = message as DemoEvent & { type: string };
      this.record(event);
    });
    child.once('exit', (code) => {
      this.children.delete(child);
      this.options.onExit?.({ role, index, pid: child.pid, code });
      if (respawn && !this.stopped) setTimeout(() => !this.stopped && this.spawn(role, index, respawn), 200);
    });
  }

  private record(event: Omit<DemoEvent, 't'>): void {
    const stamped = { ...event, t: Date.now() } as DemoEvent;
    this.events.push(stamped);
    if (this.events.length > 10_000) this.events.shift();
    this.options.onEvent?.(stamped);
  }

  private killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }

  private async closeObjects(): Promise<void> {
    for (const object of this.created.splice(0)) {
      object.close();
      // Linux semaphores outlive their creator (kernel persistence): remove them explicitly.
      if (this.options.backend.platform === 'linux') {
        await this.options.backend.act({ action: 'unlink', name: object.path }).catch(() => undefined);
      }
    }
    if (this.fileDir) fs.rmSync(this.fileDir, { recursive: true, force: true });
    this.fileDir = undefined;
  }
}
