// System call numbers that tell what a blocked thread waits for, per architecture, as
// /proc/<pid>/task/<tid>/syscall shows them (the thread's native ABI; 32-bit compat tasks are
// not decoded). Sources: arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h.

export interface SyscallTable {
  futex: number;
  semop: number;
  semtimedop: number;
  flock: number;
  fcntl: number;
  wait4: number;
  waitid: number;
}

const TABLES: Record<string, SyscallTable> = {
  x64: { futex: 202, semop: 65, semtimedop: 220, flock: 73, fcntl: 72, wait4: 61, waitid: 247 },
  arm64: { futex: 98, semop: 193, semtimedop: 192, flock: 32, fcntl: 25, wait4: 260, waitid: 95 },
};

export function syscallTable(arch: string = process.arch): SyscallTable | undefined {
  return TABLES[arch];
}

/** futex(2) operations that wait on a word (the command bits, without PRIVATE and CLOCK_REALTIME). */
export const FUTEX_CMD_MASK = 0x7f;
export const FUTEX_WAIT = 0;
export const FUTEX_WAIT_BITSET = 9;
/** fcntl(2) commands that wait for a lock. */
export const F_SETLKW = 7;
export const F_OFD_SETLKW = 38;
/** waitid(2) id types. */
export const P_ALL = 0;
export const P_PID = 1;
