// What the Linux bench parts made is removed however the part ends; what cannot be removed now is
// left for the orchestrator's sweep (bench.ts).
import fs from 'node:fs';
import { IPC_RMID, libc } from '../native/linux/libc';

/** Removes POSIX semaphore files and System V sets. */
export function removeSemaphores(files: Iterable<string>, sysvIds: Iterable<number>): void {
  for (const file of files) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // the orchestrator sweeps again
    }
  }
  for (const semid of sysvIds) {
    try {
      libc().semctl(semid, 0, IPC_RMID);
    } catch {
      // idem
    }
  }
}

/** Runs `cleanup` when the process exits, and on SIGINT, SIGTERM and SIGHUP before exiting 130. */
export function cleanUpOnExit(cleanup: () => void): void {
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
}
