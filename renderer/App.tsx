// First renderer: the live object table, fed by the update stream.
import { useEffect, useMemo, useState } from 'react';
import type { ObjectRecord } from '../protocol';
import { applyUpdate, electronClient } from './client';

function describe(record: ObjectRecord): string {
  if (record.goneAt !== undefined) return 'gone';
  if (record.error) return record.error.kind;
  return record.state ? JSON.stringify(record.state) : '';
}

export function App() {
  const [table, setTable] = useState(new Map<string, ObjectRecord>());
  const client = useMemo(() => (window.syncscope ? electronClient(window.syncscope) : undefined), []);

  useEffect(() => client?.follow((update) => setTable((current) => applyUpdate(current, update))), [client]);

  if (!client) return <p role="alert">SyncScope's bridge is missing.</p>;
  const records = [...table.values()].sort((a, b) => a.path.localeCompare(b.path));
  return (
    <main>
      <h1>SyncScope</h1>
      <p>{records.length} objects</p>
      <table>
        <thead>
          <tr><th>Kind</th><th>Path</th><th>State</th><th>Holders</th></tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.path}>
              <td>{r.kind}</td>
              <td>{r.path}</td>
              <td>{describe(r)}</td>
              <td>{r.holders?.map((h) => `${h.processName} (${h.pid})`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
