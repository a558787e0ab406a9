// The Demos menu: start a built-in scenario of real worker processes, and stop it.
import { useState } from 'react';
import type { RequestOf, ResponseOf } from '../../protocol';
import type { Client } from '../client';

type Scenario = RequestOf<'startDemo'>['scenario'];
const SCENARIOS: Scenario[] = ['handshake', 'mutex-contention', 'producer-consumer', 'bank', 'timer', 'deadlock', 'abandoned'];

export function Demos({ client, disabled, onNotice }: { client: Client; disabled: boolean; onNotice: (text: string) => void }) {
  const [scenario, setScenario] = useState<Scenario>('mutex-contention');
  const [running, setRunning] = useState<ResponseOf<'startDemo'>>();

  const start = async () => {
    try {
      const demo = await client.request('startDemo', { scenario });
      setRunning(demo);
      onNotice(`Demo ${demo.scenario}: ${demo.description} (workers ${demo.pids.join(', ')})`);
    } catch (e) {
      onNotice(`Demo failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const stop = async () => {
    await client.request('stopDemo', {}).catch(() => undefined);
    setRunning(undefined);
    onNotice('Demo stopped; its workers exited and its objects are gone');
  };

  return (
    <span className="demos" role="group" aria-label="Demos">
      <select aria-label="Demo scenario" value={scenario} disabled={disabled} onChange={(e) => setScenario(e.target.value as Scenario)}>
        {SCENARIOS.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      {running ? (
        <button type="button" onClick={() => void stop()}>Stop demo</button>
      ) : (
        <button type="button" disabled={disabled} onClick={() => void start()}>Start demo</button>
      )}
    </span>
  );
}
