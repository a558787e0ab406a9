// PROCESS_HANDLE_SNAPSHOT_INFORMATION decoded from bytes laid out per phnt ntpsapi.h (x64):
//   header: NumberOfHandles ULONG_PTR @0, Reserved ULONG_PTR @8, Handles[] @16
//   PROCESS_HANDLE_TABLE_ENTRY_INFO (40 bytes): HandleValue @0, HandleCount @8, PointerCount @16,
//   GrantedAccess @24, ObjectTypeIndex @28, HandleAttributes @32, Reserved @36
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SNAPSHOT_ENTRY_SIZE, SNAPSHOT_HEADER_SIZE, decodeProcessHandleSnapshot } from '../../native/win32/process-handles';

interface RawEntry {
  handle: bigint;
  handleCount: bigint;
  pointerCount: bigint;
  access: number;
  typeIndex: number;
  attributes: number;
}

function snapshot(entries: RawEntry[], claimed = entries.length): Buffer {
  const buffer = Buffer.alloc(16 + entries.length * 40);
  buffer.writeBigUInt64LE(BigInt(claimed), 0);
  buffer.writeBigUInt64LE(0xfeedn, 8); // Reserved: never read
  entries.forEach((e, i) => {
    const at = 16 + i * 40;
    buffer.writeBigUInt64LE(e.handle, at);
    buffer.writeBigUInt64LE(e.handleCount, at + 8);
    buffer.writeBigUInt64LE(e.pointerCount, at + 16);
    buffer.writeUInt32LE(e.access, at + 24);
    buffer.writeUInt32LE(e.typeIndex, at + 28);
    buffer.writeUInt32LE(e.attributes, at + 32);
    buffer.writeUInt32LE(0xdeadbeef, at + 36); // Reserved
  });
  return buffer;
}

test('the layout constants match phnt', () => {
  assert.equal(SNAPSHOT_HEADER_SIZE, 16);
  assert.equal(SNAPSHOT_ENTRY_SIZE, 40);
});

test('decodeProcessHandleSnapshot: value, access and type index of each entry, tagged with the pid', () => {
  const buffer = snapshot([
    { handle: 0x4n, handleCount: 1n, pointerCount: 32769n, access: 0x1f0003, typeIndex: 16, attributes: 0 },
    { handle: 0x1a4n, handleCount: 2n, pointerCount: 65536n, access: 0x100000, typeIndex: 17, attributes: 2 },
    { handle: 0xfffffffcn, handleCount: 1n, pointerCount: 1n, access: 0x1, typeIndex: 255, attributes: 0 },
  ]);
  assert.deepEqual(decodeProcessHandleSnapshot(buffer, 4242), [
    { pid: 4242, handle: 0x4n, grantedAccess: 0x1f0003, typeIndex: 16 },
    { pid: 4242, handle: 0x1a4n, grantedAccess: 0x100000, typeIndex: 17 },
    { pid: 4242, handle: 0xfffffffcn, grantedAccess: 0x1, typeIndex: 255 },
  ]);
});

test('decodeProcessHandleSnapshot: only the valid length counts; an empty snapshot is no entries', () => {
  const one = snapshot([{ handle: 0x8n, handleCount: 1n, pointerCount: 1n, access: 3, typeIndex: 9, attributes: 0 }]);
  const padded = Buffer.concat([one, Buffer.alloc(200, 0xff)]);
  assert.equal(decodeProcessHandleSnapshot(padded, 1, one.length).length, 1);
  assert.deepEqual(decodeProcessHandleSnapshot(snapshot([]), 1), []);
});

test('decodeProcessHandleSnapshot: a count that overruns the bytes is refused, not read past', () => {
  const buffer = snapshot([{ handle: 0x8n, handleCount: 1n, pointerCount: 1n, access: 3, typeIndex: 9, attributes: 0 }], 2);
  assert.throws(() => decodeProcessHandleSnapshot(buffer, 1), /claims 2 entries/);
  assert.throws(() => decodeProcessHandleSnapshot(Buffer.alloc(8), 1), RangeError);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, 0);
  assert.throws(() => decodeProcessHandleSnapshot(huge, 1), RangeError);
});
