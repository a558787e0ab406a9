// Owners of every descriptor and mapping the Linux layer opens: close() is idempotent, `using`
// closes at scope end, and a live count lets tests prove that nothing leaks.
import fs from 'node:fs';
import { libc } from './libc';

let live = 0;

/** Descriptors and mappings this layer holds open now. */
export function liveResourceCount(): number {
  return live;
}

export class Fd implements Disposable {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
    live++;
  }

  get value(): number {
    if (this.#fd < 0) throw new Error('descriptor used after close');
    return this.#fd;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    live--;
    fs.closeSync(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A shared mapping of a semaphore file (what sem_open returns is such a mapping). */
export class Mapping implements Disposable {
  #address: bigint;

  constructor(
    address: bigint,
    readonly length: number,
  ) {
    this.#address = address;
    live++;
  }

  get address(): bigint {
    if (this.#address === 0n) throw new Error('mapping used after close');
    return this.#address;
  }

  close(): void {
    if (this.#address === 0n) return;
    const address = this.#address;
    this.#address = 0n;
    live--;
    libc().munmap(address, this.length);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** How many descriptors this process has open (the directory's own descriptor not counted). */
export function processFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length - 1;
}
