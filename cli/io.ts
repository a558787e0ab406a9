// Output and option helpers shared by the CLI's commands.
import { InvalidArgumentError, type Command } from 'commander';
import { invalidArgument } from '../native/errors';
import { DEFAULT_CPU_BUDGET_PERCENT, cpuBudgetSchema } from '../protocol';
import { nameProblem } from '../protocol/names';

let printing = true;
export const print = (text: string): void => {
  if (printing) process.stdout.write(text + '\n');
};
/** After the reader of stdout went away (EPIPE), output is dropped. */
export function stopPrinting(): void {
  printing = false;
}
export const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));

export function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    return parsed;
  };
}
/**
 * An object name argument: refused before any backend sees it when it breaks the protocol's name
 * rules, as a usage error (exit 2) that quotes no more of the name than a line can hold.
 */
export function objectName(value: string): string {
  const problem = nameProblem(value);
  if (!problem) return value;
  const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  throw invalidArgument('name', `bad name ${shown}: ${problem}`);
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Permission bits in octal (`644`, `0o600`), at most `max`. */
export function octal(max: number) {
  return (value: string): number => {
    const text = value.trim().replace(/^0o/i, '');
    if (!/^[0-7]{1,4}$/.test(text)) throw new InvalidArgumentError(`"${value}" is not an octal mode such as 600`);
    const parsed = Number.parseInt(text, 8);
    if (parsed > max) throw new InvalidArgumentError(`must be at most ${max.toString(8)}`);
    return parsed;
  };
}

/** Asks a yes/no question on the terminal; only `y` or `yes` is yes. */
export async function confirm(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

/** Waits for `seconds` (or for Ctrl-C / SIGTERM when undefined), then resolves. */
export function holdFor(seconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    if (seconds === undefined) setInterval(() => undefined, 1 << 30).unref();
  });
}

/** `--cpu-budget PCT`: percent of one core, within what the protocol allows (0.5 to 100); `5%` too. */
export function cpuBudget(value: string): number {
  const text = value.trim().replace(/\s*%$/, '');
  const parsed = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!cpuBudgetSchema.safeParse(parsed).success) throw new InvalidArgumentError('give a percent of one core from 0.5 to 100');
  return parsed;
}

/** The same `--cpu-budget` option on every command that samples; `oneShot` ones say what it does there. */
export function cpuBudgetOption(command: Command, oneShot = false): Command {
  const what = oneShot
    ? 'CPU budget, percent of one core (0.5 to 100); this inspection runs once, whole: accepted so that scripts can give every command one budget'
    : 'CPU budget of the sampler, percent of one core (0.5 to 100)';
  return command.option('--cpu-budget <pct>', what, cpuBudget, DEFAULT_CPU_BUDGET_PERCENT);
}
