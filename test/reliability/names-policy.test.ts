// The name rules every front end applies (protocol/names.ts), the Win32 path rules behind them,
// and the escaping that keeps another program's object names from driving a terminal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table } from '../../cli/format';
import { NativeError } from '../../native/errors';
import { resolveObjectPath, validateCreateName } from '../../native/win32/names';
import { nameProblem, printable } from '../../protocol/names';
import { HOSTILE_PROTOCOL_NAMES } from '../support/fuzz';

test('nameProblem: every hostile name is refused with a reason; ordinary names, including non-Latin and emoji, pass', () => {
  for (const [label, name] of HOSTILE_PROTOCOL_NAMES) assert.ok(nameProblem(name), label);
  assert.match(nameProblem('x\uD800')!, /lone surrogate U\+D800 at position 1/);
  assert.match(nameProblem('evil\u202Egpj.exe')!, /U\+202E at position 4/);
  assert.match(nameProblem('x'.repeat(32_768))!, /32768 characters; the limit is 32767/);
  for (const name of ['Foo', 'Local\\MyApp.Ready-1 {x}', 'Global\\{6F9619FF-8B86-D011-B42D-00C04FC964FF}', 'sysv:key=0x5eed', '/jobs', 'Ünïcødé', 'ロック', '😀 lock', 'x'.repeat(32_767)]) {
    assert.equal(nameProblem(name), undefined, name.slice(0, 40));
  }
  for (const notString of [undefined, null, 5, {}, ['x']]) assert.ok(nameProblem(notString));
});

test('printable: escapes control, format and separator characters and lone surrogates; cuts very long text', () => {
  assert.equal(printable('a\u001b[31mb'), 'a\\u{1b}[31mb');
  assert.equal(printable('x\u202Ey\u200Bz\u2028'), 'x\\u{202e}y\\u{200b}z\\u{2028}');
  assert.equal(printable('lone \uD800'), 'lone \\u{d800}');
  assert.equal(printable('ok 😀 ロック'), 'ok 😀 ロック');
  const long = printable('x'.repeat(5000));
  assert.ok(long.length < 1100 && long.endsWith('… (5000 characters)'), long.slice(-40));
});

test('CLI tables escape names: another program\'s object name cannot move the cursor or reorder the line', () => {
  const out = table(['NAME', 'STATE'], [['\u001b]0;pwned\u0007', 'ok'], ['evil\u202Egpj.exe', 'fine']]);
  assert.doesNotMatch(out, /[\u001b\u0007\u202e]/);
  assert.match(out, /\\u\{1b\}\]0;pwned\\u\{7\}/);
});

test('Win32: "." and ".." components are refused everywhere; "/" only in names SyncScope creates', () => {
  const invalid = (e: unknown) => e instanceof NativeError && e.kind === 'invalid-argument';
  for (const name of ['..', '.', 'Local\\..\\x', 'Global\\.', 'Session\\1\\..', '\\BaseNamedObjects\\..\\x', '\\..']) {
    assert.throws(() => resolveObjectPath(name, 1, 'open'), invalid, name);
  }
  for (const name of ['a..b', '...x', 'x.', '.x']) assert.doesNotThrow(() => resolveObjectPath(name, 1, 'open'), name);
  assert.throws(() => validateCreateName('a/b'), invalid);
  assert.doesNotThrow(() => validateCreateName('Local\\a.b-c'));
  // Looking one up is fine: kernel32 allows "/" in names, and another program may have made one.
  assert.equal(resolveObjectPath('a/b', 1), '\\Sessions\\1\\BaseNamedObjects\\a/b');
});
