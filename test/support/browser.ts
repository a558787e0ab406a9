// Debian's Chromium driven by playwright-core, as the machine facts describe; screenshots go to
// test-artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { runtimeMissing } from './runtime';

export const CHROMIUM = process.env.SYNCSCOPE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumMissing = () => runtimeMissing('Chromium', [CHROMIUM, '--version']);
export const artifactsDir = path.resolve(__dirname, '../../test-artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A page that Playwright's route fulfils is "public" to Local Network Access, which would
      // then block its same-origin WebSocket to loopback (the dev server's HMR); no page here is.
      '--disable-features=LocalNetworkAccessChecks',
    ],
    timeout: 60_000,
  });
}

export function artifact(name: string): string {
  fs.mkdirSync(artifactsDir, { recursive: true });
  return path.join(artifactsDir, name);
}
