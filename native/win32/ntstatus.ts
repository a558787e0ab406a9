import { NativeError, type NativeErrorKind } from '../errors';

// NTSTATUS values the Win32 layer meets. Koffi returns int32, so compare with `>>> 0`.
export const STATUS = {
  SUCCESS: 0x00000000,
  WAIT_0: 0x00000000,
  ABANDONED_WAIT_0: 0x00000080,
  TIMEOUT: 0x00000102,
  PENDING: 0x00000103,
  NOT_ALL_ASSIGNED: 0x00000106,
  OBJECT_NAME_EXISTS: 0x40000000,
  NO_MORE_ENTRIES: 0x8000001a,
  BUFFER_OVERFLOW: 0x80000005,
  UNSUCCESSFUL: 0xc0000001,
  NOT_IMPLEMENTED: 0xc0000002,
  INVALID_INFO_CLASS: 0xc0000003,
  INFO_LENGTH_MISMATCH: 0xc0000004,
  ACCESS_VIOLATION: 0xc0000005,
  INVALID_HANDLE: 0xc0000008,
  INVALID_CID: 0xc000000b,
  INVALID_PARAMETER: 0xc000000d,
  ACCESS_DENIED: 0xc0000022,
  BUFFER_TOO_SMALL: 0xc0000023,
  OBJECT_TYPE_MISMATCH: 0xc0000024,
  OBJECT_NAME_INVALID: 0xc0000033,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_INVALID: 0xc0000039,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  SEMAPHORE_LIMIT_EXCEEDED: 0xc0000047,
  MUTANT_NOT_OWNED: 0xc0000046,
  PROCESS_IS_TERMINATING: 0xc000010a,
  NOT_SUPPORTED: 0xc00000bb,
  INVALID_PARAMETER_2: 0xc00000f0,
  PRIVILEGE_NOT_HELD: 0xc0000061,
  NAME_TOO_LONG: 0xc0000106,
} as const;

const statusNames = new Map<number, string>(
  Object.entries(STATUS).map(([name, value]) => [value, `STATUS_${name}`]),
);
// WAIT_0 and SUCCESS share 0; prefer SUCCESS.
statusNames.set(0, 'STATUS_SUCCESS');

export function statusName(status: number): string {
  const value = status >>> 0;
  return statusNames.get(value) ?? `NTSTATUS 0x${value.toString(16).padStart(8, '0')}`;
}

/** NT_SUCCESS(): success and informational codes, not warnings or errors. */
export function ntSuccess(status: number): boolean {
  return status >>> 0 < 0x80000000;
}

const kindByStatus = new Map<number, NativeErrorKind>([
  [STATUS.OBJECT_NAME_NOT_FOUND, 'not-found'],
  [STATUS.OBJECT_PATH_NOT_FOUND, 'not-found'],
  [STATUS.ACCESS_DENIED, 'access-denied'],
  [STATUS.PRIVILEGE_NOT_HELD, 'access-denied'],
  [STATUS.OBJECT_TYPE_MISMATCH, 'wrong-type'],
  [STATUS.OBJECT_NAME_COLLISION, 'already-exists'],
  [STATUS.OBJECT_NAME_INVALID, 'invalid-argument'],
  [STATUS.OBJECT_PATH_INVALID, 'invalid-argument'],
  [STATUS.OBJECT_PATH_SYNTAX_BAD, 'invalid-argument'],
  [STATUS.INVALID_PARAMETER, 'invalid-argument'],
  [STATUS.NAME_TOO_LONG, 'invalid-argument'],
  [STATUS.SEMAPHORE_LIMIT_EXCEEDED, 'invalid-argument'],
  [STATUS.MUTANT_NOT_OWNED, 'not-owner'],
  [STATUS.NOT_IMPLEMENTED, 'unsupported'],
  [STATUS.INVALID_INFO_CLASS, 'unsupported'],
  [STATUS.NOT_SUPPORTED, 'unsupported'],
  [STATUS.INVALID_CID, 'vanished'],
  [STATUS.PROCESS_IS_TERMINATING, 'vanished'],
]);

export function errorKindOf(status: number): NativeErrorKind {
  return kindByStatus.get(status >>> 0) ?? 'os-error';
}

/** Turns a failed NTSTATUS into a typed error: `op` names the call, `subject` what it was about. */
export function statusError(status: number, op: string, subject?: string): NativeError {
  const name = statusName(status);
  const about = subject ? ` ${subject}` : '';
  const kind = errorKindOf(status);
  const explanation: Partial<Record<NativeErrorKind, string>> = {
    'not-found': 'no such object',
    'access-denied': 'access denied',
    'wrong-type': 'the object is of another type',
    'already-exists': 'an object of that name exists already',
    'not-owner': 'the mutex is not owned by the inspector: only its owner thread can release it',
    unsupported: 'not supported by this OS',
  };
  const text = explanation[kind] ?? 'failed';
  return new NativeError(kind, op, `${op}${about}: ${text} (${name})`, name);
}

/** Throws a typed error unless the status is a success. Returns the status for callers that branch on informational codes. */
export function check(status: number, op: string, subject?: string): number {
  if (!ntSuccess(status)) throw statusError(status, op, subject);
  return status >>> 0;
}
