#!/usr/bin/env node
// Renders assets/icon.svg with Debian's Chromium (playwright-core) into the app's icons:
// assets/icon.png (512 px, Linux installers) and assets/icon.ico (16-256 px, Windows).
// Run after editing the SVG: node scripts/render-icon.mjs; the outputs are committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Data } from 'resedit';

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../assets');
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const svg = fs.readFileSync(path.join(assets, 'icon.svg'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.SYNCSCOPE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage();
  const render = async (size) => {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`);
    return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  };
  fs.writeFileSync(path.join(assets, 'icon.png'), await render(512));
  // An .ico holding PNG images (read by Windows Vista and later, and by Packager's resedit).
  const ico = new Data.IconFile();
  for (const size of ICO_SIZES) {
    ico.icons.push({ width: size, height: size, colors: 0, planes: 1, bitCount: 32, data: Data.RawIconItem.from(await render(size), size, size, 32) });
  }
  fs.writeFileSync(path.join(assets, 'icon.ico'), Buffer.from(ico.generate()));
} finally {
  await browser.close();
}
