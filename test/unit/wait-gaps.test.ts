// What a pass over waiting threads could not read is said, not dropped: refused threads, processes
// that could not be opened, and multiple-object waits (whose handle array ThreadLastSystemCall does
// not give). Wait records are built from the documented layout of THREAD_LAST_SYSCALL_INFORMATION
// (phnt ntpsapi.h, x64: PVOID FirstArgument @0; USHORT SystemCallNumber @8; USHORT Pad[3] @10;
// ULONG64 WaitTime @16), and NtWaitForMultipleObjects(ULONG Count, HANDLE Handles[], ...) and
// NtUserMsgWaitForMultipleObjectsEx(DWORD nCount, const HANDLE *pHandles, ...) take the count first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectDeadlocks } from '../../core/deadlocks';
import type { Backend, ProcessInspector } from '../../native';
import { decodeLastSyscall } from '../../native/win32/last-syscall';
import { threadInspection, type ModelContext } from '../../native/win32/inspection-model';
import { targetOf, type ThreadWait, type WaitTarget } from '../../native/win32/thread-waits';
import { describeWaitGaps, multipleWaitsNote, noGaps } from '../../native/win32/waiters';

function lastSyscallBytes(firstArgument: bigint, number: number, waitTime100ns: bigint): Buffer {
  const info = Buffer.alloc(24);
  info.writeBigUInt64LE(firstArgument, 0);
  info.writeUInt16LE(number, 8);
  info.writeBigUInt64LE(waitTime100ns, 16);
  return info;
}

const noHandle = (): WaitTarget => assert.fail('a multiple-object wait must not be resolved as a handle');

test('targetOf: a multiple-object wait is its count (the first argument), never a handle', () => {
  // WaitForMultipleObjects(3, ...) in ntdll; MsgWaitForMultipleObjects(2, ...) in win32u (numbered from 0x1000).
  const ntCall = decodeLastSyscall(lastSyscallBytes(3n, 0x5b, 12_000_000n));
  assert.deepEqual(targetOf('NtWaitForMultipleObjects', ntCall.firstArgument, noHandle), { type: 'multiple', call: 'NtWaitForMultipleObjects', count: 3 });
  const msgCall = decodeLastSyscall(lastSyscallBytes(2n, 0x10c0, 5n));
  assert.deepEqual(
    targetOf('NtUserMsgWaitForMultipleObjectsEx', msgCall.firstArgument, noHandle),
    { type: 'multiple', call: 'NtUserMsgWaitForMultipleObjectsEx', count: 2 },
  );
  // A single-object wait's first argument is the handle, and only it is resolved.
  const single = decodeLastSyscall(lastSyscallBytes(0x1a4n, 4, 5n));
  const asked: bigint[] = [];
  targetOf('NtWaitForSingleObject', single.firstArgument, (handle) => (asked.push(handle), { type: 'other', handle, typeName: 'File' }));
  assert.deepEqual(asked, [0x1a4n]);
});

test('describeWaitGaps: nothing missed says nothing; each gap is named', () => {
  assert.equal(describeWaitGaps(noGaps()), undefined);
  // The unopened processes are a count with advice (its words depend on the privilege state).
  const unopened = (count: number) => `${count} processes could not be opened (run elevated)`;
  assert.equal(describeWaitGaps({ unopenedPids: [8, 12], unqueried: new Map(), multipleWaits: 0 }, unopened), '2 processes could not be opened (run elevated)');
  assert.equal(
    describeWaitGaps({ unopenedPids: [], unqueried: new Map([[0xc0000022, 3]]), multipleWaits: 0 }),
    'what 3 waiting thread(s) wait on could not be read (STATUS_ACCESS_DENIED)',
  );
  assert.equal(
    describeWaitGaps({ unopenedPids: [], unqueried: new Map([[0xc0000022, 1], [0xc0000001, 4]]), multipleWaits: 0 }),
    'what 5 waiting thread(s) wait on could not be read (STATUS_UNSUCCESSFUL x4, STATUS_ACCESS_DENIED x1)',
  );
  assert.equal(
    describeWaitGaps({ unopenedPids: [], unqueried: new Map(), multipleWaits: 2 }),
    '2 thread(s) wait in NtWaitForMultipleObjects or MsgWaitForMultipleObjects, whose handles SyncScope cannot see (ThreadLastSystemCall gives only the first argument, the count): they may wait on these objects too',
  );
  const all = describeWaitGaps({ unopenedPids: [8], unqueried: new Map([[0xc0000022, 1]]), multipleWaits: 1 }, unopened)!;
  assert.equal(all.split('; ').length, 3, all);
  assert.ok(all.startsWith('1 processes could not be opened (run elevated); what 1 waiting thread(s)'), all);
});

const context: ModelContext = { sessionId: 1, names: new Map([[4242, 'app.exe']]), mutexOwnerUnsupported: null };

test('deadlocks: a multiple-object wait leaves "none found" with the caveat that names it', () => {
  const wait: ThreadWait = {
    tid: 100, state: 'waiting', osState: 'Waiting (UserRequest)', syscall: 'NtWaitForMultipleObjects', waitedMs: 1200,
    target: { type: 'multiple', call: 'NtWaitForMultipleObjects', count: 2 },
  };
  const thread = threadInspection(wait, context);
  const inspection = { process: { pid: 4242, name: 'app.exe', parentPid: null, commandLine: null, user: null }, threads: [thread], holds: [], unavailable: {} };
  // As Win32Inspector words it once it has seen that thread.
  const incomplete = `${multipleWaitsNote(1)}: a wait through them is not followed`;
  const inspector: ProcessInspector = {
    findProcesses: () => [inspection.process],
    waitingProcesses: () => [4242],
    inspectProcess: () => structuredClone(inspection),
    objectHolders: (ids) => ({ holders: new Map(ids.map((id) => [id, []])) }),
    incomplete: () => incomplete,
    unreadablePids: () => [],
    close: () => undefined,
  };
  const backend = { platform: 'win32', sampledKinds: ['event', 'mutex', 'semaphore', 'timer'], inspector: () => inspector, capabilities: () => ({ mutexOwner: { supported: true } }) } as unknown as Backend;
  const report = detectDeadlocks(backend);
  assert.deepEqual(report.deadlocks, []);
  assert.equal(report.unavailable.waiters, `incomplete: ${incomplete}`);
  assert.match(report.unavailable.waits!, /NtWaitForMultipleObjects on 2 handle\(s\)/);
});
