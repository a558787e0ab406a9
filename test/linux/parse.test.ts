// The Linux layer's pure logic on recorded kernel text: /proc/locks (nested and OFD waiters),
// maps, syscall, sysvipc, the glibc semaphore word, names, waiter matching, terminal rendering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeState } from '../../cli/format';
import { ACTIONS_BY_KIND, resolveAction } from '../../native/actions';
import { validatePosixName, parseTarget, parseKey, formatKey, kindOfPath, semInodeOf } from '../../native/linux/names';
import {
  decodeSemWord,
  deviceString,
  intArg,
  parseLockLine,
  parseLocks,
  parseMaps,
  parseMapsLine,
  parseSyscall,
  parseSysvipcSem,
  splitDev,
  parseStat,
  parseExecStart,
  parseStatusUid,
  parseStatusTgid,
  parseCmdline,
  decodePthreadMutexHead,
  looksLikeLockedMutex,
} from '../../native/linux/parse';
import { mappingLabel, semaphoreMappings } from '../../native/linux/unlinked-semaphores';
import { decodeBlockedCall, matchLockWaiters, matchSemaphoreWaiters, matchSysvWaiters, type BlockedThreads } from '../../native/linux/waiters';
import { syscallTable } from '../../native/linux/syscalls';
import { ProcessNames, newTally } from '../../native/linux/procfs';

// Recorded on kernel 6.18: a flock holder with a READ waiter and a WRITE waiter nested under it,
// and an OFD lock with a blocked OFD request (the kernel prints -1 for OFD pids).
const PROC_LOCKS = `1: POSIX  ADVISORY  WRITE 11146 fe:00:2229318 0 0
2: FLOCK  ADVISORY  WRITE 14594 fe:00:2261061 0 EOF
2: -> FLOCK  ADVISORY  READ 14597 fe:00:2261061 0 EOF
2:  -> FLOCK  ADVISORY  WRITE 14596 fe:00:2261061 0 EOF
3: OFDLCK ADVISORY  WRITE -1 fe:00:2261255 0 9
3: -> OFDLCK ADVISORY  READ -1 fe:00:2261255 0 99
4: LEASE  ACTIVE    READ 999 fe:00:77 0 EOF
5: POSIX  ADVISORY  READ 500 103:02:1234 20 24
6: POSIX  ADVISORY  READ 500 103:02:1234 20 24
`;

const blockedNone = (): BlockedThreads => ({ futex: [], semop: [], locks: [], children: [], tally: newTally() });

describe('Linux parsers', () => {
  test('decodeSemWord: value in the low 32 bits, waiters in the high 32 (recorded: two waiters)', () => {
    assert.deepEqual(decodeSemWord(Buffer.from('0000000002000000', 'hex')), { count: 0, waiters: 2 });
    assert.deepEqual(decodeSemWord(Buffer.from('0500000000000000', 'hex')), { count: 5, waiters: 0 });
    assert.deepEqual(decodeSemWord(Buffer.from('ffffff7f01000000', 'hex')), { count: 0x7fffffff, waiters: 1 });
    assert.throws(() => decodeSemWord(Buffer.alloc(4)), RangeError);
  });

  test('splitDev and deviceString: dev_t as stat gives it, maj:min as /proc writes it', () => {
    assert.deepEqual(splitDev(0xfe00n), { major: 0xfe, minor: 0 });
    assert.deepEqual(splitDev(27n), { major: 0, minor: 0x1b });
    // glibc makedev(): minor's low byte, then 12 bits of major, then the rest of minor.
    assert.deepEqual(splitDev((0x103n << 8n) | 0x45n | ((0x12345n & ~0xffn) << 12n)), { major: 0x103, minor: 0x12345 });
    assert.equal(deviceString(0xfe, 0), 'fe:00');
    assert.equal(deviceString(0x103, 2), '103:02');
  });

  test('parseLockLine: levels from the indentation before "->"', () => {
    const lines = PROC_LOCKS.trim().split('\n').map(parseLockLine);
    assert.deepEqual(lines.map((l) => l?.level), [0, 0, 1, 2, 0, 1, 0, 0, 0]);
    assert.deepEqual(lines[3], {
      ordinal: 2,
      level: 2,
      type: 'FLOCK',
      mode: 'WRITE',
      pid: 14596,
      device: 'fe:00',
      inode: 2261061,
      start: 0,
      end: null,
    });
    assert.equal(parseLockLine('garbage'), undefined);
    assert.equal(parseLockLine('1: POSIX  ADVISORY  WRITE 1 <none>:0 0 EOF'), undefined);
    // fdinfo's lock lines are the same format after "lock:\t".
    assert.equal(parseLockLine('\t1: OFDLCK ADVISORY  WRITE -1 fe:00:2261255 0 9')?.pid, -1);
  });

  test('parseLocks: granted locks with every blocked request, leases left out, duplicates numbered', () => {
    const records = parseLocks(PROC_LOCKS);
    assert.deepEqual(
      records.map((r) => [r.id, r.lockType, r.mode, r.pid, r.start, r.end, r.blocked.map((b) => [b.pid, b.level])]),
      [
        ['POSIX:fe:00:2229318:0:0', 'POSIX', 'WRITE', 11146, 0, 0, []],
        ['FLOCK:fe:00:2261061:0:EOF', 'FLOCK', 'WRITE', 14594, 0, null, [[14597, 1], [14596, 2]]],
        ['OFDLCK:fe:00:2261255:0:9', 'OFDLCK', 'WRITE', -1, 0, 9, [[-1, 1]]],
        ['POSIX:103:02:1234:20:24', 'POSIX', 'READ', 500, 20, 24, []],
        ['POSIX:103:02:1234:20:24#2', 'POSIX', 'READ', 500, 20, 24, []],
      ],
    );
    // Every id is accepted back as a name.
    for (const record of records) assert.equal(parseTarget(`lock:${record.id}`).kind, 'file-lock');
  });

  test('parseMapsLine: address range, permissions, file offset, device, inode and a deleted path', () => {
    const line = parseMapsLine('7fb2c88e0000-7fb2c88e1000 rw-s 00000000 00:1b 2                          /dev/shm/sem.YhRena (deleted)');
    assert.deepEqual(line, {
      start: 0x7fb2c88e0000n,
      end: 0x7fb2c88e1000n,
      perms: 'rw-s',
      offset: 0n,
      device: '00:1b',
      inode: 2,
      path: '/dev/shm/sem.YhRena (deleted)',
    });
    assert.equal(parseMapsLine('7ffd1000-7ffd3000 r-xp 00000000 00:00 0                  [vdso]')?.inode, 0);
    assert.equal(parseMapsLine('nonsense'), undefined);
  });

  test('parseMaps: every mapping of a maps text in order, other lines skipped', () => {
    const lines = parseMaps(`55d1c0a00000-55d1c0a21000 rw-p 00000000 00:00 0                          [heap]
7fb2c88e0000-7fb2c88e1000 rw-s 00000000 00:1b 2                          /dev/shm/sem.foo
nonsense
`);
    assert.deepEqual(lines.map((l) => [l.start, l.inode, l.path]), [
      [0x55d1c0a00000n, 0, '[heap]'],
      [0x7fb2c88e0000n, 2, '/dev/shm/sem.foo'],
    ]);
    assert.deepEqual(parseMaps(''), []);
  });

  test('parseSyscall: number and six arguments; running or not in a syscall is undefined', () => {
    const call = parseSyscall('202 0x7fb2c88e0000 0x109 0x0 0x0 0x0 0xffffffff 0x7fb2c5962f70 0x7fb2c83c3f16\n');
    assert.equal(call?.nr, 202);
    assert.equal(call?.args[0], 0x7fb2c88e0000n);
    assert.equal(call?.args[1], 0x109n);
    assert.equal(parseSyscall('running\n'), undefined);
    assert.equal(parseSyscall('-1 0x7ffc 0x7f00\n'), undefined);
    assert.equal(intArg(0xffffffffffffffffn), -1);
    assert.equal(intArg(0x26n), 38);
  });

  test('parseSysvipcSem: rows after the header; perms in octal; negative keys', () => {
    const rows = parseSysvipcSem(`       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
1335922981          0   644          3     0     0     0     0          0 1795637771
        -5          7   600          1  1000  1000  1000  1000 1795637700 1795637771
`);
    assert.deepEqual(rows.map((r) => [r.key, r.semid, r.perms, r.nsems, r.uid]), [
      [1335922981, 0, 0o644, 3, 0],
      [-5, 7, 0o600, 1, 1000],
    ]);
  });
});

describe('Linux names', () => {
  test('POSIX names: foo, /foo and /dev/shm/sem.foo are one semaphore', () => {
    for (const form of ['foo', '/foo', '/dev/shm/sem.foo']) {
      assert.deepEqual(parseTarget(form), { kind: 'posix-semaphore', name: 'foo', path: '/dev/shm/sem.foo' });
    }
    assert.equal(validatePosixName('a'.repeat(251)), 'a'.repeat(251));
    assert.equal(validatePosixName('é'.repeat(125)), 'é'.repeat(125)); // 250 bytes
    assert.throws(() => validatePosixName('é'.repeat(126)), /251 bytes/);
    // A POSIX name that looks like another form is reached with its leading slash.
    assert.equal(parseTarget('/sysv:1').kind, 'posix-semaphore');
    // Every target's path names its kind (a POSIX name that looks like another form included).
    for (const [name, kind] of [
      ['/sysv:1', 'posix-semaphore'],
      ['/lock:x', 'posix-semaphore'],
      ['/sem-inode:x', 'posix-semaphore'],
      ['foo', 'posix-semaphore'],
      ['sysv:7', 'sysv-semaphore'],
      ['lock:FLOCK:fe:00:2:0:EOF', 'file-lock'],
      ['sem-inode:00:1b:1866', 'posix-semaphore'],
    ]) {
      const target = parseTarget(name);
      assert.ok('path' in target);
      assert.equal(kindOfPath(target.path), kind, name);
    }
  });

  test('System V names: sysv:<semid>, sysv:key=<key>', () => {
    assert.deepEqual(parseTarget('sysv:0'), { kind: 'sysv-semaphore', semid: 0, path: 'sysv:0', name: '0' });
    assert.deepEqual(parseTarget('sysv:key=0x5eed'), { kind: 'sysv-key', key: 0x5eed });
    assert.deepEqual(parseTarget('sysv:key=-5'), { kind: 'sysv-key', key: -5 });
    assert.equal(parseKey('0xffffffff'), -1);
    assert.equal(parseKey('4294967295'), -1);
    assert.equal(formatKey(-1), '0xffffffff');
    assert.throws(() => parseKey('4294967296'), /out of range/);
    assert.equal(kindOfPath('sysv:3'), 'sysv-semaphore');
    assert.equal(kindOfPath('lock:FLOCK:fe:00:2:0:EOF'), 'file-lock');
    assert.equal(kindOfPath('/dev/shm/sem.x'), 'posix-semaphore');
  });
});

describe('Linux waiter matching', () => {
  const names = { get: (pid: number) => `p${pid}` } as unknown as ProcessNames;

  test('decodeBlockedCall: futex waits, semop, flock and fcntl lock waits, wait4 and waitid (x64 numbers)', () => {
    const table = syscallTable('x64')!;
    const decode = (text: string) => decodeBlockedCall(parseSyscall(text)!, table);
    // futex(addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 2, ...), as recorded.
    assert.deepEqual(decode('202 0x7fb2c88e0000 0x189 0x2 0x0 0x0 0xffffffff 0x7ffc 0x7f00'), {
      kind: 'futex',
      address: 0x7fb2c88e0000n,
      privateFutex: true,
      expected: 2,
    });
    // FUTEX_WAIT | FUTEX_CLOCK_REALTIME on a shared word; FUTEX_WAKE is no wait.
    assert.deepEqual(decode('202 0x7000 0x100 0xffffffff 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'futex', address: 0x7000n, privateFutex: false, expected: 0xffffffff });
    assert.equal(decode('202 0x7000 0x81 0x1 0x0 0x0 0x0 0x7ffc 0x7f00'), undefined);
    assert.deepEqual(decode('220 0x3 0x1000 0x2 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'semop', semid: 3, sops: 0x1000n, nsops: 2 });
    assert.deepEqual(decode('65 0x0 0x2000 0x1 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'semop', semid: 0, sops: 0x2000n, nsops: 1 });
    assert.deepEqual(decode('73 0x3 0x2 0x0 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'lock', fd: 3, ofd: false });
    assert.deepEqual(decode('72 0x4 0x7 0x7ffc0000 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'lock', fd: 4, ofd: false });
    assert.deepEqual(decode('72 0x5 0x26 0x7ffc0000 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'lock', fd: 5, ofd: true });
    assert.equal(decode('72 0x5 0x6 0x7ffc0000 0x0 0x0 0x0 0x7ffc 0x7f00'), undefined, 'F_SETLK does not wait');
    assert.deepEqual(decode('61 0xffffffffffffffff 0x7ffc 0x0 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'wait4', child: -1 });
    assert.deepEqual(decode('61 0x4d2 0x7ffc 0x0 0x0 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'wait4', child: 1234 });
    assert.deepEqual(decode('247 0x1 0x37 0x7ffc 0x4 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'waitid', child: 55 });
    assert.deepEqual(decode('247 0x0 0x0 0x7ffc 0x4 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'waitid', child: -1 });
    assert.deepEqual(decode('247 0x2 0x4d 0x7ffc 0x4 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'waitid', child: -77, group: true });
    assert.deepEqual(decode('247 0x2 0x0 0x7ffc 0x4 0x0 0x0 0x7ffc 0x7f00'), { kind: 'child', call: 'waitid', child: 0, group: true });
    assert.equal(decode('247 0x3 0x9 0x7ffc 0x4 0x0 0x0 0x7ffc 0x7f00'), undefined, 'P_PIDFD is not decoded');
    assert.equal(decode('0 0x3 0x7ffc 0x100 0x0 0x0 0x0 0x7ffc 0x7f00'), undefined, 'read waits on no object');
    // arm64 numbers: futex is 98 there.
    assert.equal(decodeBlockedCall(parseSyscall('98 0x7000 0x80 0x2 0x0 0x0 0x0 0x7ffc 0x7f00')!, syscallTable('arm64')!)?.kind, 'futex');
  });

  test('a futex wait matches a semaphore by device and inode, even through a deleted temp name', () => {
    const blocked = blockedNone();
    blocked.futex.push({ pid: 10, tid: 10, address: 0x7000n }, { pid: 10, tid: 11, address: 0x7020n }, { pid: 12, tid: 13, address: 0x9008n });
    const maps = new Map([
      // The creator maps glibc's temporary file, which maps shows as deleted.
      [10, [{ start: 0x7000n, end: 0x8000n, perms: 'rw-s', offset: 0n, device: '00:1b', inode: 2, path: '/dev/shm/sem.YhRena (deleted)' }]],
      [12, [{ start: 0x9000n, end: 0xa000n, perms: 'rw-s', offset: 0n, device: '00:1b', inode: 2, path: '/dev/shm/sem.foo' }]],
    ]);
    const result = matchSemaphoreWaiters(blocked, new Map([['00:1b/2', '/dev/shm/sem.foo']]), names, (pid) => maps.get(pid));
    // 0x7020 is past the 32-byte semaphore: some other futex in the same page.
    assert.deepEqual(result.get('/dev/shm/sem.foo'), [
      { pid: 10, tid: 10, processName: 'p10' },
      { pid: 12, tid: 13, processName: 'p12' },
    ]);
  });

  test('semop waits match by semid, including semid 0; their operations come from the waiter\'s memory when readable', () => {
    const blocked = blockedNone();
    blocked.semop.push(
      { pid: 5, tid: 6, semid: 0, sops: 0x1000n, nsops: 2 },
      { pid: 7, tid: 7, semid: 3, sops: 0x2000n, nsops: 1 },
      { pid: 8, tid: 9, semid: 0, sops: 0x3000n, nsops: 1 },
    );
    // Two sembufs at 0x1000 in pid 5: {1, -1, 0} and {2, 0, IPC_NOWAIT}; pid 8's memory is not readable.
    const sops = Buffer.from([1, 0, 0xff, 0xff, 0, 0, 2, 0, 0, 0, 0, 8]);
    const reads: Array<[number, bigint, number]> = [];
    const readMemory = (pid: number, address: bigint, length: number) => {
      reads.push([pid, address, length]);
      return pid === 5 && address === 0x1000n ? sops.subarray(0, length) : undefined;
    };
    const result = matchSysvWaiters(blocked, new Map([[0, 'sysv:0']]), names, readMemory);
    assert.deepEqual(result.get('sysv:0'), [
      { pid: 5, tid: 6, processName: 'p5', operations: [{ index: 1, op: -1 }, { index: 2, op: 0 }] },
      { pid: 8, tid: 9, processName: 'p8' },
    ]);
    assert.equal(result.get('sysv:3'), undefined);
    assert.deepEqual(reads, [[5, 0x1000n, 12], [8, 0x3000n, 6]], 'only the matched waiters are read, 6 bytes per operation');
  });

  test('lock waits: pids claim their own threads; anonymous OFD requests only when unambiguous', () => {
    const records = parseLocks(PROC_LOCKS);
    const blocked = blockedNone();
    blocked.locks.push(
      { pid: 14597, tid: 14597, fd: 3, ofd: false, device: 'fe:00', inode: 2261061 },
      { pid: 14596, tid: 14596, fd: 3, ofd: false, device: 'fe:00', inode: 2261061 },
      { pid: 300, tid: 301, fd: 5, ofd: true, device: 'fe:00', inode: 2261255 },
      { pid: 400, tid: 400, fd: 5, ofd: false, device: 'fe:00', inode: 999 },
    );
    const result = matchLockWaiters(records, blocked);
    assert.deepEqual(result.get('FLOCK:fe:00:2261061:0:EOF'), [
      { pid: 14597, tid: 14597 },
      { pid: 14596, tid: 14596 },
    ]);
    assert.deepEqual(result.get('OFDLCK:fe:00:2261255:0:9'), [{ pid: 300, tid: 301 }]);

    // Two locks on one inode with anonymous requests: which waits behind which is unknown.
    const two = parseLocks(`1: OFDLCK ADVISORY  WRITE -1 fe:00:5 0 9
1: -> OFDLCK ADVISORY  READ -1 fe:00:5 0 9
2: OFDLCK ADVISORY  WRITE -1 fe:00:5 20 29
2: -> OFDLCK ADVISORY  READ -1 fe:00:5 20 29
`);
    const ambiguous = blockedNone();
    ambiguous.locks.push({ pid: 1, tid: 1, fd: 3, ofd: true, device: 'fe:00', inode: 5 }, { pid: 2, tid: 2, fd: 3, ofd: true, device: 'fe:00', inode: 5 });
    assert.deepEqual([...matchLockWaiters(two, ambiguous).values()], [[undefined], [undefined]]);
  });
});

describe('Linux actions and rendering', () => {
  test('Windows verbs on Linux semaphores: signal and release post, acquire is trywait, reset is setval', () => {
    for (const kind of ['posix-semaphore', 'sysv-semaphore']) {
      assert.equal(resolveAction(kind, 'signal'), 'post');
      assert.equal(resolveAction(kind, 'release'), 'post');
      assert.equal(resolveAction(kind, 'acquire'), 'trywait');
      assert.equal(resolveAction(kind, 'unlink'), 'unlink');
    }
    assert.equal(resolveAction('sysv-semaphore', 'reset'), 'setval');
    assert.equal(resolveAction('posix-semaphore', 'reset'), 'reset'); // refused by the backend
    assert.deepEqual(ACTIONS_BY_KIND['file-lock'], []);
    assert.ok(ACTIONS_BY_KIND['posix-semaphore'].includes(resolveAction('posix-semaphore', 'signal')));
    assert.ok(ACTIONS_BY_KIND['sysv-semaphore'].includes(resolveAction('sysv-semaphore', 'reset')));
  });

  test('describeState: POSIX and System V semaphores, file locks', () => {
    assert.equal(describeState({ kind: 'posix-semaphore', state: { count: 3, waiters: 0 } }), 'count 3');
    assert.equal(describeState({ kind: 'posix-semaphore', state: { count: 0, waiters: 2 } }), 'count 0, 2 waiting');
    const sysv = { key: 0x5eed, semid: 4, values: [1, 0, 2], waiters: [0, 2, 0], zeroWaiters: [0, 0, 1], lastPids: [0, 0, 0] };
    assert.equal(describeState({ kind: 'sysv-semaphore', state: sysv }), 'key 0x00005eed, values [1,0,2], waiting [0,2,0], waiting for zero [0,0,1]');
    assert.equal(
      describeState({ kind: 'sysv-semaphore', state: { ...sysv, key: 0, values: [7], waiters: [0], zeroWaiters: [0], lastPids: [1] } }),
      'private, value 7',
    );
    const lock = { lockType: 'FLOCK', mode: 'WRITE', path: '/tmp/x', holderPid: 12, waiterPids: [13, 14], device: 'fe:00', inode: 5, start: 0, end: null };
    assert.equal(describeState({ kind: 'file-lock', state: lock }), 'FLOCK WRITE, /tmp/x, held by 12, 2 waiting (pids 13 14)');
    assert.equal(
      describeState({ kind: 'file-lock', state: { ...lock, lockType: 'POSIX', path: '', holderPid: 0, waiterPids: [], start: 20, end: 24 } }),
      'POSIX WRITE bytes 20-24, inode fe:00:5, held by ?',
    );
  });
});

describe('Linux parsers for why', () => {
  test('parseStat: a command name with spaces and parentheses; state, ppid, pgrp, start time, CPU', () => {
    // Recorded from /proc/<pid>/task/<tid>/stat on kernel 6.18 (comm changed to "a) b (c").
    const text =
      '4242 (a) b (c) S 4100 4242 7060 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 1 0 33889 3133440 408 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
    assert.deepEqual(parseStat(text), { comm: 'a) b (c', state: 'S', ppid: 4100, pgrp: 4242, startTime: 33889, processor: 1 });
    assert.equal(parseStat('4242 (x) S 1 2'), undefined);
    assert.equal(parseStat('garbage'), undefined);
  });

  test('parseExecStart: se.exec_start in ns from the sched file; parseStatusUid, parseStatusTgid, parseCmdline', () => {
    const sched = 'cat (8423, #threads: 1)\n----\nse.exec_start                                :        331648.810251\nse.vruntime    :  2478.665133\n';
    assert.equal(parseExecStart(sched), 331_648_810_251n);
    assert.equal(parseExecStart('se.vruntime : 1.000000\n'), undefined);
    assert.equal(parseStatusUid('Name:\tx\nTgid:\t4242\nUid:\t1000\t1000\t1000\t1000\n'), 1000);
    assert.equal(parseStatusTgid('Name:\tx\nTgid:\t4242\nPid:\t4243\n'), 4242);
    assert.equal(parseCmdline('python3\0mp.py\0fork\0'), 'python3 mp.py fork');
    assert.equal(parseCmdline(''), '');
  });

  test("decodePthreadMutexHead and looksLikeLockedMutex: glibc's layout, and what is not a locked mutex", () => {
    // __lock 2 (locked, waiters), __count 0, __owner 4243, __nusers 1, __kind 0 (normal, private).
    const head = decodePthreadMutexHead(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0x93, 0x10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
    assert.deepEqual(head, { lock: 2, count: 0, owner: 4243, users: 1, kind: 0 });
    assert.equal(looksLikeLockedMutex(head, 2, true), true);
    assert.equal(looksLikeLockedMutex(head, 0, true), false, 'a wait that does not expect 2 is not lll_lock_wait');
    assert.equal(looksLikeLockedMutex(head, 2, false), false, 'a private mutex waited on as a shared futex');
    assert.equal(looksLikeLockedMutex({ ...head, kind: 128 }, 2, false), true, 'process-shared, shared futex');
    assert.equal(looksLikeLockedMutex({ ...head, kind: 16 }, 2, true), false, 'robust mutexes store a TID in __lock');
    assert.equal(looksLikeLockedMutex({ ...head, kind: 0x4000 }, 2, true), false, 'bits glibc does not define');
    assert.equal(looksLikeLockedMutex({ ...head, lock: 0 }, 2, true), false, 'unlocked since');
    assert.equal(looksLikeLockedMutex({ ...head, owner: 0 }, 2, true), false, 'no owner recorded');
    assert.throws(() => decodePthreadMutexHead(new Uint8Array(8)), RangeError);
  });

  test('semaphoreMappings: only shared /dev/shm/sem.* lines, deleted or not; mappingLabel', () => {
    // Recorded from a Python 3.11 multiprocessing child (fork) plus a named semaphore.
    const maps = [
      '55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 2148455                    /usr/bin/python3.11',
      '7f6033bbb000-7f6033bbc000 rw-s 00000000 00:1b 1866                       /dev/shm/sem.Fn4DtX (deleted)',
      '7f6033bbc000-7f6033bbd000 rw-s 00000000 00:1b 1865                       /dev/shm/sem.mFPo6B (deleted)',
      '7f6033bbd000-7f6033bbe000 r--s 00000000 00:1b 1870                       /dev/shm/sem.jobs',
      '7f6033bbe000-7f6033bbf000 rw-p 00000000 00:1b 1871                       /dev/shm/sem.private-copy',
      '7ffd0a000000-7ffd0a021000 rw-p 00000000 00:00 0                          [stack]',
    ].join('\n');
    const lines = semaphoreMappings(maps);
    assert.deepEqual(lines.map((l) => [l.inode, l.perms, mappingLabel(l)]), [
      [1866, 'rw-s', 'sem.Fn4DtX (deleted)'],
      [1865, 'rw-s', 'sem.mFPo6B (deleted)'],
      [1870, 'r--s', 'sem.jobs (deleted)'],
    ]);
    assert.deepEqual(semaphoreMappings(''), []);
  });

  test('sem-inode: ids parse to device and inode, and bad ones are refused', () => {
    assert.deepEqual(parseTarget('sem-inode:00:1b:1866'), { kind: 'sem-inode', device: '00:1b', inode: 1866, path: 'sem-inode:00:1b:1866', name: '00:1b:1866' });
    assert.equal(kindOfPath('sem-inode:00:1b:1866'), 'posix-semaphore');
    assert.deepEqual(semInodeOf('sem-inode:00:1b:1866'), { device: '00:1b', inode: 1866 });
    for (const other of ['sem-inode:00:1b', 'sem-inode:00:1b:0', '/dev/shm/sem.x', '/sem-inode:00:1b:1866', 'sysv:3']) assert.equal(semInodeOf(other), undefined, other);
    for (const bad of ['sem-inode:', 'sem-inode:00:1b', 'sem-inode:zz:1b:1', 'sem-inode:00:1b:0', 'sem-inode:00:1b:1:2']) {
      assert.throws(() => parseTarget(bad), (e: any) => e.kind === 'invalid-argument', bad);
    }
    assert.deepEqual(parseTarget('/sem-inode:x'), { kind: 'posix-semaphore', name: 'sem-inode:x', path: '/dev/shm/sem.sem-inode:x' });
  });
});
