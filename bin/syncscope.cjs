#!/usr/bin/env node
// `syncscope` command: runs the bundled CLI that `npm ci` / `npm run build` writes to dist/.
const path = require('node:path');
const cli = path.join(__dirname, '..', 'dist', 'cli.cjs');
try {
  require.resolve(cli);
} catch {
  console.error('syncscope: dist/cli.cjs is missing; run `npm run build` first.');
  process.exit(1);
}
require(cli);
