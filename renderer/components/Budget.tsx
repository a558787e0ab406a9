// The header's CPU budget: what the engine spends against it ("CPU 3.1 % of 5 %", and how long a
// round of every object takes when that is over a second), and the setting that changes it.
import { useEffect, useState } from 'react';
import type { BudgetStatus, SessionInfo } from '../../protocol';
import { describeBudget } from '../../cli/format';
import type { Client } from '../client';
import { parseBudget, storeBudget, storedBudget } from '../budget-setting';

/** How often the header asks what the budget buys (one small request; the stream stays as it is). */
const BUDGET_POLL_MS = 2000;

const storage = (): Storage | undefined => {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
};

interface Props {
  client: Client;
  session?: SessionInfo;
  engineUp: boolean;
  onNotice: (text: string) => void;
}

export function Budget({ client, session, engineUp, onNotice }: Props) {
  const [status, setStatus] = useState<BudgetStatus>();
  const [draft, setDraft] = useState<string>();

  // The app's engine starts from the default after a restart: the window's remembered choice is
  // sent again with each new session. In serve mode the command's --cpu-budget stands.
  useEffect(() => {
    if (!session || session.transport !== 'electron') return;
    const remembered = storedBudget(storage());
    if (remembered === undefined || remembered === session.cpuBudgetPercent) return;
    client.request('setCpuBudget', { percent: remembered }).then(setStatus, (e: unknown) => onNotice(`CPU budget: ${e instanceof Error ? e.message : String(e)}`));
  }, [client, session, onNotice]);

  useEffect(() => {
    if (!engineUp) return;
    let live = true;
    const load = () => client.request('budget', {}).then((next) => live && setStatus(next), () => undefined);
    void load();
    const timer = setInterval(load, BUDGET_POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, engineUp]);

  const apply = (text: string) => {
    setDraft(undefined);
    const percent = parseBudget(text);
    if (percent === undefined) {
      onNotice(`CPU budget: give a percent of one core from 0.5 to 100 (not "${text.slice(0, 20)}")`);
      return;
    }
    if (percent === status?.budgetPercent) return;
    client.request('setCpuBudget', { percent }).then(
      (next) => {
        setStatus(next);
        storeBudget(storage(), percent);
      },
      (e: unknown) => onNotice(`CPU budget: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  const budget = status?.budgetPercent ?? session?.cpuBudgetPercent;
  return (
    <span className="budget">
      <span data-testid="budget-status" title={status ? `${status.objects} objects sampled within the budget` : undefined}>
        {status ? describeBudget(status) : ''}
      </span>
      <label title="The share of one core the engine may spend sampling: watched and visible objects first, then the busy ones, then every other one as often as the rest allows">
        Budget
        <input
          aria-label="CPU budget (% of one core)"
          type="text"
          inputMode="decimal"
          size={4}
          value={draft ?? (budget === undefined ? '' : String(budget))}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') apply(e.currentTarget.value);
            if (e.key === 'Escape') setDraft(undefined);
          }}
          onBlur={(e) => draft !== undefined && apply(e.currentTarget.value)}
        />
        %
      </label>
    </span>
  );
}
