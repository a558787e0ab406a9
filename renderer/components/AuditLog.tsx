// The audit log: every action SyncScope took, newest first, and the file it lives in.
import { useEffect, useRef, useState } from 'react';
import type { ResponseOf } from '../../protocol';
import type { Client } from '../client';

export function AuditLogDialog({ client, onClose }: { client: Client; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [log, setLog] = useState<ResponseOf<'auditLog'>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    ref.current?.showModal();
    client.request('auditLog', { limit: 200 }).then(setLog, (e: unknown) => setError(String(e)));
  }, [client]);
  return (
    <dialog ref={ref} aria-label="Audit log" className="audit" onCancel={(e) => (e.preventDefault(), onClose())}>
      <h2>Audit log</h2>
      {error && <p role="alert">{error}</p>}
      {log && (
        <>
          <p className="muted">{log.file}</p>
          {log.entries.length === 0 ? (
            <p>No actions yet.</p>
          ) : (
            <table className="edges">
              <thead>
                <tr><th>Time</th><th>Via</th><th>Action</th><th>Object</th><th>Result</th></tr>
              </thead>
              <tbody>
                {log.entries.map((entry, i) => (
                  <tr key={i} className={entry.ok ? undefined : 'in-cycle'}>
                    <td>{new Date(entry.time).toLocaleString()}</td>
                    <td>{entry.via}</td>
                    <td>{entry.action}</td>
                    <td>{entry.target}</td>
                    <td>{entry.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <div className="buttons">
        <button type="button" autoFocus onClick={onClose}>Close</button>
      </div>
    </dialog>
  );
}
