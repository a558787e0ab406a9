// The body of a Windows wait thread (see ../wait-thread.ts). It runs in its own worker, so it
// refers to nothing outside itself: it loads koffi and binds the few ntdll calls it needs.
//
// One wait: NtWaitForMultipleObjects on [object, cancel event], WaitAny: the engine cancels by
// setting the event, at once and without polling. Modes:
//   wait       events and timers: one wait.
//   semaphore  `count` units, all or none: units taken before a timeout or cancel go back.
//   mutex      one wait; once acquired the thread stays alive as the mutex's owner and answers
//              'again' (a recursive acquire), 'query' (its state as the owner reads it),
//              'release' and 'release-all' (shutdown) messages,
//              because only the owning thread can release a mutex. It ends when depth reaches 0.
// Messages out: { type: 'done', outcome: signaled | abandoned | timeout | cancelled | failed,
// status, threadId }, then (mutex) { type: 'again' | 'released', status, depth },
// { type: 'state', status, currentCount, ownedByCaller, abandoned } and
// { type: 'released-all', released, status }.

export interface Win32WaitData {
  object: bigint;
  cancel: bigint;
  mode: 'wait' | 'semaphore' | 'mutex';
  count: number;
  timeoutMs: number;
}

export function win32WaitThreadMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const koffi = require(workerData.koffiPath) as typeof import('koffi');
  const data = workerData as Win32WaitData;
  const ntdll = koffi.load('ntdll.dll');
  const kernel32 = koffi.load('kernel32.dll');
  const NtWaitForMultipleObjects = ntdll.func(
    'int32_t NtWaitForMultipleObjects(uint32_t count, void *handles, int32_t waitType, uint8_t alertable, void *timeout)',
  );
  const NtWaitForSingleObject = ntdll.func('int32_t NtWaitForSingleObject(void *h, uint8_t alertable, void *timeout)');
  const NtReleaseMutant = ntdll.func('int32_t NtReleaseMutant(void *h, void *prev)');
  const NtQueryMutant = ntdll.func('int32_t NtQueryMutant(void *h, int32_t cls, void *info, uint32_t length, void *returned)');
  const NtReleaseSemaphore = ntdll.func('int32_t NtReleaseSemaphore(void *h, int32_t count, void *prev)');
  const GetCurrentThreadId = kernel32.func('uint32_t GetCurrentThreadId()');
  const WAIT_ANY = 1;
  const STATUS_WAIT_1 = 1;
  const STATUS_ABANDONED_WAIT_0 = 0x80;
  const STATUS_TIMEOUT = 0x102;
  const post = parentPort!.postMessage.bind(parentPort!);
  const threadId = GetCurrentThreadId() as number;

  const handles = Buffer.alloc(16);
  handles.writeBigUInt64LE(BigInt(data.object), 0);
  handles.writeBigUInt64LE(BigInt(data.cancel), 8);
  /** A relative NT timeout: negative, in 100 ns units. */
  const relative = (ms: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(-BigInt(Math.round(Math.max(0, ms) * 10_000)), 0);
    return buffer;
  };
  const deadline = Date.now() + data.timeoutMs;
  const waitOnce = () => (NtWaitForMultipleObjects(2, handles, WAIT_ANY, 0, relative(deadline - Date.now())) as number) >>> 0;

  let status = 0;
  let outcome: string;
  if (data.mode === 'semaphore') {
    let taken = 0;
    while (taken < data.count) {
      status = waitOnce();
      if (status !== 0) break;
      taken++;
    }
    outcome = taken === data.count ? 'signaled' : status === STATUS_WAIT_1 ? 'cancelled' : status === STATUS_TIMEOUT ? 'timeout' : 'failed';
    if (taken > 0 && taken < data.count) NtReleaseSemaphore(data.object, taken, null);
  } else {
    status = waitOnce();
    outcome = status === 0 ? 'signaled' : status === STATUS_ABANDONED_WAIT_0 ? 'abandoned' : status === STATUS_WAIT_1
      ? 'cancelled'
      : status === STATUS_TIMEOUT ? 'timeout' : 'failed';
  }
  post({ type: 'done', outcome, status, threadId });
  if (data.mode !== 'mutex' || (outcome !== 'signaled' && outcome !== 'abandoned')) return;

  // The owner: stay alive (the message listener keeps this thread's loop running) until released.
  let depth = 1;
  const onMessage = (message: { type: string }) => {
    if (message.type === 'again') {
      const again = (NtWaitForSingleObject(data.object, 0, relative(0)) as number) >>> 0;
      if (again === 0 || again === STATUS_ABANDONED_WAIT_0) depth++;
      post({ type: 'again', status: again, depth });
    } else if (message.type === 'query') {
      // MutantBasicInformation read on the owning thread: OwnedByCaller is this thread's answer.
      const info = Buffer.alloc(8);
      const queried = (NtQueryMutant(data.object, 0, info, 8, null) as number) >>> 0;
      post({ type: 'state', status: queried, currentCount: info.readInt32LE(0), ownedByCaller: info.readUInt8(4) !== 0, abandoned: info.readUInt8(5) !== 0 });
    } else if (message.type === 'release') {
      const released = (NtReleaseMutant(data.object, null) as number) >>> 0;
      if (released === 0) depth--;
      post({ type: 'released', status: released, depth });
    } else if (message.type === 'release-all') {
      let released = 0;
      let last = 0;
      while (depth > 0) {
        last = (NtReleaseMutant(data.object, null) as number) >>> 0;
        if (last !== 0) break;
        depth--;
        released++;
      }
      post({ type: 'released-all', released, status: last });
      depth = 0;
    }
    if (depth === 0) parentPort!.off('message', onMessage);
  };
  parentPort!.on('message', onMessage);
}
