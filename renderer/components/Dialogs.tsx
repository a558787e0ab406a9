// Modal dialogs on the native <dialog> element: focus is trapped and Escape cancels.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { RequestOf } from '../../protocol';

function Modal({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-label={title} onCancel={(e) => (e.preventDefault(), onClose())}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

export function ConfirmDialog({ message, onConfirm, onCancel }: { message: string; onConfirm: () => void; onCancel: () => void }) {
  return (
    <Modal title="Act on an object SyncScope did not create?" onClose={onCancel}>
      <p>{message}</p>
      <div className="buttons">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="button" className="primary" autoFocus onClick={onConfirm}>Confirm</button>
      </div>
    </Modal>
  );
}

type CreateSpec = RequestOf<'create'>;
const KINDS_BY_PLATFORM: Record<string, Array<CreateSpec['kind']>> = {
  win32: ['event', 'mutex', 'semaphore', 'timer'],
  linux: ['posix-semaphore', 'sysv-semaphore'],
};

export function CreateDialog({ platform, onCreate, onCancel }: { platform: string; onCreate: (spec: CreateSpec) => void; onCancel: () => void }) {
  const kinds = KINDS_BY_PLATFORM[platform] ?? KINDS_BY_PLATFORM.win32;
  const [kind, setKind] = useState<CreateSpec['kind']>(kinds[0]);
  const [name, setName] = useState('SyncScopeDemo');
  const [manual, setManual] = useState(true);
  const [signaled, setSignaled] = useState(false);
  const [owned, setOwned] = useState(false);
  const [count, setCount] = useState(1);
  const [max, setMax] = useState(4);
  const [dueMs, setDueMs] = useState(5000);

  const spec = (): CreateSpec => {
    switch (kind) {
      case 'event':
        return { kind, name, manual, signaled };
      case 'mutex':
        return { kind, name, owned };
      case 'semaphore':
        return { kind, name, count, max };
      case 'timer':
        return { kind, name, manual, dueMs };
      case 'posix-semaphore':
        return { kind, name, count };
      case 'sysv-semaphore':
        return { kind, name, count, nsems: 1 };
    }
  };

  return (
    <Modal title="Create object" onClose={onCancel}>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          onCreate(spec());
        }}
      >
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as CreateSpec['kind'])}>
            {kinds.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={name} required maxLength={255} onChange={(e) => setName(e.target.value)} />
        </label>
        {(kind === 'event' || kind === 'timer') && (
          <label className="check">
            <input type="checkbox" checked={manual} onChange={(e) => setManual(e.target.checked)} /> Manual reset
          </label>
        )}
        {kind === 'event' && (
          <label className="check">
            <input type="checkbox" checked={signaled} onChange={(e) => setSignaled(e.target.checked)} /> Start signaled
          </label>
        )}
        {kind === 'mutex' && (
          <label className="check">
            <input type="checkbox" checked={owned} onChange={(e) => setOwned(e.target.checked)} /> Owned by SyncScope
          </label>
        )}
        {(kind === 'semaphore' || kind === 'posix-semaphore' || kind === 'sysv-semaphore') && (
          <label>
            Initial count
            <input type="number" min={0} value={count} onChange={(e) => setCount(Number(e.target.value))} />
          </label>
        )}
        {kind === 'semaphore' && (
          <label>
            Maximum
            <input type="number" min={1} value={max} onChange={(e) => setMax(Number(e.target.value))} />
          </label>
        )}
        {kind === 'timer' && (
          <label>
            Due in (ms)
            <input type="number" min={0} value={dueMs} onChange={(e) => setDueMs(Number(e.target.value))} />
          </label>
        )}
        <div className="buttons">
          <button type="button" onClick={onCancel}>Cancel</button>
          <button type="submit" className="primary">Create</button>
        </div>
      </form>
    </Modal>
  );
}
