// What a demo killed outright (SIGKILL, a crash) leaves behind: its POSIX semaphores in /dev/shm
// and its folder of lock files in the temp directory, both named after the pid of the process that
// ran it. The next demo removes those of processes that no longer exist and that belong to this
// user. A pid in use again, by whatever program, keeps its leftovers: better a leftover than
// removing the objects of a demo that is running. (A System V set made with IPC_PRIVATE carries no
// name to recognise it by, so a killed handshake demo's set stays: `syncscope unlink sysv:<semid>`.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SHM = '/dev/shm';
/** sem.SyncScopeDemo.<scenario>.<pid>-<time>.<short> (see scenarios.ts objectName). */
const DEMO_SEMAPHORE = /^sem\.SyncScopeDemo\.[a-z-]+\.(\d+)-[0-9a-z]+\./;
/** The lock-file folder a demo makes in the temp directory (runner.ts). */
export const LOCK_FOLDER_PREFIX = 'syncscope-demo-';
const DEMO_FOLDER = /^syncscope-demo-(\d+)-/;

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownedAndOrphaned(full: string, pid: number, isDirectory: boolean): boolean {
  if (pid === process.pid || processExists(pid)) return false;
  const stats = fs.lstatSync(full, { throwIfNoEntry: false });
  if (!stats || (isDirectory ? !stats.isDirectory() : !stats.isFile())) return false;
  return stats.uid === process.getuid?.();
}

/** Removes what killed demos left; returns the paths removed. Never throws. */
export function removeDemoLeftovers(tempDir = os.tmpdir()): string[] {
  const removed: string[] = [];
  const sweep = (dir: string, pattern: RegExp, isDirectory: boolean) => {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const match = pattern.exec(name);
      if (!match) continue;
      const full = path.join(dir, name);
      try {
        if (!ownedAndOrphaned(full, Number(match[1]), isDirectory)) continue;
        fs.rmSync(full, { recursive: isDirectory, force: true });
        removed.push(full);
      } catch {
        // gone meanwhile, or not ours to remove: leave it
      }
    }
  };
  if (process.platform === 'linux') sweep(SHM, DEMO_SEMAPHORE, false);
  sweep(tempDir, DEMO_FOLDER, true);
  return removed;
}
