// A Backend whose objects live in memory, for testing the engine and front ends without an OS.
// States are set by the test; open() of a missing name throws not-found as a real backend does.
import type { Backend, SampledObject } from '../../native/backend';
import { NativeError } from '../../native/errors';
import type { ActionRequest, ActionResult } from '../../native/actions';

export class MemoryBackend implements Backend {
  readonly platform = 'linux' as const;
  readonly sampledKinds = ['event', 'mutex', 'semaphore', 'timer'];
  readonly objects = new Map<string, { kind: string; state: Record<string, unknown> }>();
  readonly acted: ActionRequest[] = [];

  add(path: string, kind: string, state: Record<string, unknown>): this {
    this.objects.set(path, { kind, state });
    return this;
  }

  capabilities() {
    const yes = { supported: true };
    return {
      platform: 'memory',
      osRelease: 'test',
      architecture: 'test',
      enumerate: yes,
      queryState: yes,
      mutexOwner: { supported: false, reason: 'memory backend' },
      holders: yes,
      waiters: { supported: false, reason: 'memory backend' },
      actions: yes,
      handleCount: yes,
    };
  }
  defaultScopes() {
    return ['\\Memory'];
  }
  scan() {
    return [...this.objects].map(([path, o]) => ({
      kind: o.kind,
      name: path.split('\\').pop()!,
      path,
      directory: '\\Memory',
      typeName: o.kind,
    }));
  }
  resolve(name: string) {
    return name.startsWith('\\') ? name : `\\Memory\\${name}`;
  }
  open(name: string): SampledObject {
    const path = this.resolve(name);
    const object = this.objects.get(path);
    if (!object) throw new NativeError('not-found', 'open', `no object named ${path}`, 'NOT_FOUND');
    return { kind: object.kind, name: path.split('\\').pop()!, path, sample: () => ({ ...object.state }) as never, close: () => undefined };
  }
  holders(paths: string[]) {
    return { holders: new Map(paths.map((p) => [p, [{ pid: 42, processName: 'owner' }]])) };
  }
  waiters(): never {
    throw new NativeError('unsupported', 'waiters', 'memory backend', 'UNSUPPORTED');
  }
  async act(request: ActionRequest): Promise<ActionResult> {
    this.acted.push(request);
    const path = this.resolve(request.name);
    const object = this.objects.get(path);
    if (!object) throw new NativeError('not-found', 'act', `no object named ${path}`, 'NOT_FOUND');
    if (request.action === 'set') object.state.signaled = true;
    if (request.action === 'reset') object.state.signaled = false;
    return { path, kind: object.kind, action: request.action, detail: `${request.action} ${path}` };
  }
  create(): never {
    throw new NativeError('unsupported', 'create', 'memory backend', 'UNSUPPORTED');
  }
  processHandleCount() {
    return 0;
  }
  dispose() {}
}
