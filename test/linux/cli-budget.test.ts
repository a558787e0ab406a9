// `--cpu-budget` on every command that samples, over a real POSIX semaphore: the budget reaches
// the sampler (watch's JSON and top's and record's headers say it back, serve's session reports
// it), and the one-shot inspections (why, deadlocks) accept it. Bad values are in cli-errors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { budgetStatusSchema, sessionSchema } from '../../protocol';
import { DIST_CLI, runCli } from '../support/cli-runs';
import { RUN_PREFIX, cleanPosix, notLinux, tempDir } from '../support/linux';

const name = `${RUN_PREFIX}_budget`;

describe('--cpu-budget on the sampling commands', { skip: notLinux, timeout: 120_000 }, () => {
  let dir: string;

  before(async () => {
    dir = tempDir();
    const created = await runCli(['create', 'posix-semaphore', name, '--count', '1', '--hold', '0']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => cleanPosix(name));

  test('watch --json: every line carries the budget status it runs under', async () => {
    const run = await runCli(['watch', name, '--duration', '1', '--json', '--cpu-budget', '2.5']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(lines.length >= 1, run.stdout);
    for (const line of lines) {
      const budget = budgetStatusSchema.parse(line.budget);
      assert.equal(budget.budgetPercent, 2.5);
      assert.equal(budget.objects, 1);
      assert.ok(line.intervalMs === undefined || typeof line.intervalMs === 'number', JSON.stringify(line));
    }
  });

  test('watch: the human output says the budget, and at the end what was used of it', async () => {
    const run = await runCli(['watch', name, '--duration', '1', '--cpu-budget', '4']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^watching 1 object\(s\), every 100 ms; CPU budget 4 %$/m);
    assert.match(run.stdout, /^stopped; CPU \d+\.\d % of 4 %$/m);
  });

  test("top's header shows the CPU used against the budget", async () => {
    const run = await runCli(['top', '--name', `${RUN_PREFIX}_*`, '--iterations', '1', '--refresh', '500', '--cpu-budget', '0.5']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^syncscope top: 1 objects, .*; CPU \d+\.\d % of 0\.5 %/m);
  });

  test("record's summary says what it used of its budget", async () => {
    const out = path.join(dir, 'budget.json');
    const run = await runCli(['record', '--duration', '1', '--out', out, '--name', `${RUN_PREFIX}_*`, '--cpu-budget', '100']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /; CPU \d+\.\d % of 100 %$/m);
    assert.ok(fs.existsSync(out));
  });

  test("serve: the session and the budget request report the command's budget", async () => {
    const server = spawn(process.execPath, [DIST_CLI, 'serve', '--duration', '30', '--cpu-budget', '7'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      server.stdout.on('data', (chunk) => (output += chunk));
      server.stderr.on('data', (chunk) => (output += chunk));
      const url = await new Promise<URL>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${output}`)), 20_000);
        server.stdout.on('data', () => {
          const match = output.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
          if (match) {
            clearTimeout(timer);
            resolve(new URL(match[0]));
          }
        });
      });
      const socket = new WebSocket(`ws://127.0.0.1:${url.port}/ws`, {
        headers: { Cookie: `syncscope_token=${url.searchParams.get('token')}` },
        origin: url.origin,
      });
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const ask = (id: number, channel: string) =>
        new Promise<any>((resolve) => {
          const onMessage = (data: WebSocket.RawData) => {
            const reply = JSON.parse(data.toString());
            if (reply.id !== id) return;
            socket.off('message', onMessage);
            resolve(reply);
          };
          socket.on('message', onMessage);
          socket.send(JSON.stringify({ id, channel, payload: {} }));
        });
      const session = await ask(1, 'session');
      assert.equal(sessionSchema.parse(session.result).cpuBudgetPercent, 7);
      const status = await ask(2, 'budget');
      assert.equal(budgetStatusSchema.parse(status.result).budgetPercent, 7);
      socket.close();
    } finally {
      server.kill('SIGTERM');
    }
  });

  test('why and deadlocks accept the flag (one-shot inspections)', async () => {
    const why = await runCli(['why', String(process.pid), '--json', '--cpu-budget', '3']);
    assert.equal(why.code, 0, why.stderr);
    assert.ok(Array.isArray(JSON.parse(why.stdout).reports));
    const deadlocks = await runCli(['deadlocks', '--json', '--cpu-budget', '3']);
    assert.equal(deadlocks.code, 0, deadlocks.stderr);
    assert.ok(Array.isArray(JSON.parse(deadlocks.stdout).deadlocks));
  });
});
