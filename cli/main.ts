#!/usr/bin/env node
// syncscope: the command-line front end. Each command is a thin layer over native/ and core/.
import { Command, CommanderError } from 'commander';
import { isNativeError, loadBackend, messageOf, NativeError, type ActionName, type AnyCreateSpec, type Backend } from '../native';
import { AuditLog } from '../core/audit';
import { listReports, showReport } from '../core/inspect';
import { describeHolders, describeState, describeWaiter, table, withIncomplete } from './format';
import { collect, confirm, holdFor, integer, objectName, octal, print, printJson, stopPrinting } from './io';
import { printable } from '../protocol/names';
import { registerLiveCommands } from './live';
import { registerServeCommand } from './serve';
import { registerDemoCommand } from './demo';
import { registerWhyCommand } from './why';

/** Exit codes, stable for scripts: 0 ok, 1 other failure, 2 usage, 3 not found, 4 access denied, 5 timeout. */
const EXIT = { failure: 1, usage: 2, 'not-found': 3, vanished: 3, 'access-denied': 4, timeout: 5 } as const;

let debug = false;
let backendInstance: Backend | undefined;
const backend = () => (backendInstance ??= loadBackend());
let auditInstance: AuditLog | undefined;
const audit = () => (auditInstance ??= new AuditLog(undefined, 'cli'));
const program = new Command()
  .name('syncscope')
  .description('Inspect live named kernel synchronization objects: state, holders, waiters; act on them.')
  .option('--debug', 'print stack traces with errors')
  .hook('preAction', (command) => {
    debug = Boolean(command.opts().debug);
  })
  // Usage errors are one line too, with control characters in what the user typed escaped.
  .configureOutput({ outputError: (text, write) => write(`syncscope: ${printable(text.trim())} (add --help for usage)\n`) })
  .exitOverride();

program
  .command('list')
  .description('list named objects with their state and holders')
  .option('--json', 'print one JSON array')
  .option('--kind <kind>', 'only this kind (event, mutex, semaphore, timer, symboliclink, ...; posix-semaphore, sysv-semaphore, file-lock); repeatable', collect)
  .option('--name <glob>', 'only names matching this glob (case-insensitive)')
  .option('--dir <path>', 'scan this object directory (Linux: source) instead of the defaults, e.g. \\KernelObjects, /proc/locks; repeatable', collect)
  .option('--no-holders', 'skip holder attribution (faster)')
  .option('--no-waiters', 'skip waiter attribution (faster)')
  .action((options) => {
    const reports = listReports(backend(), {
      kinds: options.kind,
      nameGlob: options.name,
      scopes: options.dir,
      holders: options.holders,
      waiters: options.waiters,
    });
    if (options.json) return printJson(reports);
    print(
      table(
        ['KIND', 'NAME', 'STATE', 'HOLDERS', 'DIRECTORY'],
        reports.map((r) => [
          r.kind,
          r.name,
          r.error ? `<${r.error.kind}>` : describeState(r),
          describeHolders(r),
          // An unnamed object's path is its identity, not a directory and name.
          r.path.endsWith(r.name) ? r.path.slice(0, r.path.length - r.name.length - 1) : r.path,
        ]),
      ),
    );
    print(`${reports.length} object(s)`);
    // One pass attributes every object, so an incomplete one is said once (the pids: --json).
    const incomplete = reports.find((r) => r.holders && r.unavailable?.holders)?.unavailable?.holders;
    if (incomplete) print(`holders ${incomplete}`);
    // Why an object could not be read (vanished since the scan, access denied...).
    for (const r of reports) if (r.error) print(printable(`${r.name}: ${r.error.kind}: ${r.error.message}`, Infinity));
  });

program
  .command('show')
  .description('show one object: state, holders, waiters')
  .argument('<name>', 'Foo, Local\\Foo, Global\\Foo, Session\\<n>\\Foo or a full NT path; Linux: foo, /foo, /dev/shm/sem.foo, sysv:<semid>, sysv:key=<key>, lock:<id>', objectName)
  .option('--json', 'print one JSON object')
  .action((name: string, options) => {
    const report = showReport(backend(), name);
    if (options.json) return printJson(report);
    const rows: [string, string][] = [
      ['name', report.name],
      ['path', report.path],
      ['kind', report.kind],
      ['state', describeState(report)],
      [
        'holders',
        report.holders
          ? withIncomplete(describeHolders(report) || '(none besides syncscope)', report.unavailable?.holders)
          : `unavailable: ${report.unavailable?.holders}`,
      ],
      [
        'waiters',
        report.waiters
          ? withIncomplete(report.waiters.map(describeWaiter).join('; ') || '(none)', report.unavailable?.waiters)
          : `unavailable: ${report.unavailable?.waiters}`,
      ],
    ];
    print(table(['FIELD', 'VALUE'], rows).split('\n').slice(1).join('\n'));
  });

function actionCommand(action: ActionName, description: string) {
  const command = program
    .command(action)
    .description(description)
    .argument('<name>', 'object name or NT path', objectName)
    .option('--json', 'print the result as JSON');
  if (action === 'release' || action === 'acquire' || action === 'signal' || action === 'post' || action === 'trywait') {
    command.option('--count <n>', 'units (semaphores)', integer(1, 0x7fffffff), 1);
  }
  if (action === 'drain') command.option('--count <n>', 'take at most this many units (default: all there are)', integer(1, 0x7fffffff));
  if (action === 'acquire' || action === 'trywait') {
    command.option('--timeout <ms>', 'how long to wait', integer(0, 0x7fffffff), 0);
  }
  if (action === 'acquire') {
    command.option('--hold <seconds>', 'mutex: hold it this long, then release (default: until Ctrl-C)', integer(0, 0x7fffffff));
  }
  if (['signal', 'release', 'acquire', 'reset', 'post', 'trywait', 'setval'].includes(action)) {
    command.option('--index <n>', 'System V: which semaphore of the set (default 0)', integer(0, 0xffff));
  }
  if (action === 'setval' || action === 'reset') {
    command.option('--value <n>', 'System V: the value to set (default 0)', integer(0, 32767));
  }
  if (action === 'unlink') command.option('--yes', 'do not ask for confirmation');
  if (action === 'set' || action === 'signal') {
    command
      .option('--due <ms>', 'timer: due time from now', integer(0, 0x7fffffff), 0)
      .option('--period <ms>', 'timer: period (0 = one shot)', integer(0, 0x7fffffff), 0);
  }
  command.action(async (name: string, options) => {
    if (action === 'unlink' && !options.yes) {
      const path = backend().resolve(name);
      if (!process.stdin.isTTY) {
        throw new NativeError('invalid-argument', 'unlink', `unlink removes ${path} for every process: add --yes to confirm`, 'NOT_CONFIRMED');
      }
      if (!(await confirm(`unlink ${path} for every process? [y/N] `))) return print('not unlinked');
    }
    const result = await audit().record(action, name, () =>
      backend().act({
        action,
        name,
        count: options.count,
        timeoutMs: options.timeout,
        dueMs: options.due,
        periodMs: options.period,
        index: options.index,
        value: options.value,
      }),
    );
    if (options.json) printJson(result);
    else print(`${result.detail}${result.state ? `; now ${describeState(result)}` : ''}`);
    if (result.kind === 'mutex' && result.action === 'acquire') {
      if (!options.json) print(options.hold === undefined ? 'holding it; Ctrl-C releases it' : `holding it for ${options.hold} s`);
      await holdFor(options.hold);
      await audit().record('release', result.path, () => backend().act({ action: 'release', name: result.path }));
      if (!options.json) print(`released ${result.path}`);
    }
  });
}

actionCommand('signal', "the kind's natural signal: set an event or timer, release a semaphore or a mutex");
actionCommand('set', 'set an event, or a timer (--due, --period)');
actionCommand('reset', 'reset an event (or cancel a timer)');
actionCommand('pulse', 'pulse an event: release its waiters, leave it nonsignaled');
actionCommand('release', 'release a semaphore (--count) or a mutex the inspector holds');
actionCommand('acquire', 'acquire a semaphore (--count) or a mutex, or wait for an event or timer');
actionCommand('cancel', 'cancel a timer');
actionCommand('post', 'Linux semaphores: add --count units (System V: to semaphore --index)');
actionCommand('trywait', 'Linux semaphores: take --count units, all or none, waiting up to --timeout ms');
actionCommand('drain', 'POSIX semaphore: take every unit there is now (or at most --count)');
actionCommand('setval', 'System V semaphore: set semaphore --index to --value');
actionCommand('unlink', 'remove a POSIX semaphore\'s name or a whole System V set (asks first; --yes)');

program
  .command('create')
  .description('create a named object and hold it open')
  .addArgument(
    new Command()
      .createArgument('<kind>', 'event, mutex, semaphore or timer; Linux: posix-semaphore or sysv-semaphore')
      .choices(['event', 'mutex', 'semaphore', 'timer', 'posix-semaphore', 'sysv-semaphore']),
  )
  .argument('<name>', 'object name (sysv-semaphore: its key, decimal or 0x hex, or "private")', objectName)
  .option('--manual', 'event or timer: manual reset (notification)')
  .option('--signaled', 'event: start signaled')
  .option('--owned', 'mutex: start owned by this process')
  .option('--count <n>', 'semaphore: initial count', integer(0, 0x7fffffff))
  .option('--max <n>', 'semaphore: maximum count', integer(1, 0x7fffffff))
  .option('--due <ms>', 'timer: set it due in this many ms', integer(0, 0x7fffffff))
  .option('--period <ms>', 'timer: period in ms', integer(0, 0x7fffffff))
  .option('--nsems <n>', 'sysv-semaphore: semaphores in the set (default 1)', integer(1, 32000))
  .option('--mode <octal>', 'Linux: permission bits (default 600)', octal(0o777))
  .option('--hold <seconds>', 'keep the object alive this long (default: until Ctrl-C; Linux semaphores outlive it)', integer(0, 0x7fffffff))
  .option('--json', 'print {kind, path, pid} as JSON')
  .action(async (kind: AnyCreateSpec['kind'], name: string, options) => {
    if (!backend().sampledKinds.includes(kind)) {
      throw new NativeError('unsupported', 'create', `${backend().platform} has no ${kind} objects`, 'UNSUPPORTED');
    }
    const spec = {
      kind,
      name,
      manual: options.manual === true,
      signaled: options.signaled,
      owned: options.owned,
      count: options.count,
      max: options.max,
      dueMs: options.due,
      periodMs: options.period,
      nsems: options.nsems,
      mode: options.mode,
    } as AnyCreateSpec;
    const created = await audit().record(
      `create ${kind}`,
      name,
      () => backend().create(spec),
      (object) => `created ${object.kind} ${object.path}`,
    );
    if (options.json) printJson({ kind: created.kind, path: created.path, pid: process.pid });
    else print(`created ${created.kind} ${created.path} (pid ${process.pid}); ${options.hold === undefined ? 'holding it until Ctrl-C' : `holding it for ${options.hold} s`}`);
    await holdFor(options.hold);
    created.close();
  });

program
  .command('capabilities')
  .description('what the running OS lets SyncScope do, and why not')
  .option('--json', 'print JSON')
  .action((options) => {
    const report = backend().capabilities();
    if (options.json) return printJson(report);
    const { platform, osRelease, architecture, ...features } = report;
    print(`${platform} ${osRelease} ${architecture}`);
    print(
      table(
        ['FEATURE', 'SUPPORTED', 'REASON'],
        Object.entries(features).map(([name, c]) => [name, c.supported ? 'yes' : 'no', c.reason ?? '']),
      ),
    );
  });

program
  .command('audit')
  .description('every action SyncScope took (app, serve, CLI): newest first')
  .option('--limit <n>', 'entries', integer(1, 100_000), 50)
  .option('--json', 'print JSON')
  .action((options) => {
    const entries = audit().read(options.limit);
    if (options.json) return printJson({ file: audit().file, entries });
    print(`audit log: ${audit().file}`);
    print(
      table(
        ['TIME', 'VIA', 'PID', 'ACTION', 'OBJECT', 'RESULT'],
        entries.map((e) => [e.time, e.via, String(e.pid), e.action, e.target, `${e.ok ? 'ok' : 'FAILED'}: ${e.detail}`]),
      ),
    );
  });

registerLiveCommands(program, backend);
registerServeCommand(program, backend);
registerDemoCommand(program, backend);
registerWhyCommand(program, backend);

function exitCodeFor(error: unknown): number {
  if (isNativeError(error)) return (EXIT as Record<string, number>)[error.kind] ?? (error.kind === 'invalid-argument' ? EXIT.usage : EXIT.failure);
  return EXIT.failure;
}

async function main(argv: string[]): Promise<number> {
  debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help or the usage error.
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    reportError(error);
    return exitCodeFor(error);
  } finally {
    backendInstance?.dispose();
  }
}

/** One line on stderr (names in messages are the user's or another program's: escaped); the stack only with --debug. */
function reportError(error: unknown): void {
  const message = messageOf(error);
  process.stderr.write(`syncscope: ${printable(message)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
}

// Whatever escapes a command (a timer's callback, a stream's error event) ends the same way.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    reportError(error);
    backendInstance?.dispose();
    process.exit(exitCodeFor(error));
  });
}

// `syncscope watch ... | head`: the reader went away. That ends the output, not the program's
// duty to clean up: stop printing and end a running command as Ctrl-C would (a demo then stops
// its workers and removes its objects).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stopPrinting();
  process.emit('SIGINT');
});

main(process.argv).then((code) => {
  process.exitCode = code;
  // Timers left by hold/acquire must not keep the process alive after the command is done; but
  // exit only once stdout has handed everything to the OS: a pipe takes 64 KiB at a time, and
  // `list --json` over thousands of objects is more, which process.exit would cut off.
  const exit = () => process.exit(code);
  if (process.stdout.writableLength > 0 && !process.stdout.destroyed) process.stdout.write('', exit);
  else setImmediate(exit);
});

