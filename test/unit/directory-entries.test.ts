// The multi-entry answer of NtQueryDirectoryObject, on bytes built from the documented layout:
// OBJECT_DIRECTORY_INFORMATION (phnt ntobapi.h) is { UNICODE_STRING Name; UNICODE_STRING TypeName; },
// and UNICODE_STRING (ntdef.h) is { USHORT Length (bytes); USHORT MaximumLength; PWSTR Buffer },
// Buffer 8-aligned on x64, so 16 bytes each; with ReturnSingleEntry FALSE the entries form an array
// ended by an all-zero entry, their strings stored after it, the pointers absolute addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectDirectoryEntries, decodeDirectoryEntries } from '../../native/win32/directory';

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

// The multi-entry loop over answers as NtQueryDirectoryObject gives them (NTSTATUS values from
// ntstatus.h: SUCCESS 0, STATUS_MORE_ENTRIES 0x105, STATUS_NO_MORE_ENTRIES 0x8000001A,
// STATUS_BUFFER_TOO_SMALL 0xC0000023, STATUS_NOT_IMPLEMENTED 0xC0000002, STATUS_ACCESS_DENIED
// 0xC0000022), each batch decoded from bytes of the documented layout.
const SUCCESS = 0;
const MORE_ENTRIES = 0x105;
const NO_MORE_ENTRIES = 0x8000001a;
const BUFFER_TOO_SMALL = 0xc0000023;
const NOT_IMPLEMENTED = 0xc0000002;

function script(answers: Array<[number, Array<[string, string]>]>, growLimit = 3) {
  const restarts: boolean[] = [];
  let grown = 0;
  const ask = (restart: boolean) => {
    restarts.push(restart);
    const next = answers.shift();
    if (!next) throw new Error('asked once too often');
    const [status, entries] = next;
    return { status, entries: decodeDirectoryEntries(answer(entries), BASE) };
  };
  const grow = () => (grown < growLimit ? (grown++, true) : false);
  return { ask, grow, restarts, grown: () => grown };
}

const names = (entries: Array<{ name: string }> | undefined) => entries?.map((e) => e.name);

test('collectDirectoryEntries: batches until SUCCESS; restart only until an entry is taken', () => {
  const run = script([[MORE_ENTRIES, [['A', 'Event'], ['B', 'Mutant']]], [MORE_ENTRIES, [['C', 'Event']]], [SUCCESS, [['D', 'Semaphore']]]]);
  assert.deepEqual(names(collectDirectoryEntries(run.ask, run.grow, '\\BaseNamedObjects')), ['A', 'B', 'C', 'D']);
  assert.deepEqual(run.restarts, [true, false, false]);
});

test('collectDirectoryEntries: MORE_ENTRIES with no entry, or BUFFER_TOO_SMALL, grows and asks the same again', () => {
  const run = script([[MORE_ENTRIES, []], [BUFFER_TOO_SMALL, []], [MORE_ENTRIES, [['A', 'Event']]], [MORE_ENTRIES, []], [SUCCESS, [['B', 'Event']]]]);
  assert.deepEqual(names(collectDirectoryEntries(run.ask, run.grow, '\\X')), ['A', 'B']);
  assert.deepEqual(run.restarts, [true, true, true, false, false]);
  assert.equal(run.grown(), 3);
});

test('collectDirectoryEntries: NO_MORE_ENTRIES ends it (an empty directory at once)', () => {
  const empty = script([[NO_MORE_ENTRIES, []]]);
  assert.deepEqual(collectDirectoryEntries(empty.ask, empty.grow, '\\Empty'), []);
  const after = script([[MORE_ENTRIES, [['A', 'Event']]], [NO_MORE_ENTRIES, []]]);
  assert.deepEqual(names(collectDirectoryEntries(after.ask, after.grow, '\\X')), ['A']);
});

test('collectDirectoryEntries: NOT_IMPLEMENTED at first means the form is missing (Wine 8), later it is an error', () => {
  const wine = script([[NOT_IMPLEMENTED, []]]);
  assert.equal(collectDirectoryEntries(wine.ask, wine.grow, '\\X'), undefined);
  const later = script([[MORE_ENTRIES, [['A', 'Event']]], [NOT_IMPLEMENTED, []]]);
  assert.throws(() => collectDirectoryEntries(later.ask, later.grow, '\\X'), /STATUS_NOT_IMPLEMENTED/);
});

test('collectDirectoryEntries: a refusal throws with its status; a buffer that cannot grow more throws', () => {
  const denied = script([[0xc0000022, []]]);
  assert.throws(() => collectDirectoryEntries(denied.ask, denied.grow, '\\X'), (error: { kind?: string }) => error.kind === 'access-denied');
  const huge = script([[MORE_ENTRIES, []], [MORE_ENTRIES, []]], 1);
  assert.throws(() => collectDirectoryEntries(huge.ask, huge.grow, '\\X'), /does not fit in 1 MiB/);
});
