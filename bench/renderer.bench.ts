// Renderer figures of `npm run bench`: the real renderer (dist/renderer, built by
// scripts/build.mjs) in Debian's Chromium, served by serve/server.ts from a core Service over an
// in-memory backend of 10,000 semaphores (the OS is not what is measured here; the Linux and Wine
// parts measure it). Run by bench/bench.ts:
//
//   node --import tsx bench/renderer.bench.ts --out FILE [--seconds 3] [--samples 20] [--rounds 3]
//
// Each measurement is taken in --rounds rounds; a figure is the median of the rounds' p95s.
// Frame time: requestAnimationFrame deltas in the page over a few seconds while the list holds
// 10,000 rows and is scrolled, an object's detail pane (3 charts) and the contention overview's
// sparklines are on screen, and 1 % of the objects change at each 10 Hz tick.
// Change-to-screen latency: at 20 ms sampling (the app's own rate selector), an object's state is
// changed in the backend; the page stamps when its text changes in the DOM and when the next frame
// starts; both clocks are tied by round trips.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AuditLog } from '../core/audit';
import { Service } from '../core/service';
import { startServer, type RunningServer } from '../serve/server';
import { finishPart, type Figure, type PartResult, median, percentile, round } from './figures';
import { memoryBackend } from './memory-backend';

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const root = path.resolve(__dirname, '..');
const outFile = argument('out', '');
const seconds = Number(argument('seconds', '3'));
const latencySamples = Number(argument('samples', '20'));
const rounds = Number(argument('rounds', '3'));
const chromiumPath = process.env.SYNCSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const OBJECTS = 10_000;
const CONTENDED = 10;
const log = (message: string) => process.stderr.write(`[renderer] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** Epoch milliseconds with sub-millisecond resolution; Chromium's page has the same. */
const nodeNow = () => performance.timeOrigin + performance.now();

declare global {
  interface Window {
    __bench: {
      updates: number;
      changes: Array<{ target: string; text: string; t: number; frame?: number }>;
      watch(targets: Record<string, string>): void;
    };
  }
}

/** Before the app: count stream updates, and be ready to stamp text changes of chosen elements. */
function instrument(): void {
  const bench = (window.__bench = { updates: 0, changes: [], watch: () => undefined } as Window['__bench']);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.startsWith('{"id":-1')) bench.updates++;
      });
    }
  };
  bench.watch = (targets) => {
    const last: Record<string, string | undefined> = {};
    const check = () => {
      const t = performance.timeOrigin + performance.now();
      for (const [target, selector] of Object.entries(targets)) {
        const text = document.querySelector(selector)?.textContent ?? undefined;
        if (text === undefined || text === last[target]) continue;
        last[target] = text;
        const change: Window['__bench']['changes'][number] = { target, text, t };
        bench.changes.push(change);
        // The frame that paints this change starts at the next animation frame.
        requestAnimationFrame(() => (change.frame = performance.timeOrigin + performance.now()));
      }
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: false });
    check();
  };
}

async function clockOffset(page: Page): Promise<{ offset: number; error: number }> {
  let best = { offset: 0, error: Infinity };
  for (let i = 0; i < 15; i++) {
    const before = nodeNow();
    const pageTime = await page.evaluate(() => performance.timeOrigin + performance.now());
    const after = nodeNow();
    if ((after - before) / 2 < best.error) best = { offset: pageTime - (before + after) / 2, error: (after - before) / 2 };
  }
  return best;
}

async function main(): Promise<PartResult> {
  const staticDir = path.resolve(argument('static', path.join(root, 'dist/renderer')));
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) throw new Error('dist/renderer is missing: run node scripts/build.mjs');
  const memory = memoryBackend(OBJECTS);
  // Idle semaphores are available (10 of 10); CONTENDED of them flip between 0 and 1 of 10.
  for (const entry of memory.entries) memory.set(entry.path, 10);
  const contended = memory.entries.slice(0, CONTENDED).map((e) => e.path);
  const listTarget = '\\BaseNamedObjects\\bench1000';
  const detailTarget = '\\BaseNamedObjects\\bench1001';
  const quiet = new Set([listTarget, detailTarget, ...contended]);
  const churnable = memory.entries.map((e) => e.path).filter((p) => !quiet.has(p));
  let cursor = 0;
  const churn = () => {
    for (const p of contended) memory.set(p, memory.state(p).count === 0 ? 1 : 0);
    for (let i = 0; i < OBJECTS / 100; i++) {
      const p = churnable[cursor];
      cursor = (cursor + 1) % churnable.length;
      memory.set(p, memory.state(p).count === 10 ? 9 : 10);
    }
  };

  const auditDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-bench-'));
  const service = new Service(memory.backend, { audit: new AuditLog(path.join(auditDir, 'audit.log'), 'serve'), allowActions: false });
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const churnTimer = setInterval(churn, 100);
  const figures: Figure[] = [];
  const notes: string[] = [];
  try {
    service.start();
    server = await startServer({ service, staticDir });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      timeout: 60_000,
    });
    notes.push(`renderer: Chromium ${browser.version()}, headless, software rendering (--disable-gpu), viewport 1400x900`);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // tsx keeps function names with a helper, __name, that page functions would otherwise lack.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    await page.addInitScript(instrument);
    await page.goto(server.url);
    await page.locator('.count').getByText(`${OBJECTS} of ${OBJECTS}`).waitFor({ timeout: 30_000 });
    // Show an idle object's detail (its 3 charts) by clicking its row, then let the contention
    // overview rank the contended objects (it reloads each second).
    await page.getByLabel('Search by name').fill('bench1001');
    await page.getByRole('row').filter({ hasText: 'bench1001' }).first().click();
    await page.getByLabel('Search by name').fill('');
    await page.locator('.count').getByText(`${OBJECTS} of ${OBJECTS}`).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=state-chart] .recharts-line-curve').first().waitFor({ state: 'attached', timeout: 15_000 });
    await page.waitForFunction((n) => document.querySelectorAll('.contention li').length >= n, CONTENDED, { timeout: 30_000 });
    await sleep(1500);
    const charts = await page.evaluate(() => ({
      detail: document.querySelectorAll('.detail .recharts-surface').length,
      sparklines: document.querySelectorAll('.contention .recharts-surface').length,
      rows: document.querySelectorAll('.scroller [role=row]').length,
    }));
    log(`on screen: ${charts.detail} detail charts, ${charts.sparklines} sparklines, ${charts.rows} rows in the DOM`);

    // ---- frame time, 10 Hz updates, scrolling ----
    const profileFile = argument('profile', '');
    const cdp = profileFile ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const measureFrames = () => page.evaluate(async (durationMs) => {
      const scroller = document.querySelector('.scroller') as HTMLElement;
      const deltas: number[] = [];
      let running = true;
      let last = 0;
      const frame = (t: number) => {
        if (last) deltas.push(t - last);
        last = t;
        if (running) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
      let direction = 1;
      const scroll = setInterval(() => {
        scroller.scrollTop += direction * 240;
        if (scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 5) direction = -1;
        if (scroller.scrollTop <= 0) direction = 1;
      }, 50);
      const long: number[] = [];
      const observer = new PerformanceObserver((list) => long.push(...list.getEntries().map((e) => e.duration)));
      observer.observe({ entryTypes: ['longtask'] });
      const updates = window.__bench.updates;
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      running = false;
      clearInterval(scroll);
      observer.disconnect();
      scroller.scrollTop = 0;
      return { deltas, updates: window.__bench.updates - updates, long, rowsInDom: scroller.querySelectorAll('[role=row]').length };
    }, seconds * 1000);
    const frameRounds: Array<Awaited<ReturnType<typeof measureFrames>>> = [];
    for (let r = 0; r < rounds; r++) frameRounds.push(await measureFrames());
    const frames = {
      deltas: frameRounds.flatMap((f) => f.deltas),
      updates: frameRounds.reduce((sum, f) => sum + f.updates, 0),
      long: frameRounds.flatMap((f) => f.long),
    };
    const roundP95s = frameRounds.map((f) => percentile(f.deltas, 95));
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(profileFile, JSON.stringify(profile));
      notes.push(`renderer: CPU profile of the frame measurement in ${profileFile}`);
    }
    const p95 = median(roundP95s);
    const updateHz = frames.updates / (seconds * rounds);
    const liveCharts = charts.detail + charts.sparklines;
    figures.push(
      {
        id: 'renderer.frame.p95',
        section: 'renderer',
        name: `Chromium frame time p95: ${OBJECTS.toLocaleString('en-US')} rows, ${liveCharts} live charts, 10 Hz updates, scrolling`,
        value: round(p95, 1),
        unit: 'ms',
        max: 20,
        margin: 0.1,
        target: '≤ 20 ms',
        detail:
          `median of ${rounds} rounds' p95 (${roundP95s.map((v) => round(v, 1)).join(', ')} ms); ` +
          `${frames.deltas.length} frames in ${rounds} x ${seconds} s (requestAnimationFrame deltas): median ${round(median(frames.deltas), 1)} ms, ` +
          `p99 ${round(percentile(frames.deltas, 99), 1)} ms, max ${round(Math.max(...frames.deltas), 1)} ms, ` +
          `${frames.deltas.filter((d) => d > 20).length} over 20 ms; ${frames.long.length} long tasks (> 50 ms), longest ${round(Math.max(0, ...frames.long), 0)} ms; ` +
          `${round(updateHz, 1)} stream updates/s received; list scrolled 240 px every 50 ms`,
      },
      {
        id: 'renderer.charts',
        section: 'renderer',
        name: `  live charts on screen (detail pane + contention sparklines)`,
        value: liveCharts,
        unit: '',
        min: 8,
        target: '≥ 8',
        detail: `${charts.detail} in the detail pane (state, waiters, transitions/s, refreshed every 0.5 s), ${charts.sparklines} sparklines (refreshed every 1 s); ${charts.rows} list rows in the DOM (virtualized)`,
      },
      {
        id: 'renderer.updates',
        section: 'renderer',
        name: `  stream updates received per second during the frame measurement`,
        value: round(updateHz, 1),
        unit: '/s',
        detail: `${OBJECTS / 100 + CONTENDED} objects changed per 100 ms tick`,
      },
    );

    // ---- change-to-screen latency at 20 ms sampling ----
    await page.getByLabel('Sampling interval').selectOption('20');
    const deadline = Date.now() + 5000;
    while (service.sampler.currentRates.stateMs !== 20) {
      if (Date.now() > deadline) throw new Error('the sampling rate did not change to 20 ms');
      await sleep(50);
    }
    await page.waitForSelector(`[role=row][title="${listTarget.replaceAll('\\', '\\\\')}"]`, { timeout: 10_000 });
    await page.evaluate(
      (targets) => window.__bench.watch(targets),
      {
        list: `[role=row][title="${listTarget.replaceAll('\\', '\\\\')}"] .cell.state`,
        detail: '[data-testid=detail-state]',
      },
    );
    const clock = await clockOffset(page);
    // Server side of the latency: when the stream commits the change (and sends it to every
    // subscriber that has acknowledged its previous update).
    let expectedCount = -1;
    let committedAt = 0;
    const probe = service.sampler.stream.subscribe((update) => {
      const records = update.type === 'snapshot' ? update.records : update.upserts;
      for (const record of records) {
        if (record.path === listTarget && (record.state as { count?: number } | undefined)?.count === expectedCount && !committedAt) committedAt = nodeNow();
      }
      setImmediate(() => probe.ack());
    });
    const serverLatencies: number[] = [];
    const ticksBefore = service.sampler.stats.ticks;
    const latencyStarted = performance.now();
    let slowest = 0;
    const tickWatch = setInterval(() => (slowest = Math.max(slowest, service.sampler.stats.lastTickMs)), 5);
    const latencies: Record<'list' | 'detail', number[]> = { list: [], detail: [] };
    const domLatencies: number[] = [];
    let value = 10;
    const roundLatencyP95s: number[] = [];
    for (let i = 0; i < latencySamples * rounds; i++) {
      await sleep(60 + Math.random() * 100);
      value = value === 3 ? 4 : 3;
      expectedCount = value;
      committedAt = 0;
      memory.set(listTarget, value);
      memory.set(detailTarget, value);
      const changedAt = nodeNow();
      const expected = `count ${value}/`;
      const seen = await page.waitForFunction(
        ({ after, expected }) => {
          const found: Record<string, { t: number; frame: number }> = {};
          for (const change of window.__bench.changes) {
            if (change.t >= after && change.text.includes(expected) && change.frame !== undefined && !found[change.target]) {
              found[change.target] = { t: change.t, frame: change.frame };
            }
          }
          return found.list && found.detail ? found : undefined;
        },
        { after: changedAt + clock.offset - clock.error - 1, expected },
        { timeout: 5000, polling: 'raf' },
      );
      const found = (await seen.jsonValue()) as Record<'list' | 'detail', { t: number; frame: number }>;
      if (committedAt) serverLatencies.push(committedAt - changedAt);
      for (const target of ['list', 'detail'] as const) {
        latencies[target].push(found[target].frame - clock.offset - changedAt);
        domLatencies.push(found[target].t - clock.offset - changedAt);
      }
      if ((i + 1) % latencySamples === 0) {
        const from = i + 1 - latencySamples;
        roundLatencyP95s.push(percentile([...latencies.list.slice(from), ...latencies.detail.slice(from)], 95));
      }
    }
    probe.close();
    clearInterval(tickWatch);
    const stateHz = (service.sampler.stats.ticks - ticksBefore) / ((performance.now() - latencyStarted) / 1000);
    const all = [...latencies.list, ...latencies.detail];
    figures.push(
      {
        id: 'renderer.latency.p95',
        section: 'renderer',
        name: `change-to-screen latency p95 at 20 ms sampling (${OBJECTS.toLocaleString('en-US')} rows)`,
        value: round(median(roundLatencyP95s), 1),
        unit: 'ms',
        max: 80,
        margin: 0.1,
        target: '≤ 80 ms',
        detail:
          `median of ${rounds} rounds' p95 (${roundLatencyP95s.map((v) => round(v, 1)).join(', ')} ms) of ${latencySamples} changes each, ` +
          `every change seen in a list row and in the detail pane: from the backend change to the start of the frame ` +
          `that paints it; all ${all.length}: median ${round(median(all), 1)} ms, p95 ${round(percentile(all, 95), 1)} ms, max ${round(Math.max(...all), 1)} ms; list row p95 ${round(percentile(latencies.list, 95), 1)} ms, ` +
          `detail p95 ${round(percentile(latencies.detail, 95), 1)} ms; to the DOM change p95 ${round(percentile(domLatencies, 95), 1)} ms; ` +
          `to the server's commit (sampling delay included) median ${round(median(serverLatencies), 1)} ms, p95 ${round(percentile(serverLatencies, 95), 1)} ms ` +
          `(${round(stateHz, 1)} state ticks/s, longest ${round(slowest, 1)} ms); ` +
          `clocks tied within ±${round(clock.error, 2)} ms`,
      },
    );
    if (errors.length) notes.push(`renderer page errors: ${errors.slice(0, 3).join(' | ')}`);
    await page.close();
    return { part: 'renderer', figures, notes };
  } finally {
    clearInterval(churnTimer);
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await service.dispose();
    fs.rmSync(auditDir, { recursive: true, force: true });
  }
}

finishPart(main(), 'renderer', outFile);
