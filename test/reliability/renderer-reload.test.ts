// The renderer in Chromium against serve mode (in this process, over an in-memory backend): an
// object the backend may not open shows as denied with the reason, one that vanishes shows as
// gone with its last state, and a reload resumes the stream with a fresh snapshot on a new
// connection while the old subscription is released, with no error on either side and no
// history lost.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { AuditLog } from '../../core/audit';
import { Service } from '../../core/service';
import type { SampledObject } from '../../native/backend';
import { NativeError } from '../../native/errors';
import { startServer, type RunningServer } from '../../serve/server';
import { chromiumMissing, launchChromium, artifact } from '../support/browser';
import { ROOT } from '../support/cli-runs';
import { MemoryBackend } from '../support/memory-backend';
import fs from 'node:fs';
import os from 'node:os';

const skip = chromiumMissing();

class DeniedBackend extends MemoryBackend {
  override open(name: string): SampledObject {
    if (this.resolve(name) === '\\Memory\\Denied') {
      throw new NativeError('access-denied', 'NtOpenEvent', 'NtOpenEvent \\Memory\\Denied: access denied (STATUS_ACCESS_DENIED)', 'STATUS_ACCESS_DENIED');
    }
    return super.open(name);
  }
}

describe('the renderer through faults and a reload', { skip, timeout: 180_000 }, () => {
  let backend: DeniedBackend;
  let service: Service;
  let server: RunningServer;
  let browser: Browser;
  let toggler: NodeJS.Timeout;
  const escaped: unknown[] = [];
  const onEscaped = (error: unknown) => escaped.push(error);

  before(async () => {
    process.on('uncaughtException', onEscaped);
    process.on('unhandledRejection', onEscaped);
    backend = new DeniedBackend()
      .add('\\Memory\\Toggle', 'event', { eventType: 'manual', signaled: false })
      .add('\\Memory\\Denied', 'event', { eventType: 'manual', signaled: false })
      .add('\\Memory\\Vanisher', 'semaphore', { count: 2, max: 5 });
    const audit = new AuditLog(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-reload-')), 'audit.log'), 'test');
    service = new Service(backend, { rates: { stateMs: 20, scanMs: 100, holdersMs: 500 }, audit });
    service.start();
    toggler = setInterval(() => {
      const state = backend.objects.get('\\Memory\\Toggle')!.state;
      state.signaled = !state.signaled;
    }, 50);
    server = await startServer({ service, staticDir: path.join(ROOT, 'dist/renderer') });
    browser = await launchChromium();
  });
  after(async () => {
    clearInterval(toggler);
    await browser?.close();
    await server?.close();
    await service?.dispose();
    process.off('uncaughtException', onEscaped);
    process.off('unhandledRejection', onEscaped);
  });

  const row = (page: Page, name: string) => page.getByRole('row').filter({ hasText: name });
  const until = async (what: string, probe: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!probe()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  test('denied and gone objects say so with the reason; a reload resumes with a fresh snapshot and releases the old stream', async () => {
    const baseline = service.sampler.stream.subscriberCount; // the service's own recorder
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    const sockets: Array<{ url: string; snapshots: number; errors: number }> = [];
    page.on('websocket', (socket) => {
      const entry = { url: socket.url(), snapshots: 0, errors: 0 };
      sockets.push(entry);
      socket.on('framereceived', (frame) => {
        const text = String(frame.payload);
        if (text.includes('"type":"snapshot"')) entry.snapshots++;
        if (text.includes('"ok":false')) entry.errors++;
      });
    });

    await page.goto(server.url);
    await row(page, 'Toggle').waitFor({ timeout: 20_000 });
    // Denied: the list says so, and the detail gives the reason.
    await row(page, 'Denied').getByText('access-denied').waitFor({ timeout: 10_000 });
    await row(page, 'Denied').click();
    await page.getByTestId('detail-state').getByText(/access-denied: .*STATUS_ACCESS_DENIED/).waitFor({ timeout: 10_000 });
    // Gone: removed from the backend, shown as gone with its last state.
    await row(page, 'Vanisher').click();
    await page.getByTestId('detail-state').getByText(/count 2\/5/).waitFor({ timeout: 10_000 });
    backend.objects.delete('\\Memory\\Vanisher');
    await row(page, 'Vanisher').getByText('gone').waitFor({ timeout: 10_000 });
    await page.getByTestId('detail-state').getByText(/gone since .*; last seen count 2\/5/).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifact('reliability-denied-gone.png') });
    assert.equal(service.sampler.stream.subscriberCount, baseline + 1);
    const historyBefore = service.sampler.history.get('\\Memory\\Toggle')!.query(0, Date.now(), 10_000).length;

    await page.reload();
    await row(page, 'Toggle').waitFor({ timeout: 20_000 });
    await row(page, 'Vanisher').getByText('gone').waitFor({ timeout: 10_000 });
    await until('a second socket with its snapshot', () => sockets.length === 2 && sockets[1].snapshots >= 1);
    await until('the old subscription to be released', () => service.sampler.stream.subscriberCount === baseline + 1);
    // The old connection is gone on the server's side (subscription released, above); the stream
    // goes on over the new one.
    const toggleState = () => row(page, 'Toggle').innerText();
    const first = await toggleState();
    let changed = false;
    for (let i = 0; i < 100 && !changed; i++) {
      await page.waitForTimeout(50);
      changed = (await toggleState()) !== first;
    }
    assert.ok(changed, 'updates keep arriving after the reload');
    assert.ok(service.sampler.history.get('\\Memory\\Toggle')!.query(0, Date.now(), 10_000).length >= historyBefore, 'history kept');

    await page.close();
    await until('the page\'s subscription to be released', () => service.sampler.stream.subscriberCount === baseline);
    assert.deepEqual(sockets.map((s) => s.errors), [0, 0], 'no request failed');
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(escaped, [], 'no error escaped on the server');
    assert.equal(service.sampler.stream.sendErrors, 0);
  });
});
