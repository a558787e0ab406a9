// An incomplete holders or waiters answer: the one-line reason ("37 processes could not be opened
// (run elevated)"), and on request the pids behind it, asked of the engine only when wanted.
import { useState } from 'react';
import type { Client } from '../client';

export function IncompleteNote({ client, what, reason }: { client: Client; what: 'holders' | 'waiters'; reason: string }) {
  const [pids, setPids] = useState<number[] | string | undefined>();
  const show = async () => {
    try {
      const unreadable = await client.request('unreadableProcesses', {});
      setPids(unreadable[what] ?? []);
    } catch (error) {
      setPids(`could not ask: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return (
    <div className="muted" data-testid={`${what}-incomplete`}>
      {reason}{' '}
      {pids === undefined ? (
        <button type="button" className="link" onClick={() => void show()}>Which processes?</button>
      ) : (
        <span data-testid={`${what}-unreadable-pids`}>
          {typeof pids === 'string' ? pids : pids.length ? `pids ${pids.join(', ')}` : 'none in the latest pass'}
        </span>
      )}
    </div>
  );
}
