// How the Win32 suites run their Windows side: natively on Windows (npm run test:win32 there),
// through the rig's node.exe under Wine elsewhere. The choice is made by scripts/wine-rig.mjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: plain ESM script without types
import { chooseRunner, rigHome } from '../../scripts/wine-rig.mjs';

test('chooseRunner: on Windows, scripts run in this Node with Windows paths, no Wine', () => {
  const runner = chooseRunner('win32', 'C:\\Program Files\\nodejs\\node.exe');
  assert.equal(runner.kind, 'native');
  assert.equal(runner.command, 'C:\\Program Files\\nodejs\\node.exe');
  assert.deepEqual(runner.leadingArgs, []);
  assert.equal(runner.hostPath('C:\\work\\syncscope\\dist\\cli.cjs'), 'C:\\work\\syncscope\\dist\\cli.cjs');
});

test('chooseRunner: elsewhere, the rig\'s node.exe under wine, with Linux paths seen through drive Z:', () => {
  for (const platform of ['linux', 'darwin']) {
    const runner = chooseRunner(platform, '/usr/bin/node');
    assert.equal(runner.kind, 'wine');
    assert.equal(runner.command, 'wine');
    assert.equal(runner.leadingArgs.length, 1);
    assert.equal(path.dirname(path.dirname(runner.leadingArgs[0])), rigHome);
    assert.match(runner.leadingArgs[0], /node\.exe$/);
    assert.equal(runner.hostPath('/tmp/syncscope-x/out.json'), 'Z:\\tmp\\syncscope-x\\out.json');
  }
});

test('this machine picks the runner of its own platform', () => {
  assert.equal(chooseRunner().kind, process.platform === 'win32' ? 'native' : 'wine');
});
