// `syncscope demo`: real worker processes contending on named objects, to watch with the inspector.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Backend } from '../native';
import { AuditLog } from '../core/audit';
import { DemoRunner } from '../demos/runner';
import { SCENARIO_NAMES, isScenarioName } from '../demos/scenarios';
import { holdFor, integer, print } from './io';

export function registerDemoCommand(program: Command, backend: () => Backend): void {
  program
    .command('demo')
    .description(`run a cross-process demo: ${SCENARIO_NAMES.join(', ')}`)
    .argument('<scenario>', 'which demo', (value: string) => {
      if (!isScenarioName(value)) throw new InvalidArgumentError(`choose one of ${SCENARIO_NAMES.join(', ')}`);
      return value;
    })
    .option('--workers <n>', 'worker processes (where the scenario has a choice)', integer(1, 64), 4)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', integer(1, 0x7fffffff))
    .option('--quiet', 'no line per worker event')
    .option('--json', 'NDJSON: one line per worker event, then a summary line')
    .action(async (scenario, options) => {
      const clock = (t: number) => new Date(t).toISOString().slice(11, 23);
      const runner = new DemoRunner({
        backend: backend(),
        scenario,
        workers: options.workers,
        onEvent: (event) => {
          if (options.json) print(JSON.stringify(event));
          else if (!options.quiet) print(`${clock(event.t)}  ${event.role}#${event.index} (pid ${event.pid})  ${event.event}`);
        },
        onExit: ({ role, index, code }) => {
          if (!options.json && !options.quiet) print(`${clock(Date.now())}  ${role}#${index} exited (${code})`);
        },
      });
      // Demos create objects and start processes: the audit log says so, as it does for the app's.
      const audit = new AuditLog(undefined, 'cli');
      await audit.record('start demo', scenario, () => runner.start(), () =>
        `objects ${Object.values(runner.objects).join(', ')}; workers ${runner.pids.join(', ')}` +
        (runner.removedLeftovers.length ? `; removed what killed demos left: ${runner.removedLeftovers.join(', ')}` : ''),
      );
      const leftovers = runner.removedLeftovers.length > 0 ? { removedLeftovers: runner.removedLeftovers } : {};
      if (options.json) print(JSON.stringify({ demo: scenario, description: runner.plan.description, objects: runner.objects, pids: runner.pids, ...leftovers }));
      else {
        if (runner.removedLeftovers.length > 0) print(`removed what killed demos left: ${runner.removedLeftovers.join(', ')}`);
        print(`demo ${scenario}: ${runner.plan.description}`);
        for (const [short, path] of Object.entries(runner.objects)) print(`  ${short}: ${path}`);
        print(`  workers: ${runner.pids.join(', ')}; Ctrl-C stops them and removes the objects`);
      }
      await holdFor(options.duration);
      // A demo that could not remove everything says what is left, and the command fails.
      await audit.record('stop demo', scenario, () => runner.stop(), () => 'workers stopped, objects removed');
      const counts: Record<string, number> = {};
      for (const event of runner.events) counts[event.event] = (counts[event.event] ?? 0) + 1;
      if (options.json) print(JSON.stringify({ summary: { scenario, objects: runner.objects, counts } }));
      else print(`stopped; ${Object.entries(counts).map(([e, n]) => `${e}: ${n}`).join(', ') || 'no events'}`);
    });
}
