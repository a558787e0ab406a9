// Raw bindings, named as in the Windows headers, bound on first use. Every pointer parameter is
// declared `void *` and given a Buffer (or a BigInt handle): the safe layer owns the layouts
// (see structs.ts). All return NTSTATUS, which avoids GetLastError and its per-thread state.
// Reference: https://learn.microsoft.com/windows/win32/api/winternl/ and the ntdll exports.
import type { LibraryHandle } from 'koffi';
import { koffi } from '../koffi';

type Ptr = Buffer | bigint | null;
type NtCall<A extends unknown[]> = ((...args: A) => number) & {
  /** koffi runs the call on a worker thread and reports the NTSTATUS to the callback. */
  async: (...args: [...A, (error: Error | null, status: number | undefined) => void]) => void;
};

export interface Ntdll {
  NtClose: NtCall<[handle: bigint]>;
  NtOpenDirectoryObject: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtQueryDirectoryObject: NtCall<
    [dir: bigint, buffer: Buffer, length: number, single: number, restart: number, context: Buffer, returned: Ptr]
  >;
  NtOpenSymbolicLinkObject: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtOpenEvent: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtOpenMutant: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtOpenSemaphore: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtOpenTimer: NtCall<[handleOut: Buffer, access: number, attributes: Buffer]>;
  NtCreateEvent: NtCall<[handleOut: Buffer, access: number, attributes: Ptr, type: number, initial: number]>;
  NtCreateMutant: NtCall<[handleOut: Buffer, access: number, attributes: Ptr, owned: number]>;
  NtCreateSemaphore: NtCall<[handleOut: Buffer, access: number, attributes: Ptr, initial: number, max: number]>;
  NtCreateTimer: NtCall<[handleOut: Buffer, access: number, attributes: Ptr, type: number]>;
  NtQueryEvent: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQueryMutant: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQuerySemaphore: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQueryTimer: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtSetEvent: NtCall<[h: bigint, previous: Ptr]>;
  NtResetEvent: NtCall<[h: bigint, previous: Ptr]>;
  NtPulseEvent: NtCall<[h: bigint, previous: Ptr]>;
  NtReleaseSemaphore: NtCall<[h: bigint, count: number, previous: Ptr]>;
  NtReleaseMutant: NtCall<[h: bigint, previous: Ptr]>;
  NtSetTimer: NtCall<
    [h: bigint, due: Buffer, apc: Ptr, context: Ptr, resume: number, period: number, previous: Ptr]
  >;
  NtCancelTimer: NtCall<[h: bigint, current: Ptr]>;
  NtWaitForSingleObject: NtCall<[h: bigint, alertable: number, timeout: Ptr]>;
  NtQuerySystemInformation: NtCall<[cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQueryObject: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQueryInformationProcess: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtQueryInformationThread: NtCall<[h: bigint, cls: number, info: Buffer, length: number, returned: Ptr]>;
  NtOpenProcess: NtCall<[handleOut: Buffer, access: number, attributes: Buffer, clientId: Buffer]>;
  NtOpenThread: NtCall<[handleOut: Buffer, access: number, attributes: Buffer, clientId: Buffer]>;
  NtDuplicateObject: NtCall<
    [srcProcess: bigint, src: bigint, dstProcess: bigint, dstOut: Ptr, access: number, attributes: number, options: number]
  >;
  NtOpenProcessToken: NtCall<[process: bigint, access: number, handleOut: Buffer]>;
  NtAdjustPrivilegesToken: NtCall<
    [token: bigint, disableAll: number, newState: Buffer, length: number, previous: Ptr, returned: Ptr]
  >;
}

export interface Kernelbase {
  /** Windows 10+: true when two handles refer to the same kernel object. */
  CompareObjectHandles: ((first: bigint, second: bigint) => number) | undefined;
}

export interface Kernel32 {
  GetLastError: () => number;
  GetCurrentThreadId: () => number;
  /**
   * The address of a module's export. The layer reads exports from the PE export table itself
   * (syscall-numbers.ts); the Win32 tests use this as an independent oracle for the stubs.
   */
  GetProcAddress: (module: bigint, name: string) => bigint | null;
  GetModuleHandleW: (name: string) => bigint | null;
}

/** Opaque HWCT session handle from OpenThreadWaitChainSession (null on failure). */
export type WaitChainSession = unknown;

/**
 * Wait Chain Traversal (Vista+), https://learn.microsoft.com/windows/win32/api/wct/. Each call
 * reports failure through GetLastError, which koffi preserves for the next kernel32 call. Each
 * is optional: Wine 8's advapi32 has no CloseThreadWaitChainSession.
 */
export interface Advapi32 {
  OpenThreadWaitChainSession: ((flags: number, callback: null) => WaitChainSession | null) | undefined;
  GetThreadWaitChain:
    | ((
        session: WaitChainSession, context: number, flags: number, threadId: number,
        nodeCount: Buffer, nodeInfoArray: Buffer, isCycle: Buffer,
      ) => number)
    | undefined;
  CloseThreadWaitChainSession: ((session: WaitChainSession) => void) | undefined;
}

const declarations: Record<keyof Ntdll, string> = {
  NtClose: 'int32_t NtClose(void *h)',
  NtOpenDirectoryObject: 'int32_t NtOpenDirectoryObject(void *out, uint32_t access, void *oa)',
  NtQueryDirectoryObject:
    'int32_t NtQueryDirectoryObject(void *h, void *buf, uint32_t len, uint8_t single, uint8_t restart, void *ctx, void *ret)',
  NtOpenSymbolicLinkObject: 'int32_t NtOpenSymbolicLinkObject(void *out, uint32_t access, void *oa)',
  NtOpenEvent: 'int32_t NtOpenEvent(void *out, uint32_t access, void *oa)',
  NtOpenMutant: 'int32_t NtOpenMutant(void *out, uint32_t access, void *oa)',
  NtOpenSemaphore: 'int32_t NtOpenSemaphore(void *out, uint32_t access, void *oa)',
  NtOpenTimer: 'int32_t NtOpenTimer(void *out, uint32_t access, void *oa)',
  NtCreateEvent: 'int32_t NtCreateEvent(void *out, uint32_t access, void *oa, int32_t type, uint8_t initial)',
  NtCreateMutant: 'int32_t NtCreateMutant(void *out, uint32_t access, void *oa, uint8_t owned)',
  NtCreateSemaphore:
    'int32_t NtCreateSemaphore(void *out, uint32_t access, void *oa, int32_t initial, int32_t max)',
  NtCreateTimer: 'int32_t NtCreateTimer(void *out, uint32_t access, void *oa, int32_t type)',
  NtQueryEvent: 'int32_t NtQueryEvent(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQueryMutant: 'int32_t NtQueryMutant(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQuerySemaphore: 'int32_t NtQuerySemaphore(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQueryTimer: 'int32_t NtQueryTimer(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtSetEvent: 'int32_t NtSetEvent(void *h, void *prev)',
  NtResetEvent: 'int32_t NtResetEvent(void *h, void *prev)',
  NtPulseEvent: 'int32_t NtPulseEvent(void *h, void *prev)',
  NtReleaseSemaphore: 'int32_t NtReleaseSemaphore(void *h, int32_t count, void *prev)',
  NtReleaseMutant: 'int32_t NtReleaseMutant(void *h, void *prev)',
  NtSetTimer:
    'int32_t NtSetTimer(void *h, void *due, void *apc, void *ctx, uint8_t resume, int32_t period, void *prev)',
  NtCancelTimer: 'int32_t NtCancelTimer(void *h, void *current)',
  NtWaitForSingleObject: 'int32_t NtWaitForSingleObject(void *h, uint8_t alertable, void *timeout)',
  NtQuerySystemInformation: 'int32_t NtQuerySystemInformation(int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQueryObject: 'int32_t NtQueryObject(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQueryInformationProcess:
    'int32_t NtQueryInformationProcess(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtQueryInformationThread:
    'int32_t NtQueryInformationThread(void *h, int32_t cls, void *buf, uint32_t len, void *ret)',
  NtOpenProcess: 'int32_t NtOpenProcess(void *out, uint32_t access, void *oa, void *cid)',
  NtOpenThread: 'int32_t NtOpenThread(void *out, uint32_t access, void *oa, void *cid)',
  NtDuplicateObject:
    'int32_t NtDuplicateObject(void *sp, void *sh, void *tp, void *th, uint32_t access, uint32_t attrs, uint32_t opts)',
  NtOpenProcessToken: 'int32_t NtOpenProcessToken(void *process, uint32_t access, void *out)',
  NtAdjustPrivilegesToken:
    'int32_t NtAdjustPrivilegesToken(void *token, uint8_t disableAll, void *state, uint32_t len, void *prev, void *ret)',
};

let ntdllBindings: Ntdll | undefined;
let kernelbaseBindings: Kernelbase | undefined;
let kernel32Bindings: Kernel32 | undefined;
let advapi32Bindings: Advapi32 | undefined;

export function ntdll(): Ntdll {
  if (!ntdllBindings) {
    const lib = koffi().load('ntdll.dll');
    const bound: Record<string, unknown> = {};
    for (const [name, declaration] of Object.entries(declarations)) bound[name] = lib.func(declaration);
    ntdllBindings = bound as unknown as Ntdll;
  }
  return ntdllBindings;
}

/** Binds an optional export: undefined when this OS lacks it (a capability, not an error). */
function optionalFunc<T>(lib: LibraryHandle, declaration: string): T | undefined {
  try {
    return lib.func(declaration) as unknown as T;
  } catch {
    return undefined;
  }
}

export function kernelbase(): Kernelbase {
  if (!kernelbaseBindings) {
    const lib = koffi().load('kernelbase.dll');
    kernelbaseBindings = {
      CompareObjectHandles: optionalFunc(lib, 'int32_t CompareObjectHandles(void *a, void *b)'),
    };
  }
  return kernelbaseBindings;
}

export function kernel32(): Kernel32 {
  if (!kernel32Bindings) {
    const lib = koffi().load('kernel32.dll');
    kernel32Bindings = {
      GetLastError: lib.func('uint32_t GetLastError()') as unknown as Kernel32['GetLastError'],
      GetCurrentThreadId: lib.func('uint32_t GetCurrentThreadId()') as unknown as Kernel32['GetCurrentThreadId'],
      GetProcAddress: lib.func('void *GetProcAddress(void *module, const char *name)') as unknown as Kernel32['GetProcAddress'],
      GetModuleHandleW: lib.func('void *GetModuleHandleW(const char16_t *name)') as unknown as Kernel32['GetModuleHandleW'],
    };
  }
  return kernel32Bindings;
}

export function advapi32(): Advapi32 {
  if (!advapi32Bindings) {
    const lib = koffi().load('advapi32.dll');
    advapi32Bindings = {
      OpenThreadWaitChainSession: optionalFunc(lib, 'void *OpenThreadWaitChainSession(uint32_t flags, void *callback)'),
      GetThreadWaitChain: optionalFunc(
        lib,
        'int32_t GetThreadWaitChain(void *session, uintptr_t context, uint32_t flags, uint32_t tid, void *count, void *nodes, void *cycle)',
      ),
      CloseThreadWaitChainSession: optionalFunc(lib, 'void CloseThreadWaitChainSession(void *session)'),
    };
  }
  return advapi32Bindings;
}

/** The address of a Buffer's bytes, for pointers stored inside structs. */
export function addressOf(buffer: Buffer): bigint {
  return koffi().address(buffer);
}

/** Reads bytes of native memory (e.g. an ntdll function's syscall stub). */
export function readMemory(address: bigint, length: number): Buffer {
  return Buffer.from(koffi().view(address, length));
}
