// When the live engine first saw each thread wait on each object: the "at least" of a wait's
// duration for `why` in the app (a thread seen waiting at every attribution pass since t has
// waited at least since t). A wait not seen in a pass is forgotten: it ended, or moved.
export class WaitClock {
  #since = new Map<string, number>();

  /** Records one attribution pass at time t: every (pid, tid, object) seen waiting now. */
  observe(t: number, waits: Iterable<{ pid: number; tid: number; object: string }>): void {
    const next = new Map<string, number>();
    for (const wait of waits) {
      const key = `${wait.pid}:${wait.tid}:${wait.object}`;
      next.set(key, this.#since.get(key) ?? t);
    }
    this.#since = next;
  }

  /** When this wait was first seen, if it has been seen in every pass since. */
  since(pid: number, tid: number, object: string): number | undefined {
    return this.#since.get(`${pid}:${tid}:${object}`);
  }

  get size(): number {
    return this.#since.size;
  }
}
