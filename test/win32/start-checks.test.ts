// What the Windows backend settles when it starts, in real Windows node.exe processes under Wine:
// SeDebugPrivilege enabled when the token holds it (read back through advapi32, not the backend's
// ntdll path), and a 32-bit build refused before any OS call.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEBUG_PRIVILEGE_NOT_HELD } from '../../native/win32/privilege';
import { provisionWine, runFixture, tempDir, toWinePath, win32RuntimeMissing } from '../support/wine';

const skip = win32RuntimeMissing();

async function fixtureResult(name: string) {
  const dir = tempDir(name);
  const out = path.join(dir, 'out.json');
  const run = await runFixture(name, [toWinePath(out)], 90_000);
  assert.equal(run.code, 0, `${name}: ${run.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

describe('the Windows backend at start, under Wine', { skip, timeout: 300_000 }, () => {
  test('SeDebugPrivilege: enabled when the token holds it, else the exact reason; the advice for unopened processes follows', { timeout: 120_000 }, async () => {
    provisionWine();
    const seen = await fixtureResult('win32-privilege');
    if (seen.before.held) {
      assert.deepEqual(seen.after, { held: true, enabled: true }, JSON.stringify(seen));
      assert.deepEqual(seen.capability, { supported: true });
      assert.equal(seen.unopened, '3 processes could not be opened (protected processes, or they exited; SeDebugPrivilege is enabled)');
    } else {
      assert.deepEqual(seen.after, { held: false, enabled: false }, JSON.stringify(seen));
      assert.deepEqual(seen.capability, { supported: false, reason: DEBUG_PRIVILEGE_NOT_HELD });
      assert.equal(seen.unopened, '3 processes could not be opened (run elevated)');
    }
  });

  test('a 32-bit (ia32) build is refused with one line before any handle is opened', { timeout: 120_000 }, async () => {
    provisionWine();
    const seen = await fixtureResult('win32-arch');
    assert.equal(seen.started, false);
    assert.equal(seen.kind, 'unsupported');
    assert.match(seen.message, /^SyncScope on Windows needs a 64-bit process \(x64 or arm64\), and this build of Node v[\d.]+ is ia32: the structures it reads would not match; use a 64-bit build$/);
    assert.equal(seen.handles, 0);
  });
});
