// Unnamed objects' paths and labels, and thread states' names (pure logic).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeError } from '../../native/errors';
import { isUnnamedPath, parseUnnamedPath, unnamedLabel, unnamedPath } from '../../native/win32/identity';
import { osStateOf, threadStateName, waitReasonName } from '../../native/win32/thread-waits';

test('unnamedPath and parseUnnamedPath round-trip; hex is lowercase and case-insensitive on input', () => {
  assert.equal(unnamedPath({ pid: 4242, handle: 0x1a4n }), 'handle:4242:0x1a4');
  assert.deepEqual(parseUnnamedPath('handle:4242:0x1a4'), { pid: 4242, handle: 0x1a4n });
  assert.deepEqual(parseUnnamedPath('HANDLE:7:0X1A4'), { pid: 7, handle: 0x1a4n });
  const big = { pid: 0xffffffff, handle: 0xffff_ffff_ffff_fffcn };
  assert.deepEqual(parseUnnamedPath(unnamedPath(big)), big);
});

test('parseUnnamedPath: names and NT paths are not unnamed paths; out-of-range numbers are refused', () => {
  for (const name of ['Foo', '\\BaseNamedObjects\\handle:1:0x4', 'handle:1:4', 'handle:x:0x4', 'handle:1:0x', 'Local\\handle:1:0x4', 'handle:1:0x4 ']) {
    assert.equal(parseUnnamedPath(name), undefined, name);
    assert.equal(isUnnamedPath(name), false, name);
  }
  assert.throws(() => parseUnnamedPath('handle:4294967296:0x4'), (e: unknown) => e instanceof NativeError && e.kind === 'invalid-argument');
  assert.throws(() => parseUnnamedPath('handle:1:0x10000000000000000'), (e: unknown) => e instanceof NativeError && e.kind === 'invalid-argument');
});

test('unnamedLabel: kind, handle in hex, process name and pid', () => {
  assert.equal(unnamedLabel('event', { pid: 4242, handle: 0x1a4n }, 'app.exe'), 'unnamed event, handle 0x1a4 in app.exe (4242)');
  assert.equal(unnamedLabel('mutex', { pid: 9, handle: 0x10n }, ''), 'unnamed mutex, handle 0x10 in ? (9)');
});

test('thread states and wait reasons by their phnt ntkeapi.h numbers', () => {
  assert.equal(threadStateName(2), 'running');
  assert.equal(threadStateName(5), 'waiting');
  assert.equal(threadStateName(9), 'waiting-for-process-in-swap');
  assert.equal(threadStateName(10), 'unknown');
  assert.equal(waitReasonName(6), 'UserRequest');
  assert.equal(waitReasonName(13), 'WrUserRequest');
  assert.equal(waitReasonName(21), 'WrKeyedEvent');
  assert.equal(waitReasonName(37), 'WrAlertByThreadId');
  assert.equal(waitReasonName(42), 'WrRcu');
  assert.equal(waitReasonName(43), 'KWAIT_REASON 43');
  assert.equal(osStateOf(5, 6), 'Waiting (UserRequest)');
  assert.equal(osStateOf(5, 37), 'Waiting (WrAlertByThreadId)');
  assert.equal(osStateOf(2, 6), 'Running', 'a wait reason is only read while waiting');
  assert.equal(osStateOf(7, 0), 'DeferredReady');
  assert.equal(osStateOf(12, 0), 'KTHREAD_STATE 12');
});
