// First renderer: one snapshot of every named object, refreshed on demand.
import { useCallback, useEffect, useState } from 'react';
import type { ObjectReport } from '../native/types';
import type { SyncScopeApi } from '../preload/preload';

declare global {
  interface Window {
    syncscope: SyncScopeApi;
  }
}

function describe(report: ObjectReport): string {
  if (report.error) return report.error.kind;
  return report.state ? JSON.stringify(report.state) : '';
}

export function App() {
  const [reports, setReports] = useState<ObjectReport[]>([]);
  const [error, setError] = useState<string>();

  const refresh = useCallback(() => {
    window.syncscope
      .list()
      .then((list: ObjectReport[]) => {
        setReports(list);
        setError(undefined);
      })
      .catch((e: unknown) => setError(String(e)));
  }, []);

  useEffect(refresh, [refresh]);

  return (
    <main>
      <h1>SyncScope</h1>
      <button type="button" onClick={refresh}>Refresh</button>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr><th>Kind</th><th>Path</th><th>State</th><th>Holders</th></tr>
        </thead>
        <tbody>
          {reports.map((r) => (
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
