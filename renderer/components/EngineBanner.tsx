// Says when the engine is not there: restarting after a crash (the window keeps what it showed and
// picks up again by itself), or stopped (with the reason, and a restart where the app can).
import type { ConnectionStatus } from '../client';

export function EngineBanner({ status, onRestart }: { status?: ConnectionStatus; onRestart?: () => void }) {
  if (!status || status.state === 'running') return null;
  // The first start is quick and needs no word; a start after a stop (the user's restart) does.
  if (status.state === 'starting') {
    return (status.generation ?? 1) > 1 ? (
      <div role="status" className="banner warning">
        <strong>Starting the engine…</strong>
      </div>
    ) : null;
  }
  const restarting = status.state === 'restarting';
  return (
    <div role="alert" className={`banner ${restarting ? 'warning' : 'error'}`}>
      <strong>{restarting ? 'The engine stopped; restarting it…' : 'The engine is not running.'}</strong>{' '}
      {status.reason && <span>{status.reason}.</span>}{' '}
      {restarting ? <span>What is shown stays until fresh data arrives.</span> : onRestart && (
        <button type="button" onClick={onRestart}>
          Restart the engine
        </button>
      )}
    </div>
  );
}
