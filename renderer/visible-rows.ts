// Tells the engine which rows the object list shows, so that the sampler spends its budget there
// (issue 15): only when the set changed, and only once the list has been still for a moment, so
// that scrolling through 10,000 rows is one request, not one per frame.
import { MAX_VISIBLE_PATHS } from '../protocol';

export const VISIBLE_ROWS_DEBOUNCE_MS = 250;
/**
 * Characters of paths one request carries at most: serve mode closes a socket on a frame over
 * 64 KiB, and a few rows of 32,767-character names would make one.
 */
export const MAX_VISIBLE_CHARS = 32 * 1024;

/** The rows from the top of the view that fit in one request (the rest wait for the sampler's round). */
export function fitVisible(paths: readonly string[], maxCount = MAX_VISIBLE_PATHS, maxChars = MAX_VISIBLE_CHARS): string[] {
  const fitted: string[] = [];
  let chars = 0;
  for (const path of paths) {
    if (fitted.length >= maxCount || chars + path.length > maxChars) break;
    fitted.push(path);
    chars += path.length;
  }
  return fitted;
}

export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

const browserTimers: Timers = { set: (run, ms) => setTimeout(run, ms), clear: (timer) => clearTimeout(timer as number) };

export class VisibleRowsReporter {
  /** What the engine was last told (sorted, joined): the same set is not sent again. */
  private sentKey?: string;
  private pending?: { key: string; paths: string[] };
  private latest: string[] = [];
  private timer?: unknown;

  constructor(
    private readonly send: (paths: string[]) => void,
    private readonly debounceMs = VISIBLE_ROWS_DEBOUNCE_MS,
    private readonly timers: Timers = browserTimers,
  ) {}

  /** The rows in view now; called after every render of the list (cheap when nothing changed). */
  update(paths: readonly string[]): void {
    const sorted = fitVisible(paths).sort();
    const key = sorted.join('\n');
    this.latest = sorted;
    if (key === this.pending?.key) return;
    this.cancel();
    // Back to what the engine already has (scrolled away and back): nothing to send.
    if (key === this.sentKey) return;
    this.pending = { key, paths: sorted };
    this.timer = this.timers.set(() => this.flush(), this.debounceMs);
  }

  /** After a reconnect (a restarted engine knows nothing): the rows in view are sent again. */
  resend(): void {
    this.sentKey = undefined;
    this.cancel();
    this.update(this.latest);
  }

  dispose(): void {
    this.cancel();
  }

  private cancel(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.sentKey = pending.key;
    this.send(pending.paths);
  }
}
