// The Win32 suites assert what the running OS reports: the real value where a capability is
// supported, the exact reason where it is not. These are the exact reasons of the gaps known so
// far (Wine 8 has them all); an unsupported capability with any other reason fails the test, so a
// new gap is looked at rather than passed over.
export const KNOWN_GAPS: Record<string, string> = {
  mutexOwner: 'NtQueryMutant(MutantOwnerInformation) returned STATUS_INVALID_INFO_CLASS: the owner thread of a mutex is unknown',
  waiters: 'NtQueryInformationThread(ThreadLastSystemCall) returned STATUS_NOT_IMPLEMENTED: the OS does not say which object a thread waits on',
  threadStates: 'the process list reports this running thread as initialized (KTHREAD_STATE 0): this OS does not report thread states',
  waitChains: 'advapi32 OpenThreadWaitChainSession returned NULL with ERROR_NOT_SUPPORTED (50) (and advapi32 has no CloseThreadWaitChainSession): this OS has no Wait Chain Traversal',
  processHandleSnapshot: 'NtQueryInformationProcess(ProcessHandleInformation) returned STATUS_INVALID_INFO_CLASS: this OS has no per-process handle snapshot (Windows 8+)',
};

export type Capabilities = Record<string, { supported: boolean; reason?: string }>;

/** The reason a capability is missing, checked against the known gaps; null when it is supported. */
export function gapOf(capabilities: Capabilities, feature: string): string | null {
  const capability = capabilities[feature];
  if (!capability) throw new Error(`the capability report has no ${feature}: ${JSON.stringify(capabilities)}`);
  if (capability.supported) return null;
  if (capability.reason !== KNOWN_GAPS[feature]) {
    throw new Error(`${feature} is unsupported for a reason no test knows: ${capability.reason} (known: ${KNOWN_GAPS[feature] ?? 'none'})`);
  }
  return capability.reason;
}
