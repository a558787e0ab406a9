// Bundles the Node-side entry points (CLI, test fixtures) into dist/ with esbuild, so the same
// JavaScript runs in Linux Node and in the Windows node.exe under Wine. koffi stays external:
// each runtime loads its own native build.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtureDir = path.join(root, 'test/fixtures');
const entryPoints = {
  cli: path.join(root, 'cli/main.ts'),
  'demo-worker': path.join(root, 'demos/demo-worker.ts'),
  // The engine process as Electron runs it; tests drive it through the electron stand-in.
  engine: path.join(root, 'engine/engine.ts'),
};
if (fs.existsSync(fixtureDir)) {
  for (const file of fs.readdirSync(fixtureDir)) {
    if (file.endsWith('.ts')) entryPoints[`fixtures/${file.slice(0, -3)}`] = path.join(fixtureDir, file);
  }
}
for (const extra of process.argv.slice(2)) {
  entryPoints[path.basename(extra).replace(/\.ts$/, '')] = path.resolve(extra);
}

await build({
  entryPoints,
  outdir: path.join(root, 'dist'),
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['koffi'],
  sourcemap: 'inline',
  logLevel: 'warning',
});

// The renderer for serve mode (Electron Forge builds its own copy into .vite/ for the app).
const { build: viteBuild } = await import('vite');
await viteBuild({
  configFile: path.join(root, 'vite.renderer.config.mts'),
  logLevel: 'warn',
  build: { outDir: path.join(root, 'dist/renderer'), emptyOutDir: true },
});
