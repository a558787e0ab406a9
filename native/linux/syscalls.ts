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
export const P_PGID = 2;

/**
 * Names of the system calls a blocked thread is commonly found in, for people ("sleeping in
 * read"). Anything else is shown as `syscall <nr>`.
 */
const NAMES: Record<string, Record<number, string>> = {
  x64: {
    0: 'read', 1: 'write', 7: 'poll', 17: 'pread64', 18: 'pwrite64', 19: 'readv', 20: 'writev', 23: 'select',
    34: 'pause', 35: 'nanosleep', 43: 'accept', 44: 'sendto', 45: 'recvfrom', 46: 'sendmsg', 47: 'recvmsg',
    61: 'wait4', 65: 'semop', 69: 'msgsnd', 70: 'msgrcv', 72: 'fcntl', 73: 'flock', 74: 'fsync',
    101: 'ptrace', 130: 'rt_sigsuspend', 128: 'rt_sigtimedwait', 202: 'futex', 220: 'semtimedop',
    230: 'clock_nanosleep', 232: 'epoll_wait', 240: 'mq_timedsend', 241: 'mq_timedreceive', 247: 'waitid',
    270: 'pselect6', 271: 'ppoll', 281: 'epoll_pwait', 288: 'accept4', 299: 'recvmmsg', 307: 'sendmmsg',
    426: 'io_uring_enter', 441: 'epoll_pwait2', 449: 'futex_waitv',
  },
  arm64: {
    25: 'fcntl', 32: 'flock', 63: 'read', 64: 'write', 65: 'readv', 66: 'writev', 67: 'pread64', 68: 'pwrite64',
    72: 'pselect6', 73: 'ppoll', 82: 'fsync', 95: 'waitid', 98: 'futex', 101: 'nanosleep', 115: 'clock_nanosleep',
    117: 'ptrace', 133: 'rt_sigsuspend', 137: 'rt_sigtimedwait', 182: 'mq_timedsend', 183: 'mq_timedreceive',
    188: 'msgrcv', 189: 'msgsnd', 192: 'semtimedop', 193: 'semop', 202: 'accept', 206: 'sendto', 207: 'recvfrom',
    211: 'sendmsg', 212: 'recvmsg', 22: 'epoll_pwait', 242: 'accept4', 243: 'recvmmsg', 260: 'wait4',
    269: 'sendmmsg', 426: 'io_uring_enter', 441: 'epoll_pwait2', 449: 'futex_waitv',
  },
};

export function syscallName(nr: number, arch: string = process.arch): string {
  return NAMES[arch]?.[nr] ?? `syscall ${nr}`;
}
