// The Demos menu: start a built-in scenario of real worker processes, and stop it.
import { useState } from 'react';
import type { RequestOf, ResponseOf } from '../../protocol';
import type { Client } from '../client';

type Scenario = RequestOf<'startDemo'>['scenario'];
const SCENARIOS: Scenario[] = ['handshake', 'mutex-contention', 'producer-consumer', 'bank', 'timer', 'deadlock', 'abandoned'];

export function Demos({ client, disabled, onNotice }: { client: Client; disabled: boolean; onNotice: (text: string) => void }) {
  const [scenario, setScenario] = useState<Scenario>('mutex-contention');
  const [running, setRunning] = useState<ResponseOf<'startDemo'>>();
  // While a start or stop is on its way the buttons are disabled: a second click must not start
  // a second demo (the engine also runs demo requests one at a time).
  const [busy, setBusy] = useState(false);

  const start = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const demo = await client.request('startDemo', { scenario });
      setRunning(demo);
      onNotice(`Demo ${demo.scenario}: ${demo.description} (workers ${demo.pids.join(', ')})`);
    } catch (e) {
      onNotice(`Demo failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const stop = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const { stopped } = await client.request('stopDemo', {});
      setRunning(undefined);
      onNotice(stopped ? 'Demo stopped; its workers exited and its objects are gone' : 'No demo was running');
    } catch (e) {
      // The demo may still be partly there: keep Stop available and say what went wrong.
      onNotice(`Stopping the demo failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <span className="demos" role="group" aria-label="Demos">
      <select aria-label="Demo scenario" value={scenario} disabled={disabled || busy} onChange={(e) => setScenario(e.target.value as Scenario)}>
        {SCENARIOS.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      {running ? (
        <button type="button" disabled={busy} onClick={() => void stop()}>
          {busy ? 'Stopping…' : 'Stop demo'}
        </button>
      ) : (
        <button type="button" disabled={disabled || busy} onClick={() => void start()}>
          {busy ? 'Starting…' : 'Start demo'}
        </button>
      )}
    </span>
  );
}
