// flock(2) taken by this process on a file, for the demos' workers: a file lock is the Linux
// object whose holder and waiters the kernel shows (/proc/locks), so lock hand-overs and lock
// cycles between real processes are visible to the inspector.
import fs from 'node:fs';
import type { FileLease } from '../backend';
import { errnoError } from './errno';
import { ERRNO, LOCK_EX, LOCK_SH, LOCK_UN, libc, lastErrno } from './libc';

/** Blocks (on a libuv worker thread, so this process's event loop keeps running) until locked. */
export async function lockFile(path: string, exclusive: boolean): Promise<FileLease> {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  for (;;) {
    const outcome = await new Promise<{ ok: boolean; errno: number }>((resolve, reject) =>
      libc().flock.async(fd, exclusive ? LOCK_EX : LOCK_SH, (error, result) =>
        error ? reject(error) : resolve({ ok: result === 0, errno: result === 0 ? 0 : lastErrno() }),
      ),
    ).catch((error: unknown) => {
      fs.closeSync(fd);
      throw error;
    });
    if (outcome.ok) break;
    if (outcome.errno === ERRNO.EINTR) continue;
    fs.closeSync(fd);
    throw errnoError(outcome.errno, 'flock', path);
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
