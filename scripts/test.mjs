#!/usr/bin/env node
// npm test: builds dist/ (the bundles that run under Wine), then runs every suite with node's
// test runner. Suites whose runtime is missing skip loudly, or fail under CI=true.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv.slice(2);

const slashed = (p) => p.replaceAll('\\', '/');

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

// The type check is part of the test: main/preload/renderer only run inside Electron, which
// cannot start on CI machines, so tsc is what keeps them honest there.
if (filter.length === 0) {
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}

const files = findTests(path.join(root, 'test'))
  // Filters are matched with forward slashes, so `test/win32/` selects the same files on Windows.
  .filter((file) => filter.length === 0 || filter.some((f) => slashed(file).includes(slashed(f))))
  .sort();
// Actions taken by the tests go to a throwaway audit log, not the developer's own.
const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-test-audit-'));
// --test-force-exit: a test file ends when its tests do, even if a child or socket it leaked would
// keep it alive (leaks have tests of their own); one stray handle must not hang the whole run.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-force-exit', ...files],
  { stdio: 'inherit', cwd: root, env: { ...process.env, SYNCSCOPE_AUDIT_LOG: path.join(auditDir, 'audit.log') } },
);
process.exit(result.status ?? 1);
