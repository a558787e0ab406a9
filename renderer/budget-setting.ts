// The app's CPU budget setting (issue 15). The engine holds the budget (one sampler for every
// window); the window remembers the user's choice in its storage and, in the app, sends it at each
// connect, because a restarted engine starts from the default. In serve mode the command's
// --cpu-budget decides at connect; the setting changes it for that session only.
import { cpuBudgetSchema } from '../protocol';

const STORAGE_KEY = 'syncscope.cpuBudgetPercent';

/** A budget as the user typed it ("5", "2.5", "10 %"), or undefined when it is not one the engine takes. */
export function parseBudget(text: string): number | undefined {
  const trimmed = text.trim().replace(/\s*%$/, '');
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return cpuBudgetSchema.safeParse(value).success ? value : undefined;
}

/** The remembered budget, if any (and still valid: storage is the user's to edit). */
export function storedBudget(storage: Pick<Storage, 'getItem'> | undefined): number | undefined {
  try {
    const text = storage?.getItem(STORAGE_KEY);
    return text == null ? undefined : parseBudget(text);
  } catch {
    return undefined; // storage refused (a private window): the setting lasts the session
  }
}

export function storeBudget(storage: Pick<Storage, 'setItem'> | undefined, percent: number): void {
  try {
    storage?.setItem(STORAGE_KEY, String(percent));
  } catch {
    // As above: not remembered, still applied.
  }
}
