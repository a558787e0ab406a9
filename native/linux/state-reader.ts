// The Linux backend's reader: many objects per call, the sampler's hot path. POSIX semaphores are
// read through kept mappings (mapped-semaphores.ts), System V sets with one IPC_STAT deciding
// whether values must be read again (sysv-reader.ts), and file locks from one read of /proc/locks
// for all the locks asked for in a call.
import type { ReadOptions, ReadTarget, StateReader } from '../backend';
import { NativeError } from '../errors';
import type { ObjectState } from '../types';
import { readLockRecords, sampleLock, type LockWaiterPid } from './file-locks';
import { MappedSemaphores } from './mapped-semaphores';
import { LOCK_PREFIX, SEM_INODE_PREFIX } from './names';
import { UnlinkedSemaphoreReader } from './unlinked-semaphores';
import type { LockRecord } from './parse';
import { SysvReader } from './sysv-reader';

export class LinuxStateReader implements StateReader {
  readonly semaphores = new MappedSemaphores();
  readonly sets = new SysvReader();
  readonly unlinked = new UnlinkedSemaphoreReader();

  constructor(private readonly lockWaiterPid: LockWaiterPid) {}

  read(targets: readonly ReadTarget[], options?: ReadOptions): Array<ObjectState | Error> {
    const results = new Array<ObjectState | Error>(targets.length);
    const posix: number[] = [];
    const unlinked: number[] = [];
    let locks: LockRecord[] | undefined;
    const now = Date.now();
    for (let i = 0; i < targets.length; i++) {
      const { kind, path } = targets[i];
      try {
        if (kind === 'posix-semaphore') (path.startsWith(SEM_INODE_PREFIX) ? unlinked : posix).push(i);
        else if (kind === 'sysv-semaphore') results[i] = this.sets.read(path, now);
        else if (kind === 'file-lock' && path.startsWith(LOCK_PREFIX)) {
          locks ??= readLockRecords();
          results[i] = sampleLock(path.slice(LOCK_PREFIX.length), locks, this.lockWaiterPid);
        } else {
          results[i] = new NativeError('wrong-type', 'read', `${path} is not a Linux object this reader knows (${kind})`, 'EINVAL');
        }
      } catch (error) {
        results[i] = error as Error;
      }
    }
    if (posix.length > 0) {
      const states = this.semaphores.read(
        posix.map((i) => targets[i].path),
        options?.quick === true,
      );
      for (let j = 0; j < posix.length; j++) results[posix[j]] = states[j];
    }
    if (unlinked.length > 0) {
      const states = this.unlinked.read(unlinked.map((i) => targets[i].path));
      for (let j = 0; j < unlinked.length; j++) results[unlinked[j]] = states[j];
    }
    return results;
  }

  forget(path: string): void {
    this.unlinked.forget(path);
    this.semaphores.forget(path);
    this.sets.forget(path);
  }

  close(): void {
    this.unlinked.close();
    this.semaphores.close();
    this.sets.close();
  }
}
