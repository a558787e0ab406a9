// Layouts (x64) of the NT structures the Win32 layer reads and writes, and their constants.
import { invalidArgument } from '../errors';
import { addressOf } from './ntdll';

export const HANDLE_SIZE = 8;
export const CURRENT_PROCESS = 0xffffffffffffffffn; // NtCurrentProcess() pseudo-handle

// Access rights.
export const SYNCHRONIZE = 0x00100000;
export const QUERY_STATE = 0x0001; // EVENT/MUTANT/SEMAPHORE/TIMER_QUERY_STATE
export const MODIFY_STATE = 0x0002; // EVENT/SEMAPHORE/TIMER_MODIFY_STATE
export const GENERIC_ALL_SYNC = 0x001f0003; // *_ALL_ACCESS for events, mutants, semaphores, timers
export const DIRECTORY_QUERY = 0x0001;
export const DIRECTORY_TRAVERSE = 0x0002;
export const PROCESS_DUP_HANDLE = 0x0040;
export const PROCESS_QUERY_INFORMATION = 0x0400;
export const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
export const THREAD_QUERY_INFORMATION = 0x0040;
export const THREAD_QUERY_LIMITED_INFORMATION = 0x0800;
export const THREAD_GET_CONTEXT = 0x0008;
export const DUPLICATE_SAME_ACCESS = 0x2;
export const OBJ_CASE_INSENSITIVE = 0x40;

// Information classes.
export const SystemProcessInformation = 5;
export const SystemExtendedHandleInformation = 64;
export const ObjectBasicInformation = 0;
export const ObjectNameInformation = 1;
export const ObjectTypeInformation = 2;
export const ProcessBasicInformation = 0;
export const ThreadBasicInformation = 0;
export const ProcessHandleCount = 20;
export const ProcessSessionInformation = 24;
export const ProcessHandleInformation = 51; // PROCESS_HANDLE_SNAPSHOT_INFORMATION, Windows 8+
export const ThreadLastSystemCall = 21;
export const EventBasicInformation = 0;
export const MutantBasicInformation = 0;
export const MutantOwnerInformation = 1;
export const SemaphoreBasicInformation = 0;
export const TimerBasicInformation = 0;

// EVENT_TYPE and TIMER_TYPE.
export const NotificationEvent = 0; // manual reset
export const SynchronizationEvent = 1; // auto reset
export const NotificationTimer = 0;
export const SynchronizationTimer = 1;

const UNICODE_STRING_SIZE = 16;
const OBJECT_ATTRIBUTES_SIZE = 48;
/** UNICODE_STRING.Length is a USHORT count of bytes. */
export const MAX_NT_NAME_CHARS = 32767;

/**
 * OBJECT_ATTRIBUTES, its UNICODE_STRING and the name's UTF-16 text in one Buffer, so the
 * pointers inside stay valid for exactly as long as the Buffer passed to the call.
 */
export function objectAttributes(name: string | null, rootDirectory = 0n): Buffer {
  const text = name === null ? Buffer.alloc(0) : Buffer.from(name, 'utf16le');
  if (name !== null && (name.length === 0 || name.length > MAX_NT_NAME_CHARS)) {
    throw invalidArgument('objectAttributes', `object names must have 1 to ${MAX_NT_NAME_CHARS} characters`);
  }
  const buffer = Buffer.alloc(OBJECT_ATTRIBUTES_SIZE + UNICODE_STRING_SIZE + text.length);
  const base = addressOf(buffer);
  buffer.writeUInt32LE(OBJECT_ATTRIBUTES_SIZE, 0);
  buffer.writeBigUInt64LE(rootDirectory, 8);
  if (name !== null) {
    buffer.writeBigUInt64LE(base + BigInt(OBJECT_ATTRIBUTES_SIZE), 16);
    buffer.writeUInt16LE(text.length, OBJECT_ATTRIBUTES_SIZE);
    buffer.writeUInt16LE(text.length, OBJECT_ATTRIBUTES_SIZE + 2);
    buffer.writeBigUInt64LE(base + BigInt(OBJECT_ATTRIBUTES_SIZE + UNICODE_STRING_SIZE), OBJECT_ATTRIBUTES_SIZE + 8);
    text.copy(buffer, OBJECT_ATTRIBUTES_SIZE + UNICODE_STRING_SIZE);
  }
  buffer.writeUInt32LE(OBJ_CASE_INSENSITIVE, 24);
  return buffer;
}

/** CLIENT_ID { UniqueProcess, UniqueThread }. */
export function clientId(pid: number, tid = 0): Buffer {
  const buffer = Buffer.alloc(16);
  buffer.writeBigUInt64LE(BigInt(pid), 0);
  buffer.writeBigUInt64LE(BigInt(tid), 8);
  return buffer;
}

/**
 * Reads a UNICODE_STRING at `offset` whose Buffer pointer points back into `buffer` (as the kernel
 * writes them into the caller's buffer). `base` is the address of `buffer`.
 */
export function readUnicodeString(buffer: Buffer, offset: number, base: bigint): string {
  const length = buffer.readUInt16LE(offset);
  if (length === 0) return '';
  const pointer = buffer.readBigUInt64LE(offset + 8);
  const start = Number(pointer - base);
  if (start < 0 || start + length > buffer.length) return '';
  return buffer.toString('utf16le', start, start + length);
}

/** A LARGE_INTEGER due time: negative is relative, in 100 ns units. */
export function relativeDueTime(milliseconds: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64LE(-BigInt(Math.round(milliseconds * 10_000)), 0);
  return buffer;
}
