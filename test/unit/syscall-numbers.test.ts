// Syscall numbers from a PE image's exports and stubs, on images built here from the documented
// layout (Microsoft "PE Format", learn.microsoft.com/windows/win32/debug/pe-format), not from the
// decoder's own offsets: MS-DOS stub with e_lfanew at 0x3C; signature "PE\0\0"; 20-byte COFF file
// header; PE32+ optional header (Magic 0x20B) whose data directories start at its offset 112,
// the first being the export table (RVA, Size); the export directory table: Number of Name
// Pointers @24, Export Address Table RVA @28, Name Pointer RVA @32, Ordinal Table RVA @36.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeWaitProbe } from '../../native/win32/last-syscall';
import { numbersByExportOrder, readExports, resolveSyscallNumbers } from '../../native/win32/syscall-numbers';

interface Fn {
  name: string;
  /** Stub bytes at its code address; omitted for a forwarder. */
  stub?: number[];
  /** Where its code lies (RVA); stubs are 32 bytes apart in the real ntdll, any spacing works. */
  rva?: number;
  forwarder?: string;
}

const E_LFANEW = 0x80;
const EXPORT_RVA = 0x2000;

/** x64 syscall stub: mov r10, rcx (4C 8B D1); mov eax, imm32 (B8 ..); syscall (0F 05); ret (C3). */
const plain = (n: number) => [0x4c, 0x8b, 0xd1, 0xb8, n & 0xff, (n >> 8) & 0xff, 0, 0, 0x0f, 0x05, 0xc3];
/** A detour's jmp rel32 over the first bytes, as a security product's hook leaves it. */
const hooked = () => [0xe9, 0x11, 0x22, 0x33, 0x44, 0x90, 0x90, 0x90];

function image(functions: Fn[]): Buffer {
  const buffer = Buffer.alloc(0x4000);
  buffer.write('MZ', 0, 'latin1');
  buffer.writeUInt32LE(E_LFANEW, 0x3c);
  buffer.write('PE\0\0', E_LFANEW, 'latin1');
  const optional = E_LFANEW + 4 + 20;
  buffer.writeUInt16LE(0x20b, optional);
  const count = functions.length;
  // Export directory, then its three tables, then the name strings (and forwarder strings).
  const addressTable = EXPORT_RVA + 40;
  const namePointers = addressTable + 4 * count;
  const ordinals = namePointers + 4 * count;
  let strings = ordinals + 2 * count;
  buffer.writeUInt32LE(count, EXPORT_RVA + 20);
  buffer.writeUInt32LE(count, EXPORT_RVA + 24);
  buffer.writeUInt32LE(addressTable, EXPORT_RVA + 28);
  buffer.writeUInt32LE(namePointers, EXPORT_RVA + 32);
  buffer.writeUInt32LE(ordinals, EXPORT_RVA + 36);
  const putString = (text: string) => {
    const at = strings;
    buffer.write(`${text}\0`, at, 'latin1');
    strings += text.length + 1;
    return at;
  };
  // Names are sorted in the real table; the ordinal table maps each to its address slot.
  [...functions].map((fn, slot) => ({ fn, slot })).sort((a, b) => (a.fn.name < b.fn.name ? -1 : 1)).forEach(({ fn, slot }, i) => {
    buffer.writeUInt32LE(putString(fn.name), namePointers + 4 * i);
    buffer.writeUInt16LE(slot, ordinals + 2 * i);
    if (fn.forwarder) buffer.writeUInt32LE(putString(fn.forwarder), addressTable + 4 * slot);
    else {
      buffer.writeUInt32LE(fn.rva!, addressTable + 4 * slot);
      Buffer.from(fn.stub!).copy(buffer, fn.rva!);
    }
  });
  buffer.writeUInt32LE(EXPORT_RVA, optional + 112);
  buffer.writeUInt32LE(strings - EXPORT_RVA, optional + 116);
  return buffer;
}

/** Nt and Zw exports sharing each stub, as in ntdll; stub i at 0x400 + 32*i holds number i. */
function ntdllLike(names: string[], stubOf: (name: string, number: number) => number[] = (_, n) => plain(n)): Fn[] {
  return names.flatMap((name, number) => {
    const rva = 0x400 + 32 * number;
    const stub = stubOf(name, number);
    return [{ name: `Nt${name}`, rva, stub }, { name: `Zw${name}`, rva, stub }];
  });
}

const stubAt = (bytes: Buffer) => (rva: number) => bytes.subarray(rva, rva + 8);
// Address order is not name order: numbers follow the address.
const CALLS = ['AcceptConnectPort', 'WaitForSingleObject', 'Close', 'WaitForMultipleObjects', 'DelayExecution'];

test('readExports: every named export with its code RVA; forwarders left out', () => {
  const bytes = image([...ntdllLike(CALLS.slice(0, 2)), { name: 'RtlForwarded', forwarder: 'NTDLL.RtlOther' }]);
  assert.deepEqual(
    readExports(bytes).sort((a, b) => a.name.localeCompare(b.name)),
    [
      { name: 'NtAcceptConnectPort', rva: 0x400 },
      { name: 'NtWaitForSingleObject', rva: 0x420 },
      { name: 'ZwAcceptConnectPort', rva: 0x400 },
      { name: 'ZwWaitForSingleObject', rva: 0x420 },
    ],
  );
});

test('readExports: bytes that are not a PE32/PE32+ image have no exports', () => {
  assert.deepEqual(readExports(Buffer.alloc(0x100)), []);
  const bytes = image(ntdllLike(CALLS));
  bytes.write('NE', E_LFANEW, 'latin1');
  assert.deepEqual(readExports(bytes), []);
  const otherMagic = image(ntdllLike(CALLS));
  otherMagic.writeUInt16LE(0x107, E_LFANEW + 24); // ROM image
  assert.deepEqual(readExports(otherMagic), []);
});

test('numbersByExportOrder: the n-th Zw stub by address is call n, named as its Nt twin', () => {
  const order = numbersByExportOrder(readExports(image(ntdllLike(CALLS))));
  assert.deepEqual(Object.fromEntries(order), {
    NtAcceptConnectPort: 0, NtWaitForSingleObject: 1, NtClose: 2, NtWaitForMultipleObjects: 3, NtDelayExecution: 4,
  });
});

test('resolveSyscallNumbers: plain stubs give their own numbers, and vouch for the export order', () => {
  const bytes = image(ntdllLike(CALLS));
  const table = resolveSyscallNumbers(['NtWaitForSingleObject', 'NtDelayExecution'], readExports(bytes), stubAt(bytes));
  assert.deepEqual(Object.fromEntries(table.numbers), { NtWaitForSingleObject: 1, NtDelayExecution: 4 });
  assert.equal(table.unknown.size, 0);
  assert.deepEqual(table.order, { agreeing: 5, disagreeing: 0, trusted: true });
});

test('resolveSyscallNumbers: a hooked stub is numbered by the export order the plain ones confirm', () => {
  const bytes = image(ntdllLike(CALLS, (name, n) => (name === 'WaitForSingleObject' ? hooked() : plain(n))));
  const table = resolveSyscallNumbers(['NtWaitForSingleObject'], readExports(bytes), stubAt(bytes));
  assert.equal(table.numbers.get('NtWaitForSingleObject'), 1);
  assert.deepEqual(table.order, { agreeing: 4, disagreeing: 0, trusted: true });
});

test('resolveSyscallNumbers: when the order disagrees with a plain stub, a hooked one is unknown, with the reason', () => {
  // Stub 3 claims number 7: the order (3) is wrong somewhere, so it numbers nothing.
  const bytes = image(ntdllLike(CALLS, (name, n) => (name === 'WaitForSingleObject' ? hooked() : plain(name === 'WaitForMultipleObjects' ? 7 : n))));
  const table = resolveSyscallNumbers(['NtWaitForSingleObject', 'NtWaitForMultipleObjects'], readExports(bytes), stubAt(bytes));
  assert.equal(table.numbers.get('NtWaitForMultipleObjects'), 7, 'a plain stub still gives its own number');
  assert.equal(table.numbers.has('NtWaitForSingleObject'), false);
  assert.equal(
    table.unknown.get('NtWaitForSingleObject'),
    'the NtWaitForSingleObject stub in ntdll is not a plain x64 syscall stub (hooked, or another architecture), and the order of ntdll\'s Zw exports disagrees with 1 plain stub(s): its syscall number is unknown',
  );
  assert.deepEqual(table.order, { agreeing: 3, disagreeing: 1, trusted: false });
});

test('resolveSyscallNumbers: with every stub hooked nothing vouches for the order: unknown, with the reason', () => {
  const bytes = image(ntdllLike(CALLS, () => hooked()));
  const table = resolveSyscallNumbers(['NtWaitForSingleObject'], readExports(bytes), stubAt(bytes));
  assert.equal(table.numbers.size, 0);
  assert.equal(
    table.unknown.get('NtWaitForSingleObject'),
    'the NtWaitForSingleObject stub in ntdll is not a plain x64 syscall stub (hooked, or another architecture), and no plain Zw stub is left to check the export order against: its syscall number is unknown',
  );
});

test('resolveSyscallNumbers: a call the image does not export is unknown, and says so', () => {
  const bytes = image(ntdllLike(CALLS));
  const table = resolveSyscallNumbers(['NtWaitForAlertByThreadId'], readExports(bytes), stubAt(bytes));
  assert.equal(table.unknown.get('NtWaitForAlertByThreadId'), 'ntdll does not export NtWaitForAlertByThreadId');
});

test('judgeWaitProbe: only a thread reported in the wait call on exactly the probe\'s handle proves support', () => {
  const expected = { syscall: 4, handle: 0x1a4n };
  assert.equal(judgeWaitProbe(expected, [{ status: 0xc0000001 }, { firstArgument: 0x1a4n, syscall: 4, waitTime100ns: 5n }], 30), null);
  // A running thread's last call, another handle, another call: none of them proves anything.
  assert.equal(
    judgeWaitProbe(expected, [{ firstArgument: 0x1a4n, syscall: 5 }, { firstArgument: 0x1a8n, syscall: 4 }], 2000),
    'no thread of this process was reported in NtWaitForSingleObject (syscall 0x4) on handle 0x1a4 within 2000 ms, though one waited on it: the OS\'s ThreadLastSystemCall, or this ntdll\'s syscall numbers, cannot be trusted here',
  );
});

test('judgeWaitProbe: a missing class, refusals and no thread each have their own reason', () => {
  const expected = { syscall: 4, handle: 0x1a4n };
  assert.equal(
    judgeWaitProbe(expected, [{ status: 0xc0000002 }], 5),
    'NtQueryInformationThread(ThreadLastSystemCall) returned STATUS_NOT_IMPLEMENTED: the OS does not say which object a thread waits on',
  );
  assert.equal(
    judgeWaitProbe(expected, [{ status: 0xc0000022 }, { status: 0xc0000022 }], 2000),
    'NtQueryInformationThread(ThreadLastSystemCall) returned STATUS_ACCESS_DENIED for every thread of this process while one waited: which object a thread waits on cannot be confirmed',
  );
  assert.match(judgeWaitProbe(expected, [], 2000)!, /^no other thread of this process could be queried/);
});
