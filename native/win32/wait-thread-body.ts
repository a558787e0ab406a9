// The body of a Windows wait thread (see ../wait-thread.ts). It runs in its own worker, so it
// refers to nothing outside itself: it loads koffi and binds the few ntdll calls it needs. It
// answers each message with one message:
//   wait     { object, cancel, mode, count, timeoutMs }: NtWaitForMultipleObjects on
//            [object, cancel event], WaitAny, so the engine cancels by setting the event, at once
//            and without polling. mode 'wait' (events, timers, mutexes): one wait; 'semaphore':
//            `count` units, all or none (units taken before a timeout or cancel go back).
//            Answer { outcome: signaled | abandoned | timeout | cancelled | failed, status, threadId }.
//   again    { object }: a recursive acquire of a mutex this thread owns (0 timeout). { status }
//   query    { object }: MutantBasicInformation read on this thread, so OwnedByCaller is its own.
//   release  { object, times }: NtReleaseMutant up to `times` times, stopping at a failure.
//            { released, status }. Only the owning thread can release a mutex: hence all this.
//   exit     ends the thread (no answer).

export interface Win32WaitMessage {
  type: 'wait';
  object: bigint;
  cancel: bigint;
  mode: 'wait' | 'semaphore';
  count: number;
  timeoutMs: number;
}

export function win32WaitThreadMain(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const koffi = require(workerData.koffiPath) as typeof import('koffi');
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
  const port = parentPort!;
  const threadId = GetCurrentThreadId() as number;

  /** A relative NT timeout: negative, in 100 ns units. */
  const relative = (ms: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(-BigInt(Math.round(Math.max(0, ms) * 10_000)), 0);
    return buffer;
  };

  const wait = (message: Win32WaitMessage) => {
    const handles = Buffer.alloc(16);
    handles.writeBigUInt64LE(BigInt(message.object), 0);
    handles.writeBigUInt64LE(BigInt(message.cancel), 8);
    const deadline = Date.now() + message.timeoutMs;
    const waitOnce = () => (NtWaitForMultipleObjects(2, handles, WAIT_ANY, 0, relative(deadline - Date.now())) as number) >>> 0;
    let status = 0;
    let outcome: string;
    if (message.mode === 'semaphore') {
      let taken = 0;
      while (taken < message.count) {
        status = waitOnce();
        if (status !== 0) break;
        taken++;
      }
      outcome = taken === message.count ? 'signaled' : status === STATUS_WAIT_1 ? 'cancelled' : status === STATUS_TIMEOUT ? 'timeout' : 'failed';
      if (taken > 0 && taken < message.count) NtReleaseSemaphore(message.object, taken, null);
    } else {
      status = waitOnce();
      outcome = status === 0 ? 'signaled' : status === STATUS_ABANDONED_WAIT_0 ? 'abandoned' : status === STATUS_WAIT_1
        ? 'cancelled'
        : status === STATUS_TIMEOUT ? 'timeout' : 'failed';
    }
    return { type: 'done', outcome, status, threadId };
  };

  port.on('message', (message: { type: string; object: bigint; times?: number }) => {
    switch (message.type) {
      case 'wait':
        port.postMessage(wait(message as unknown as Win32WaitMessage));
        break;
      case 'again':
        port.postMessage({ type: 'again', status: (NtWaitForSingleObject(message.object, 0, relative(0)) as number) >>> 0 });
        break;
      case 'query': {
        const info = Buffer.alloc(8);
        const status = (NtQueryMutant(message.object, 0, info, 8, null) as number) >>> 0;
        port.postMessage({ type: 'state', status, currentCount: info.readInt32LE(0), ownedByCaller: info.readUInt8(4) !== 0, abandoned: info.readUInt8(5) !== 0 });
        break;
      }
      case 'release': {
        let released = 0;
        let status = 0;
        while (released < (message.times ?? 1)) {
          status = (NtReleaseMutant(message.object, null) as number) >>> 0;
          if (status !== 0) break;
          released++;
        }
        port.postMessage({ type: 'released', released, status });
        break;
      }
      case 'exit':
        port.close();
        break;
    }
  });
}
