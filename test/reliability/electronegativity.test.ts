// Electronegativity (Doyensec's Electron security linter) over the app's Electron code: main/,
// preload/ and renderer/, scanned together so that its global checks (navigation limits,
// permission handler, CSP) see the whole app. No HIGH finding may remain, and the hardening
// checks must pass outright. A deliberately insecure window is scanned too, so that a scanner
// that silently checks nothing cannot pass. The check that downloads Electron's release list
// (AvailableSecurityFixesGlobalCheck) is left out: CI has no internet, and the Electron version
// is pinned in package.json.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../support/cli-runs';

interface Issue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: string };
  confidence: { name: string };
  description: string;
}

async function scan(dir: string): Promise<{ issues: Issue[]; errors: Array<{ file: string; message: string; tolerable: boolean }> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const run = require('@doyensec/electronegativity') as (options: Record<string, unknown>) => Promise<{ issues: Issue[]; errors: [] }>;
  const electronVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
  // It prints progress and a "no connectivity" note for the translations it tries to fetch.
  const log = console.log;
  console.log = () => undefined;
  try {
    return await run({
      input: dir,
      isRelative: true,
      electronVersionOverride: electronVersion,
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    });
  } finally {
    console.log = log;
  }
}

function stage(folders: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-electronegativity-'));
  for (const folder of folders) fs.cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  return dir;
}

const describeIssue = (i: Issue) => `${i.id} ${i.severity.name}/${i.confidence.name} ${i.file}:${i.location.line}:${i.location.column} ${i.description}`;

test('Electronegativity: no HIGH finding in main/, preload/ and renderer/; the window hardening checks pass', { timeout: 120_000 }, async () => {
  const dir = stage(['main', 'preload', 'renderer']);
  try {
    const { issues, errors } = await scan(dir);
    process.stdout.write(`# Electronegativity: ${issues.length} finding(s)\n${issues.map((i) => `#   ${describeIssue(i)}`).join('\n')}\n`);
    assert.deepEqual(errors.filter((e) => !e.tolerable).map((e) => `${e.file}: ${e.message}`), [], 'every file was parsed and checked');
    assert.deepEqual(issues.filter((i) => i.severity.name === 'HIGH').map(describeIssue), [], 'HIGH findings');
    const mustPass = [
      'CONTEXT_ISOLATION_JS_CHECK',
      'NODE_INTEGRATION_JS_CHECK',
      'SANDBOX_JS_CHECK',
      'WEB_SECURITY_JS_CHECK',
      'INSECURE_CONTENT_JS_CHECK',
      'EXPERIMENTAL_FEATURES_JS_CHECK',
      'AUXCLICK_JS_CHECK',
      'LIMIT_NAVIGATION_GLOBAL_CHECK',
      'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
      'OPEN_EXTERNAL_JS_CHECK',
      'REMOTE_MODULE_JS_CHECK',
    ];
    assert.deepEqual(issues.filter((i) => mustPass.includes(i.id)).map(describeIssue), [], 'hardening checks');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Electronegativity: the same scan flags a deliberately insecure window (the scanner is not silently checking nothing)', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-electronegativity-bad-'));
  try {
    fs.mkdirSync(path.join(dir, 'main'));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(
      path.join(dir, 'main/main.ts'),
      "import { BrowserWindow } from 'electron';\n" +
        'export function open(): BrowserWindow {\n' +
        '  return new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n' +
        '}\n',
    );
    const { issues } = await scan(dir);
    const high = issues.filter((i) => i.severity.name === 'HIGH').map((i) => i.id);
    assert.ok(high.includes('CONTEXT_ISOLATION_JS_CHECK'), `flagged: ${high.join(', ')}`);
    assert.ok(high.includes('LIMIT_NAVIGATION_GLOBAL_CHECK'), `flagged: ${high.join(', ')}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
