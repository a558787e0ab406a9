// The typed error every backend throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeError, invalidArgument, isNativeError, unsupported } from '../../native/errors';

test('NativeError: an Error carrying kind, op and code', () => {
  const error = new NativeError('not-found', 'NtOpenEvent', 'no such object', 'STATUS_OBJECT_NAME_NOT_FOUND');
  assert.ok(error instanceof Error);
  assert.ok(error instanceof NativeError);
  assert.equal(error.name, 'NativeError');
  assert.equal(error.kind, 'not-found');
  assert.equal(error.op, 'NtOpenEvent');
  assert.equal(error.code, 'STATUS_OBJECT_NAME_NOT_FOUND');
  assert.equal(error.message, 'no such object');
  assert.equal(String(error), 'NativeError: no such object');
  assert.match(error.stack ?? '', /^NativeError: no such object/);
});

test('NativeError: code defaults to the empty string', () => {
  assert.equal(new NativeError('os-error', 'op', 'm').code, '');
});

test('NativeError.toJSON: exactly kind, code, op and message', () => {
  const error = new NativeError('timeout', 'acquire', 'M stayed locked for 5 ms', 'STATUS_TIMEOUT');
  const expected = { kind: 'timeout', code: 'STATUS_TIMEOUT', op: 'acquire', message: 'M stayed locked for 5 ms' };
  assert.deepEqual(error.toJSON(), expected);
  assert.deepEqual(JSON.parse(JSON.stringify(error)), expected);
  assert.deepEqual(JSON.parse(JSON.stringify({ error })), { error: expected });
});

test('isNativeError: only NativeError instances', () => {
  assert.equal(isNativeError(new NativeError('vanished', 'op', 'gone')), true);
  assert.equal(isNativeError(new Error('plain')), false);
  assert.equal(isNativeError({ kind: 'not-found', code: '', op: 'op', message: 'duck' }), false);
  assert.equal(isNativeError(undefined), false);
  assert.equal(isNativeError('NativeError'), false);
});

test('unsupported(): kind unsupported, code UNSUPPORTED, reason as message', () => {
  const error = unsupported('loadBackend', 'no backend for plan9');
  assert.ok(isNativeError(error));
  assert.deepEqual(error.toJSON(), { kind: 'unsupported', code: 'UNSUPPORTED', op: 'loadBackend', message: 'no backend for plan9' });
});

test('invalidArgument(): kind invalid-argument, code INVALID_ARGUMENT', () => {
  const error = invalidArgument('create', 'the name is empty');
  assert.ok(isNativeError(error));
  assert.deepEqual(error.toJSON(), { kind: 'invalid-argument', code: 'INVALID_ARGUMENT', op: 'create', message: 'the name is empty' });
});
