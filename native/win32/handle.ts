import { ntdll } from './ntdll';
import { HANDLE_SIZE } from './structs';

let openHandles = 0;

/** How many handles this layer holds open now: tests use it to prove nothing leaks. */
export function liveHandleCount(): number {
  return openHandles;
}

/** Owns one NT handle; close() is idempotent and `using` closes it at scope end. */
export class NtHandle implements Disposable {
  #value: bigint;

  constructor(value: bigint) {
    this.#value = value;
    openHandles++;
  }

  get value(): bigint {
    if (this.#value === 0n) throw new Error('handle used after close');
    return this.#value;
  }

  get closed(): boolean {
    return this.#value === 0n;
  }

  close(): void {
    if (this.#value === 0n) return;
    ntdll().NtClose(this.#value);
    this.#value = 0n;
    openHandles--;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** An out-parameter slot for a HANDLE. */
export function handleSlot(): Buffer {
  return Buffer.alloc(HANDLE_SIZE);
}

export function takeHandle(slot: Buffer): NtHandle {
  return new NtHandle(slot.readBigUInt64LE(0));
}
