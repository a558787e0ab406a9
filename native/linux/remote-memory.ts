// Reads a few bytes of another process's memory (a blocked semop's operations), with
// process_vm_readv: allowed where ptrace would be (root, or the same user unless Yama forbids it),
// refused otherwise, and an EFAULT rather than a signal for an address that is not mapped.
import { koffi } from '../koffi';
import { libc } from './libc';

/** At most this many bytes per read: what a waiter report needs, never a memory dump. */
const MAX_BYTES = 4096;

export function readProcessMemory(pid: number, address: bigint, length: number): Uint8Array | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || length <= 0 || length > MAX_BYTES || address <= 0n) return undefined;
  const buffer = Buffer.alloc(length);
  const local = Buffer.alloc(16);
  const remote = Buffer.alloc(16);
  // struct iovec { void *iov_base; size_t iov_len; }
  local.writeBigUInt64LE(koffi().address(buffer) as bigint, 0);
  local.writeBigUInt64LE(BigInt(length), 8);
  remote.writeBigUInt64LE(address, 0);
  remote.writeBigUInt64LE(BigInt(length), 8);
  const read = libc().process_vm_readv(pid, local, 1, remote, 1, 0);
  return read === length ? buffer : undefined;
}
