// NTSTATUS names, success test and the mapping onto NativeError kinds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeError } from '../../native/errors';
import { STATUS, check, errorKindOf, ntSuccess, statusError, statusName } from '../../native/win32/ntstatus';

/** What koffi hands back for an int32 NTSTATUS with the high bit set. */
const asInt32 = (status: number) => status | 0;

test('statusName: known codes, 0 prefers SUCCESS over WAIT_0', () => {
  assert.equal(statusName(0), 'STATUS_SUCCESS');
  assert.equal(statusName(STATUS.TIMEOUT), 'STATUS_TIMEOUT');
  assert.equal(statusName(STATUS.ABANDONED_WAIT_0), 'STATUS_ABANDONED_WAIT_0');
  assert.equal(statusName(STATUS.OBJECT_NAME_EXISTS), 'STATUS_OBJECT_NAME_EXISTS');
  assert.equal(statusName(STATUS.NO_MORE_ENTRIES), 'STATUS_NO_MORE_ENTRIES');
  assert.equal(statusName(0xc0000034), 'STATUS_OBJECT_NAME_NOT_FOUND');
});

test('statusName: accepts the negative int32 form koffi returns', () => {
  assert.equal(asInt32(0xc0000022), -1073741790);
  assert.equal(statusName(-1073741790), 'STATUS_ACCESS_DENIED');
  assert.equal(statusName(asInt32(STATUS.BUFFER_OVERFLOW)), 'STATUS_BUFFER_OVERFLOW');
});

test('statusName: unknown codes print as 8 hex digits', () => {
  assert.equal(statusName(0xc0001234), 'NTSTATUS 0xc0001234');
  assert.equal(statusName(0x1), 'NTSTATUS 0x00000001');
  assert.equal(statusName(-1), 'NTSTATUS 0xffffffff');
});

test('every STATUS constant has its own name (except WAIT_0, an alias of SUCCESS)', () => {
  for (const [name, value] of Object.entries(STATUS)) {
    if (name === 'WAIT_0') continue;
    assert.equal(statusName(value), `STATUS_${name}`);
    assert.equal(statusName(asInt32(value)), `STATUS_${name}`);
  }
});

test('ntSuccess: success and informational yes, warnings and errors no', () => {
  assert.equal(ntSuccess(STATUS.SUCCESS), true);
  assert.equal(ntSuccess(STATUS.TIMEOUT), true);
  assert.equal(ntSuccess(STATUS.PENDING), true);
  assert.equal(ntSuccess(STATUS.OBJECT_NAME_EXISTS), true);
  assert.equal(ntSuccess(0x7fffffff), true);
  assert.equal(ntSuccess(0x80000000), false);
  assert.equal(ntSuccess(STATUS.BUFFER_OVERFLOW), false);
  assert.equal(ntSuccess(STATUS.NO_MORE_ENTRIES), false);
  assert.equal(ntSuccess(STATUS.ACCESS_DENIED), false);
  assert.equal(ntSuccess(asInt32(STATUS.ACCESS_DENIED)), false);
  assert.equal(ntSuccess(asInt32(STATUS.NO_MORE_ENTRIES)), false);
});

test('errorKindOf: maps failures to error kinds', () => {
  const expected: Array<[number, string]> = [
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
  ];
  for (const [status, kind] of expected) {
    assert.equal(errorKindOf(status), kind, statusName(status));
    assert.equal(errorKindOf(asInt32(status)), kind, `${statusName(status)} as int32`);
  }
});

test('errorKindOf: anything unmapped is os-error', () => {
  assert.equal(errorKindOf(STATUS.UNSUCCESSFUL), 'os-error');
  assert.equal(errorKindOf(STATUS.ACCESS_VIOLATION), 'os-error');
  assert.equal(errorKindOf(STATUS.INVALID_HANDLE), 'os-error');
  assert.equal(errorKindOf(0xc0001234), 'os-error');
});

test('statusError: a NativeError with kind, op, code and a readable message', () => {
  const error = statusError(asInt32(STATUS.OBJECT_NAME_NOT_FOUND), 'NtOpenEvent', '\\BaseNamedObjects\\Foo');
  assert.ok(error instanceof NativeError);
  assert.ok(error instanceof Error);
  assert.equal(error.kind, 'not-found');
  assert.equal(error.op, 'NtOpenEvent');
  assert.equal(error.code, 'STATUS_OBJECT_NAME_NOT_FOUND');
  assert.equal(error.message, 'NtOpenEvent \\BaseNamedObjects\\Foo: no such object (STATUS_OBJECT_NAME_NOT_FOUND)');
});

test('statusError: explanations per kind, "failed" otherwise, subject optional', () => {
  assert.equal(statusError(STATUS.ACCESS_DENIED, 'op').message, 'op: access denied (STATUS_ACCESS_DENIED)');
  assert.equal(statusError(STATUS.OBJECT_TYPE_MISMATCH, 'op').message, 'op: the object is of another type (STATUS_OBJECT_TYPE_MISMATCH)');
  assert.equal(statusError(STATUS.OBJECT_NAME_COLLISION, 'op').message, 'op: an object of that name exists already (STATUS_OBJECT_NAME_COLLISION)');
  assert.match(statusError(STATUS.MUTANT_NOT_OWNED, 'op').message, /^op: the mutex is not owned by the inspector/);
  assert.equal(statusError(STATUS.NOT_IMPLEMENTED, 'op').message, 'op: not supported by this OS (STATUS_NOT_IMPLEMENTED)');
  assert.equal(statusError(STATUS.INVALID_PARAMETER, 'op', 'x').message, 'op x: failed (STATUS_INVALID_PARAMETER)');
  const unknown = statusError(0xc0001234, 'NtFoo');
  assert.equal(unknown.kind, 'os-error');
  assert.equal(unknown.code, 'NTSTATUS 0xc0001234');
  assert.equal(unknown.message, 'NtFoo: failed (NTSTATUS 0xc0001234)');
});

test('check: returns success and informational codes as unsigned', () => {
  assert.equal(check(STATUS.SUCCESS, 'op'), 0);
  assert.equal(check(STATUS.TIMEOUT, 'op'), 0x102);
  assert.equal(check(STATUS.OBJECT_NAME_EXISTS, 'op'), 0x40000000);
});

test('check: throws the typed error for warnings and errors', () => {
  assert.throws(
    () => check(asInt32(STATUS.ACCESS_DENIED), 'NtOpenMutant', 'M'),
    (error: unknown) =>
      error instanceof NativeError &&
      error.kind === 'access-denied' &&
      error.op === 'NtOpenMutant' &&
      error.code === 'STATUS_ACCESS_DENIED' &&
      error.message === 'NtOpenMutant M: access denied (STATUS_ACCESS_DENIED)',
  );
  assert.throws(() => check(STATUS.BUFFER_OVERFLOW, 'q'), { name: 'NativeError', kind: 'os-error', code: 'STATUS_BUFFER_OVERFLOW' });
  assert.throws(() => check(asInt32(STATUS.INVALID_CID), 'q'), { name: 'NativeError', kind: 'vanished' });
});
