// Every structure SyncScope reads or builds (OBJECT_ATTRIBUTES, SYSTEM_HANDLE_TABLE_ENTRY_INFO_EX,
// glibc's sem_t, semid_ds, ...) is laid out for a 64-bit process: a 32-bit build would read and
// write at the wrong offsets and corrupt memory, so it is refused before any OS call.

/** The architectures each OS's layouts hold for (Windows on ARM64 shares x64's LLP64 layouts). */
const SUPPORTED: Partial<Record<NodeJS.Platform, readonly string[]>> = {
  win32: ['x64', 'arm64'],
  linux: ['x64', 'arm64'],
};

/** One line saying why this build cannot run here, or undefined when it can. */
export function architectureRefusal(platform: NodeJS.Platform, arch: string): string | undefined {
  const supported = SUPPORTED[platform];
  if (!supported || supported.includes(arch)) return undefined;
  const os = platform === 'win32' ? 'Windows' : 'Linux';
  return `SyncScope on ${os} needs a 64-bit process (${supported.join(' or ')}), and this build of ${runtimeName()} is ${arch}: the structures it reads would not match; use a 64-bit build`;
}

function runtimeName(): string {
  return process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.version}`;
}

/** What the capability report says about the architecture (ARM64 Windows: what is and is not x64-like). */
export function architectureNote(platform: NodeJS.Platform, arch: string): string {
  if (platform === 'win32' && arch === 'arm64') {
    return 'arm64: structure layouts as on x64 (same LLP64 sizes and alignment); what depends on machine code (system call numbers) is reported with the waiters capability';
  }
  return arch;
}
