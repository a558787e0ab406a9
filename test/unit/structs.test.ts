// x64 NT structure layouts built in plain Buffers. Importing structs.ts loads koffi (fine on
// Linux); objectAttributes() only asks koffi for a Buffer's address, it opens no DLL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeError } from '../../native/errors';
import { addressOf } from '../../native/win32/ntdll';
import {
  MAX_NT_NAME_CHARS,
  OBJ_CASE_INSENSITIVE,
  clientId,
  objectAttributes,
  readUnicodeString,
  relativeDueTime,
} from '../../native/win32/structs';

// OBJECT_ATTRIBUTES (x64): Length@0 RootDirectory@8 ObjectName@16 Attributes@24 SecurityDescriptor@32 SQOS@40.
// UNICODE_STRING (x64): Length@0 MaximumLength@2 Buffer@8.
const OA = 48;
const US = 16;

/** Writes a UNICODE_STRING at `offset` pointing at `textOffset` of the same buffer. */
function putUnicodeString(buffer: Buffer, offset: number, text: string, textOffset: number, base: bigint) {
  const bytes = Buffer.from(text, 'utf16le');
  buffer.writeUInt16LE(bytes.length, offset);
  buffer.writeUInt16LE(bytes.length, offset + 2);
  buffer.writeBigUInt64LE(base + BigInt(textOffset), offset + 8);
  bytes.copy(buffer, textOffset);
}

test('objectAttributes(name): OBJECT_ATTRIBUTES, UNICODE_STRING and text in one buffer', () => {
  const name = '\\BaseNamedObjects\\Foo';
  const oa = objectAttributes(name);
  const base = addressOf(oa);
  const bytes = name.length * 2;
  assert.equal(oa.length, OA + US + bytes);
  assert.equal(oa.readUInt32LE(0), OA);
  assert.equal(oa.readBigUInt64LE(8), 0n); // RootDirectory
  assert.equal(oa.readBigUInt64LE(16), base + BigInt(OA)); // ObjectName -> the UNICODE_STRING
  assert.equal(oa.readUInt32LE(24), OBJ_CASE_INSENSITIVE);
  assert.equal(oa.readBigUInt64LE(32), 0n); // SecurityDescriptor
  assert.equal(oa.readBigUInt64LE(40), 0n); // SecurityQualityOfService
  assert.equal(oa.readUInt16LE(OA), bytes); // Length in bytes, not characters
  assert.equal(oa.readUInt16LE(OA + 2), bytes); // MaximumLength
  assert.equal(oa.readBigUInt64LE(OA + 8), base + BigInt(OA + US)); // Buffer -> the text
  assert.equal(oa.toString('utf16le', OA + US), name);
  // And the reader used on kernel output decodes it back.
  assert.equal(readUnicodeString(oa, OA, base), name);
});

test('objectAttributes: non-ASCII names are UTF-16 code units', () => {
  const name = 'Ünï✓😀';
  const oa = objectAttributes(name);
  assert.equal(oa.readUInt16LE(OA), name.length * 2);
  assert.equal(readUnicodeString(oa, OA, addressOf(oa)), name);
});

test('objectAttributes(null, root): no name, the root directory handle kept', () => {
  const oa = objectAttributes(null, 0x1234n);
  assert.equal(oa.readUInt32LE(0), OA);
  assert.equal(oa.readBigUInt64LE(8), 0x1234n);
  assert.equal(oa.readBigUInt64LE(16), 0n); // ObjectName is NULL
  assert.equal(oa.readUInt32LE(24), OBJ_CASE_INSENSITIVE);
  assert.ok(oa.subarray(OA).every((b) => b === 0), 'the unused UNICODE_STRING stays zero');
});

test('objectAttributes: name length limits', () => {
  const longest = objectAttributes('x'.repeat(MAX_NT_NAME_CHARS));
  assert.equal(longest.readUInt16LE(OA), MAX_NT_NAME_CHARS * 2); // 65534 still fits a USHORT
  for (const name of ['', 'x'.repeat(MAX_NT_NAME_CHARS + 1)]) {
    assert.throws(
      () => objectAttributes(name),
      (error: unknown) => error instanceof NativeError && error.kind === 'invalid-argument' && error.op === 'objectAttributes',
    );
  }
});

test('clientId: UniqueProcess then UniqueThread, 8 bytes each', () => {
  const cid = clientId(4242, 17);
  assert.equal(cid.length, 16);
  assert.equal(cid.readBigUInt64LE(0), 4242n);
  assert.equal(cid.readBigUInt64LE(8), 17n);
  assert.equal(clientId(5).readBigUInt64LE(8), 0n);
});

test('readUnicodeString: decodes a string whose pointer points into the same buffer', () => {
  const buffer = Buffer.alloc(128);
  const base = 0x7ff6_0000_1000n; // any base: only pointer - base matters
  putUnicodeString(buffer, 0, 'Mutant', 64, base);
  putUnicodeString(buffer, 16, 'Foo', 96, base);
  assert.equal(readUnicodeString(buffer, 0, base), 'Mutant');
  assert.equal(readUnicodeString(buffer, 16, base), 'Foo');
});

test('readUnicodeString: honours Length rather than a terminator', () => {
  const buffer = Buffer.alloc(64);
  putUnicodeString(buffer, 0, 'Semaphore', 16, 0n);
  buffer.writeUInt16LE(4 * 2, 0); // Length says 4 characters
  assert.equal(readUnicodeString(buffer, 0, 0n), 'Sema');
});

test('readUnicodeString: empty, or a pointer outside the buffer, reads as ""', () => {
  const buffer = Buffer.alloc(64);
  const base = 0x1000n;
  assert.equal(readUnicodeString(buffer, 0, base), ''); // Length 0
  putUnicodeString(buffer, 0, 'Foo', 16, base);
  assert.equal(readUnicodeString(buffer, 0, base), 'Foo');
  buffer.writeBigUInt64LE(base - 2n, 8); // before the buffer
  assert.equal(readUnicodeString(buffer, 0, base), '');
  buffer.writeBigUInt64LE(base + 60n, 8); // 6 bytes from offset 60 run past the end (64)
  assert.equal(readUnicodeString(buffer, 0, base), '');
  buffer.writeBigUInt64LE(base + 58n, 8); // ends exactly at the end: fine
  buffer.write('Bar', 58, 'utf16le');
  assert.equal(readUnicodeString(buffer, 0, base), 'Bar');
});

test('relativeDueTime: negative (relative) LARGE_INTEGER in 100 ns units', () => {
  const due = relativeDueTime(1500);
  assert.equal(due.length, 8);
  assert.equal(due.readBigInt64LE(0), -15_000_000n);
  assert.equal(relativeDueTime(1).readBigInt64LE(0), -10_000n);
  assert.equal(relativeDueTime(0.25).readBigInt64LE(0), -2_500n);
  assert.equal(relativeDueTime(0x7fffffff).readBigInt64LE(0), -BigInt(0x7fffffff) * 10_000n);
});

test('relativeDueTime(0) is all zero bytes: a zero timeout (poll)', () => {
  assert.deepEqual([...relativeDueTime(0)], [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(relativeDueTime(0.00001).readBigInt64LE(0), 0n); // rounds below 100 ns
});
