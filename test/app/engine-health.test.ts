// An engine that stops answering (its thread stuck in a call that never returns) is ended and
// restarted by main's heartbeat, like a crash: the window hears why. Run with engines that answer
// main's handshake and then hang, through main/engine-host.ts and the electron stand-in.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EngineStatus } from '../../protocol';
import { installAsElectron, standIn } from '../fixtures/electron-stand-in';
import { waitFor } from '../support/linux';

installAsElectron();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { EngineHost } = require('../../main/engine-host') as typeof import('../../main/engine-host');

/** Says it is ready, answers pings for a while, then blocks its only thread for good. */
const HANGING_ENGINE = `
const port = process.parentPort;
port.on('message', (message) => {
  if (message.data && message.data.type === 'ping') port.postMessage({ type: 'pong', n: message.data.n });
});
port.postMessage({ type: 'ready', platform: 'linux' });
setTimeout(() => { for (;;) {} }, 300);
`;

describe("main's heartbeat to the engine", { timeout: 60_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'syncscope-health-'));
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  test('an engine that stops answering is ended and restarted; past the limit it stays stopped, with the reason', async () => {
    const engine = path.join(work, 'engine.cjs');
    fs.writeFileSync(engine, HANGING_ENGINE);
    const statuses: EngineStatus[] = [];
    const logged: string[] = [];
    const host = new EngineHost({ enginePath: engine, workerPath: engine, heartbeatMs: 100, unresponsiveMs: 1000, maxRestarts: 1, log: (line) => logged.push(line) });
    host.onStatus((status) => statuses.push(status));
    try {
      host.start();
      await waitFor('the restart, then the stop', () => statuses.some((status) => status.state === 'stopped'), 30_000);
    } finally {
      await host.dispose(1000).catch(() => undefined);
    }
    const states = statuses.map((status) => status.state);
    assert.deepEqual(states.slice(0, 4), ['starting', 'running', 'restarting', 'running'], states.join(' '));
    const restarting = statuses.find((status) => status.state === 'restarting')!;
    assert.match(restarting.reason ?? '', /^the engine process stopped answering for \d+ s and was ended$/);
    const stopped = statuses.find((status) => status.state === 'stopped')!;
    assert.match(stopped.reason ?? '', /stopped answering .* it stopped 2 times within 60 s, so it is not restarted automatically/);
    assert.deepEqual(statuses.map((status) => status.generation).filter((g, i, all) => all.indexOf(g) === i), [1, 2], 'two engine processes');
    assert.equal(logged.filter((line) => /stopped answering/.test(line)).length, 2);
    // Both hung processes were really ended.
    const engines = standIn.utilityProcesses.filter((child) => child.child.spawnargs.includes(engine));
    await waitFor('the hung engines to be gone', () => engines.every((child) => child.child.exitCode !== null || child.child.signalCode !== null), 10_000);
  });
});
