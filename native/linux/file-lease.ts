// flock(2) taken by this process on a file, for the demos' workers: a file lock is the Linux
// object whose holder and waiters the kernel shows (/proc/locks), so lock hand-overs and lock
// cycles between real processes are visible to the inspector.
import fs from 'node:fs';
import type { FileLease } from '../backend';
import { errnoError } from './errno';
import { LOCK_EX, LOCK_SH, LOCK_UN, libc } from './libc';
import { linuxWaitThreads, waitMessage } from './waits';

/**
 * Blocks until locked, on a thread of its own (never the event loop's thread or libuv's pool).
 * A flock wait cannot be cancelled: in a lock cycle it lasts until the process exits, and the
 * thread does not keep the process alive.
 */
export async function lockFile(path: string, exclusive: boolean): Promise<FileLease> {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const thread = linuxWaitThreads.take();
    // A lock cycle never ends this wait: the thread must not hold the process's exit back.
    thread.keepsProcessAlive(false);
    let answer;
    try {
      answer = await thread.ask({ ...waitMessage({ mode: 'flock', fd, operation: exclusive ? LOCK_EX : LOCK_SH }, 1, 0) });
    } catch (error) {
      linuxWaitThreads.abandon(thread);
      throw error;
    }
    linuxWaitThreads.give(thread);
    if (answer.outcome !== 'signaled') throw errnoError(answer.errno as number, 'flock', path);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      libc().flock(fd, LOCK_UN);
      fs.closeSync(fd);
    },
  };
}
