// Decoding x64 ntdll syscall stubs and THREAD_LAST_SYSCALL_INFORMATION from bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLastSyscall, syscallNumberFromStub } from '../../native/win32/last-syscall';

// NtWaitForSingleObject on Windows 10 x64: mov r10, rcx; mov eax, 4; test byte ptr [...], 1; ...
const WIN10_STUB = [0x4c, 0x8b, 0xd1, 0xb8, 0x04, 0x00, 0x00, 0x00, 0xf6, 0x04, 0x25, 0x08, 0x03, 0xfe, 0x7f, 0x01];

test('syscallNumberFromStub: reads the imm32 of mov eax after mov r10, rcx', () => {
  assert.equal(syscallNumberFromStub(Uint8Array.from(WIN10_STUB)), 4);
  assert.equal(syscallNumberFromStub(Buffer.from([0x4c, 0x8b, 0xd1, 0xb8, 0x34, 0x12, 0x00, 0x00])), 0x1234);
});

test('syscallNumberFromStub: the immediate is little-endian over all four bytes', () => {
  assert.equal(syscallNumberFromStub(Buffer.from([0x4c, 0x8b, 0xd1, 0xb8, 0x78, 0x56, 0x34, 0x12])), 0x12345678);
  assert.equal(syscallNumberFromStub(Buffer.from([0x4c, 0x8b, 0xd1, 0xb8, 0x00, 0x00, 0x01, 0x00])), 0x10000);
});

test('syscallNumberFromStub: exactly 8 bytes is enough, fewer is not a stub', () => {
  assert.equal(syscallNumberFromStub(Uint8Array.from(WIN10_STUB.slice(0, 8))), 4);
  assert.equal(syscallNumberFromStub(Uint8Array.from(WIN10_STUB.slice(0, 7))), undefined);
  assert.equal(syscallNumberFromStub(new Uint8Array(0)), undefined);
});

test('syscallNumberFromStub: bytes that are not a plain stub give undefined', () => {
  // Hooked by a detour: jmp rel32.
  assert.equal(syscallNumberFromStub(Buffer.from([0xe9, 0x10, 0x20, 0x30, 0x40, 0x90, 0x90, 0x90])), undefined);
  // An ordinary function prologue: mov [rsp+8], rbx; push rdi; sub rsp, ...
  assert.equal(syscallNumberFromStub(Buffer.from([0x48, 0x89, 0x5c, 0x24, 0x08, 0x57, 0x48, 0x83])), undefined);
  // mov r10, rcx followed by something other than mov eax, imm32.
  assert.equal(syscallNumberFromStub(Buffer.from([0x4c, 0x8b, 0xd1, 0xb9, 0x04, 0x00, 0x00, 0x00])), undefined);
  // Each of the four opcode bytes matters.
  for (let i = 0; i < 4; i++) {
    const bytes = Uint8Array.from(WIN10_STUB);
    bytes[i] ^= 0x01;
    assert.equal(syscallNumberFromStub(bytes), undefined, `byte ${i} altered`);
  }
  assert.equal(syscallNumberFromStub(new Uint8Array(16)), undefined);
});

// THREAD_LAST_SYSCALL_INFORMATION, phnt ntpsapi.h (x64): FirstArgument PVOID @0,
// SystemCallNumber USHORT @8, Pad USHORT[3] @10 (since REDSTONE2), WaitTime ULONG64 @16; 24 bytes.
test('decodeLastSyscall: FirstArgument @0, SystemCallNumber @8, WaitTime @16; the padding leaks into neither', () => {
  const info = Buffer.alloc(24);
  info.writeBigUInt64LE(0x0000_01f4_0000_0abcn, 0);
  info.writeUInt16LE(0x1c4, 8);
  info.writeUInt16LE(0xffff, 10); // Pad[0..2]
  info.writeUInt32LE(0xffffffff, 12);
  info.writeBigUInt64LE(12_345_678n, 16); // 1.2345678 s in 100 ns units
  assert.deepEqual(decodeLastSyscall(info), { firstArgument: 0x0000_01f4_0000_0abcn, syscall: 0x1c4, waitTime100ns: 12_345_678n });
});

test('decodeLastSyscall: 16 bytes written (Windows 7, before WaitTime) leave waitTime100ns out', () => {
  const info = Buffer.alloc(24);
  info.writeBigUInt64LE(0x1a4n, 0);
  info.writeUInt16LE(4, 8);
  info.writeBigUInt64LE(999n, 16); // stale bytes the OS did not write
  assert.deepEqual(decodeLastSyscall(info, 16), { firstArgument: 0x1a4n, syscall: 4 });
  assert.equal('waitTime100ns' in decodeLastSyscall(info, 23), false);
  assert.equal(decodeLastSyscall(info, 24).waitTime100ns, 999n);
});

test('decodeLastSyscall: a handle with the high bit set stays an unsigned bigint', () => {
  const info = Buffer.alloc(16);
  info.writeBigUInt64LE(0xffff_ffff_ffff_fffen, 0);
  info.writeUInt16LE(4, 8);
  const call = decodeLastSyscall(info);
  assert.equal(call.firstArgument, 0xffff_ffff_ffff_fffen);
  assert.equal(call.syscall, syscallNumberFromStub(Uint8Array.from(WIN10_STUB)));
});

test('decodeLastSyscall: fewer than 16 bytes is not the structure', () => {
  assert.throws(() => decodeLastSyscall(Buffer.alloc(9)), RangeError);
  assert.throws(() => decodeLastSyscall(Buffer.alloc(24), 15), RangeError);
});
