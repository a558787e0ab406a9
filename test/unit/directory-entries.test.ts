// The multi-entry answer of NtQueryDirectoryObject, on bytes built from the documented layout:
// OBJECT_DIRECTORY_INFORMATION (phnt ntobapi.h) is { UNICODE_STRING Name; UNICODE_STRING TypeName; },
// and UNICODE_STRING (ntdef.h) is { USHORT Length (bytes); USHORT MaximumLength; PWSTR Buffer },
// Buffer 8-aligned on x64, so 16 bytes each; with ReturnSingleEntry FALSE the entries form an array
// ended by an all-zero entry, their strings stored after it, the pointers absolute addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDirectoryEntries } from '../../native/win32/directory';

const BASE = 0x7ff0_0000_1000n; // where the caller's buffer would live

function answer(entries: Array<[string, string]>, size = 1024): Buffer {
  const buffer = Buffer.alloc(size, 0xcc); // not zeroed: only the terminator may end the array
  let strings = (entries.length + 1) * 32;
  const putString = (at: number, text: string) => {
    const bytes = Buffer.from(text, 'utf16le');
    buffer.writeUInt16LE(bytes.length, at);
    buffer.writeUInt16LE(bytes.length + 2, at + 2);
    buffer.writeUInt32LE(0, at + 4); // alignment padding before Buffer
    buffer.writeBigUInt64LE(BASE + BigInt(strings), at + 8);
    bytes.copy(buffer, strings);
    buffer.writeUInt16LE(0, strings + bytes.length);
    strings += bytes.length + 2;
  };
  entries.forEach(([name, type], i) => {
    putString(32 * i, name);
    putString(32 * i + 16, type);
  });
  buffer.fill(0, 32 * entries.length, 32 * entries.length + 32);
  return buffer;
}

test('decodeDirectoryEntries: each entry\'s name and type, up to the all-zero entry', () => {
  const entries: Array<[string, string]> = [['SyncScope_Ev', 'Event'], ['Local', 'SymbolicLink'], ['Überwacht', 'Mutant'], ['S', 'Semaphore']];
  assert.deepEqual(decodeDirectoryEntries(answer(entries), BASE), entries.map(([name, typeName]) => ({ name, typeName })));
});

test('decodeDirectoryEntries: an empty answer (just the terminator) has no entries', () => {
  assert.deepEqual(decodeDirectoryEntries(answer([]), BASE), []);
});

test('decodeDirectoryEntries: a pointer outside the buffer reads as an empty string, never outside memory', () => {
  const buffer = answer([['Ev', 'Event']]);
  buffer.writeBigUInt64LE(BASE + 0x10_0000n, 8); // Name.Buffer far past the end
  assert.deepEqual(decodeDirectoryEntries(buffer, BASE), [{ name: '', typeName: 'Event' }]);
});

test('decodeDirectoryEntries: a buffer filled with entries and no terminator stops at its end', () => {
  const full = answer([['A', 'Event'], ['B', 'Event']]);
  // Cut right after the two entries: the terminator and the strings are gone.
  const cut = Buffer.from(full.subarray(0, 64));
  assert.deepEqual(decodeDirectoryEntries(cut, BASE), [{ name: '', typeName: '' }, { name: '', typeName: '' }]);
});
