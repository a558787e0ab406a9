// WAITCHAIN_NODE_INFO decoded from bytes laid out per the Windows SDK's wct.h (x64):
//   ObjectType (WCT_OBJECT_TYPE, from 1) @0, ObjectStatus (WCT_OBJECT_STATUS, from 1) @4, union @8:
//   LockObject   { WCHAR ObjectName[WCT_OBJNAME_LENGTH = 128] @8, LARGE_INTEGER Timeout @264, BOOL Alertable @272 }
//   ThreadObject { DWORD ProcessId @8, ThreadId @12, WaitTime @16, ContextSwitches @20 }
//   sizeof = 280 (276 rounded up to the LARGE_INTEGER's 8-byte alignment)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WAITCHAIN_NODE_SIZE, WCT_MAX_NODE_COUNT, WCT_OBJNAME_LENGTH, decodeWaitChainNodes, win32ErrorName } from '../../native/win32/wait-chain';

// WCT_OBJECT_TYPE values
const WctCriticalSectionType = 1;
const WctSendMessageType = 2;
const WctMutexType = 3;
const WctAlpcType = 4;
const WctComType = 5;
const WctThreadWaitType = 6;
const WctProcessWaitType = 7;
const WctThreadType = 8;
const WctComActivationType = 9;
const WctUnknownType = 10;
const WctSocketIoType = 11;
const WctSmbIoType = 12;
// WCT_OBJECT_STATUS values
const WctStatusRunning = 2;
const WctStatusBlocked = 3;
const WctStatusOwned = 6;
const WctStatusNotOwned = 7;
const WctStatusAbandoned = 8;
const WctStatusError = 10;

function lockNode(buffer: Buffer, index: number, type: number, status: number, name: string, timeout = 0n, alertable = 0) {
  const at = index * 280;
  buffer.writeUInt32LE(type, at);
  buffer.writeUInt32LE(status, at + 4);
  buffer.write(name, at + 8, 'utf16le');
  buffer.writeBigInt64LE(timeout, at + 264);
  buffer.writeInt32LE(alertable, at + 272);
}

function threadNode(buffer: Buffer, index: number, status: number, pid: number, tid: number, waitTime: number, switches: number) {
  const at = index * 280;
  buffer.writeUInt32LE(WctThreadType, at);
  buffer.writeUInt32LE(status, at + 4);
  buffer.writeUInt32LE(pid, at + 8);
  buffer.writeUInt32LE(tid, at + 12);
  buffer.writeUInt32LE(waitTime, at + 16);
  buffer.writeUInt32LE(switches, at + 20);
}

test('the layout constants match wct.h', () => {
  assert.equal(WAITCHAIN_NODE_SIZE, 280);
  assert.equal(WCT_OBJNAME_LENGTH, 128);
  assert.equal(WCT_MAX_NODE_COUNT, 16);
});

test('an ABBA deadlock as WCT reports it: thread, mutex, thread, mutex, back to the first thread', () => {
  const buffer = Buffer.alloc(280 * 5, 0xcc); // garbage around the fields: nothing else may be read
  threadNode(buffer, 0, WctStatusBlocked, 4242, 100, 1500, 7);
  lockNode(buffer, 1, WctMutexType, WctStatusOwned, '\\Sessions\\1\\BaseNamedObjects\\LockB');
  buffer.writeUInt16LE(0, 280 + 8 + '\\Sessions\\1\\BaseNamedObjects\\LockB'.length * 2); // NUL terminator
  threadNode(buffer, 2, WctStatusBlocked, 4343, 200, 1400, 9);
  lockNode(buffer, 3, WctMutexType, WctStatusOwned, 'LockA\u0000');
  threadNode(buffer, 4, WctStatusBlocked, 4242, 100, 1500, 7);
  const nodes = decodeWaitChainNodes(buffer, 5);
  assert.deepEqual(nodes[0], { type: 'thread', status: 'blocked', pid: 4242, tid: 100, waitTime: 1500, contextSwitches: 7 });
  assert.deepEqual(nodes[1], {
    type: 'mutex', status: 'owned', name: '\\Sessions\\1\\BaseNamedObjects\\LockB', timeout: 0, alertable: false,
  });
  assert.equal(nodes[2].type === 'thread' && nodes[2].pid, 4343);
  assert.equal(nodes[3].type !== 'thread' && nodes[3].name, 'LockA');
  assert.deepEqual(nodes[4], nodes[0]);
});

test('every WCT_OBJECT_TYPE and the statuses map to their names', () => {
  const types: Array<[number, string]> = [
    [WctCriticalSectionType, 'critical-section'], [WctSendMessageType, 'send-message'], [WctMutexType, 'mutex'],
    [WctAlpcType, 'alpc'], [WctComType, 'com'], [WctThreadWaitType, 'thread-wait'], [WctProcessWaitType, 'process-wait'],
    [WctComActivationType, 'com-activation'], [WctUnknownType, 'unknown'], [WctSocketIoType, 'socket-io'], [WctSmbIoType, 'smb-io'],
  ];
  const buffer = Buffer.alloc(280 * types.length);
  types.forEach(([type], i) => lockNode(buffer, i, type, WctStatusNotOwned, ''));
  assert.deepEqual(decodeWaitChainNodes(buffer, types.length).map((n) => [n.type, n.status]), types.map(([, name]) => [name, 'not-owned']));
  const statuses = Buffer.alloc(280 * 3);
  lockNode(statuses, 0, WctMutexType, WctStatusAbandoned, '');
  threadNode(statuses, 1, WctStatusRunning, 1, 2, 0, 0);
  lockNode(statuses, 2, WctMutexType, WctStatusError, '');
  assert.deepEqual(decodeWaitChainNodes(statuses, 3).map((n) => n.status), ['abandoned', 'running', 'error']);
  const outOfRange = Buffer.alloc(280);
  lockNode(outOfRange, 0, 99, 99, '');
  assert.deepEqual(decodeWaitChainNodes(outOfRange, 1).map((n) => [n.type, n.status]), [['unknown', 'unknown']]);
});

test('a name filling all 128 WCHARs has no terminator and stops at the field end; Timeout and Alertable are read in place', () => {
  const buffer = Buffer.alloc(280 * 2);
  lockNode(buffer, 0, WctAlpcType, WctStatusBlocked, 'x'.repeat(128), -5_000_000n, 1);
  threadNode(buffer, 1, WctStatusBlocked, 0x11111111, 0x22222222, 0x33333333, 0x44444444);
  const [alpc, thread] = decodeWaitChainNodes(buffer, 2);
  assert.ok(alpc.type === 'alpc');
  assert.equal(alpc.name, 'x'.repeat(128));
  assert.equal(alpc.timeout, -5_000_000);
  assert.equal(alpc.alertable, true);
  assert.deepEqual(thread, { type: 'thread', status: 'blocked', pid: 0x11111111, tid: 0x22222222, waitTime: 0x33333333, contextSwitches: 0x44444444 });
});

test('a count the buffer cannot hold is refused', () => {
  assert.throws(() => decodeWaitChainNodes(Buffer.alloc(279), 1), RangeError);
  assert.throws(() => decodeWaitChainNodes(Buffer.alloc(280), -1), RangeError);
  assert.deepEqual(decodeWaitChainNodes(Buffer.alloc(0), 0), []);
});

test('Win32 error names for what WCT returns', () => {
  assert.equal(win32ErrorName(50), 'ERROR_NOT_SUPPORTED');
  assert.equal(win32ErrorName(5), 'ERROR_ACCESS_DENIED');
  assert.equal(win32ErrorName(4312), 'ERROR_OBJECT_NOT_FOUND');
  assert.equal(win32ErrorName(9999), 'Win32 error 9999');
});
