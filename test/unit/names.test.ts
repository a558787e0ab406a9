// Win32 object names -> NT paths: pure string logic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeError } from '../../native/errors';
import {
  GLOBAL_DIRECTORY,
  kindOfTypeName,
  resolveObjectPath,
  sessionDirectory,
  splitPath,
  typeNameOfKind,
  validateName,
} from '../../native/win32/names';
import { MAX_NT_NAME_CHARS } from '../../native/win32/structs';

const SESSION1 = '\\Sessions\\1\\BaseNamedObjects';

/** assert.throws matcher for an invalid-argument NativeError raised by `op`. */
function invalid(op: string, message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof NativeError, `expected a NativeError, got ${error}`);
    assert.equal(error.kind, 'invalid-argument');
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.op, op);
    assert.match(error.message, message);
    return true;
  };
}

test('sessionDirectory: session 0 shares the global directory, others have their own', () => {
  assert.equal(GLOBAL_DIRECTORY, '\\BaseNamedObjects');
  assert.equal(sessionDirectory(0), '\\BaseNamedObjects');
  assert.equal(sessionDirectory(1), SESSION1);
  assert.equal(sessionDirectory(12), '\\Sessions\\12\\BaseNamedObjects');
});

test('resolveObjectPath: a bare name lives in the caller session directory', () => {
  assert.equal(resolveObjectPath('Foo', 1), `${SESSION1}\\Foo`);
  assert.equal(resolveObjectPath('Foo', 3), '\\Sessions\\3\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('Foo', 0), '\\BaseNamedObjects\\Foo');
});

test('resolveObjectPath: Local\\ is the caller session, case-insensitively', () => {
  assert.equal(resolveObjectPath('Local\\Foo', 1), `${SESSION1}\\Foo`);
  assert.equal(resolveObjectPath('LOCAL\\Foo', 2), '\\Sessions\\2\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('local\\Foo', 0), '\\BaseNamedObjects\\Foo');
});

test('resolveObjectPath: Global\\ is \\BaseNamedObjects whatever the session', () => {
  assert.equal(resolveObjectPath('Global\\Foo', 1), '\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('gLoBaL\\Foo', 7), '\\BaseNamedObjects\\Foo');
});

test('resolveObjectPath: Session\\<n>\\ picks session n, not the caller session', () => {
  assert.equal(resolveObjectPath('Session\\2\\Foo', 1), '\\Sessions\\2\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('session\\0\\Foo', 1), '\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('Session\\15\\Bar', 0), '\\Sessions\\15\\BaseNamedObjects\\Bar');
});

test('resolveObjectPath: the leaf keeps its case and its characters', () => {
  assert.equal(resolveObjectPath('Local\\MyApp.Ready-1 {x}', 1), `${SESSION1}\\MyApp.Ready-1 {x}`);
  assert.equal(resolveObjectPath('Globalish', 1), `${SESSION1}\\Globalish`);
});

test('resolveObjectPath: a full NT path is returned unchanged', () => {
  assert.equal(resolveObjectPath('\\BaseNamedObjects\\Foo', 1), '\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('\\Sessions\\4\\BaseNamedObjects\\Foo', 1), '\\Sessions\\4\\BaseNamedObjects\\Foo');
  assert.equal(resolveObjectPath('\\Foo', 1), '\\Foo');
});

test('resolveObjectPath: rejects malformed NT paths', () => {
  assert.throws(() => resolveObjectPath('\\', 1, 'open'), invalid('open', /not a valid NT path/));
  assert.throws(() => resolveObjectPath('\\BaseNamedObjects\\', 1, 'open'), invalid('open', /not a valid NT path/));
  assert.throws(() => resolveObjectPath('\\BaseNamedObjects\\\\Foo', 1, 'open'), invalid('open', /not a valid NT path/));
});

test('resolveObjectPath: a prefix with nothing after it is rejected', () => {
  for (const name of ['Local\\', 'Global\\', 'Session\\1\\']) {
    assert.throws(() => resolveObjectPath(name, 1, 'create'), invalid('create', /after the prefix is empty/), name);
  }
});

test('resolveObjectPath: validates the name first and defaults op to "resolve"', () => {
  assert.throws(() => resolveObjectPath('', 1), invalid('resolve', /empty/));
  assert.throws(() => resolveObjectPath('Local\\a\u0000b', 1, 'open'), invalid('open', /control character/));
});

test('validateName: accepts ordinary names up to the limit', () => {
  assert.doesNotThrow(() => validateName('Foo', 'op'));
  assert.doesNotThrow(() => validateName('x'.repeat(MAX_NT_NAME_CHARS), 'op'));
  assert.doesNotThrow(() => validateName('Ünïcødé ✓ names/with slashes', 'op'));
});

test('validateName: rejects empty, non-string, too long and control characters', () => {
  assert.throws(() => validateName('', 'open'), invalid('open', /the name is empty/));
  assert.throws(() => validateName(undefined as unknown as string, 'open'), invalid('open', /the name is empty/));
  assert.throws(
    () => validateName('x'.repeat(MAX_NT_NAME_CHARS + 1), 'open'),
    invalid('open', new RegExp(`has ${MAX_NT_NAME_CHARS + 1} characters; the limit is ${MAX_NT_NAME_CHARS}`)),
  );
  for (const bad of ['a\u0000', '\tFoo', 'Foo\n', 'a\u001fb', 'a\u007fb']) {
    assert.throws(() => validateName(bad, 'open'), invalid('open', /control character/), JSON.stringify(bad));
  }
});

test('splitPath: directory and leaf of a full path', () => {
  assert.deepEqual(splitPath('\\Sessions\\1\\BaseNamedObjects\\Foo'), { directory: SESSION1, name: 'Foo' });
  assert.deepEqual(splitPath('\\BaseNamedObjects\\Foo'), { directory: '\\BaseNamedObjects', name: 'Foo' });
});

test('splitPath: entries of the root directory and paths without a backslash', () => {
  assert.deepEqual(splitPath('\\Foo'), { directory: '\\', name: 'Foo' });
  assert.deepEqual(splitPath('Foo'), { directory: '\\', name: 'Foo' });
  assert.deepEqual(splitPath('\\A\\'), { directory: '\\A', name: '' });
});

test('kindOfTypeName: sampled NT types map to contract kinds, others to lowercase', () => {
  assert.equal(kindOfTypeName('Event'), 'event');
  assert.equal(kindOfTypeName('Mutant'), 'mutex');
  assert.equal(kindOfTypeName('Semaphore'), 'semaphore');
  assert.equal(kindOfTypeName('Timer'), 'timer');
  assert.equal(kindOfTypeName('SymbolicLink'), 'symboliclink');
  assert.equal(kindOfTypeName('Section'), 'section');
  // The type map is exact-case: an unknown spelling is not folded onto a kind.
  assert.equal(kindOfTypeName('MUTANT'), 'mutant');
});

test('typeNameOfKind: inverse of the sampled kinds only', () => {
  assert.equal(typeNameOfKind('mutex'), 'Mutant');
  assert.equal(typeNameOfKind('event'), 'Event');
  assert.equal(typeNameOfKind('semaphore'), 'Semaphore');
  assert.equal(typeNameOfKind('timer'), 'Timer');
  assert.equal(typeNameOfKind('mutant'), undefined);
  assert.equal(typeNameOfKind('section'), undefined);
  for (const kind of ['event', 'mutex', 'semaphore', 'timer']) assert.equal(kindOfTypeName(typeNameOfKind(kind)!), kind);
});
