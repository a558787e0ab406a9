// Snapshot-then-deltas stream over a keyed table, with bounded memory for any number of
// subscribers. Each commit appends the keys that changed to a short log; a subscriber keeps only
// a cursor. When it is ready for more, it gets one delta holding the current record of every key
// changed since its cursor (coalesced), or a fresh snapshot when its cursor fell off the log.
// Per commit, work is proportional to what changed, never to subscribers × objects.
import { messageOf } from '../native/errors';


export interface Snapshot<R> {
  type: 'snapshot';
  seq: number;
  t: number;
  records: R[];
}

export interface Delta<R> {
  type: 'delta';
  /** Sequence of the first and last commit this delta covers. */
  fromSeq: number;
  seq: number;
  t: number;
  upserts: R[];
  removed: string[];
}

export type Update<R> = Snapshot<R> | Delta<R>;

export interface Subscription {
  /** The subscriber has consumed what it was sent: send the next batch when there is one. */
  ack(): void;
  close(): void;
}

interface Subscriber<R> {
  cursor: number;
  /** True when the subscriber may be sent a batch (it acknowledged the previous one). */
  ready: boolean;
  send: (update: Update<R>) => void;
}

export interface UpdateStreamOptions {
  /** Commits kept in the log; a subscriber further behind gets a snapshot. */
  logLength?: number;
  /** A delta touching more than this share of the table is sent as a snapshot instead. */
  snapshotShare?: number;
}

export class UpdateStream<R> {
  private readonly table = new Map<string, R>();
  private readonly log: Array<{ seq: number; keys: string[] }> = [];
  private readonly subscribers = new Set<Subscriber<R>>();
  private seq = 0;
  /** Sends that threw, and the last such error (the subscriber is retried at the next commit). */
  sendErrors = 0;
  lastSendError?: string;
  private readonly logLength: number;
  private readonly snapshotShare: number;

  constructor(
    private readonly now: () => number = Date.now,
    options: UpdateStreamOptions = {},
  ) {
    this.logLength = options.logLength ?? 256;
    this.snapshotShare = options.snapshotShare ?? 0.5;
  }

  get sequence(): number {
    return this.seq;
  }

  get size(): number {
    return this.table.size;
  }

  get(key: string): R | undefined {
    return this.table.get(key);
  }

  records(): IterableIterator<R> {
    return this.table.values();
  }

  /** Applies one batch of changes as one commit and pushes to every ready subscriber. */
  commit(upserts: ReadonlyMap<string, R>, removed: Iterable<string> = []): void {
    const keys: string[] = [];
    for (const [key, record] of upserts) {
      this.table.set(key, record);
      keys.push(key);
    }
    for (const key of removed) {
      if (this.table.delete(key)) keys.push(key);
    }
    if (keys.length === 0) return;
    this.seq++;
    this.log.push({ seq: this.seq, keys });
    if (this.log.length > this.logLength) this.log.shift();
    for (const subscriber of this.subscribers) if (subscriber.ready) this.flush(subscriber);
  }

  snapshot(): Snapshot<R> {
    return { type: 'snapshot', seq: this.seq, t: this.now(), records: [...this.table.values()] };
  }

  /** Sends a snapshot at once, then deltas as the subscriber acknowledges. */
  subscribe(send: (update: Update<R>) => void): Subscription {
    const subscriber: Subscriber<R> = { cursor: this.seq, ready: false, send };
    this.subscribers.add(subscriber);
    try {
      send(this.snapshot());
    } catch (error) {
      // Nobody will ever close a subscription that was never returned.
      this.subscribers.delete(subscriber);
      throw error;
    }
    return {
      ack: () => {
        if (!this.subscribers.has(subscriber)) return;
        subscriber.ready = true;
        if (subscriber.cursor < this.seq) this.flush(subscriber);
      },
      close: () => {
        this.subscribers.delete(subscriber);
      },
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private flush(subscriber: Subscriber<R>): void {
    const update = this.updateSince(subscriber.cursor);
    if (!update) return;
    const cursor = subscriber.cursor;
    subscriber.cursor = this.seq;
    subscriber.ready = false;
    try {
      subscriber.send(update);
    } catch (error) {
      // A transport that throws (a renderer frame disposed mid-reload, a socket closing) must not
      // stop the commit for other subscribers nor lose this one's changes: it gets them, coalesced,
      // at the next commit, until its connection closes the subscription.
      subscriber.cursor = cursor;
      subscriber.ready = true;
      this.sendErrors++;
      this.lastSendError = messageOf(error);
    }
  }

  /** Everything since `cursor`, coalesced; undefined when nothing changed. */
  updateSince(cursor: number): Update<R> | undefined {
    if (cursor >= this.seq) return undefined;
    const oldest = this.log.length > 0 ? this.log[0].seq : this.seq + 1;
    if (cursor + 1 < oldest) return this.snapshot();
    const changed = new Set<string>();
    for (let i = this.log.length - 1; i >= 0 && this.log[i].seq > cursor; i--) {
      for (const key of this.log[i].keys) changed.add(key);
    }
    if (changed.size > Math.max(16, this.table.size * this.snapshotShare)) return this.snapshot();
    const upserts: R[] = [];
    const removed: string[] = [];
    for (const key of changed) {
      const record = this.table.get(key);
      if (record === undefined) removed.push(key);
      else upserts.push(record);
    }
    return { type: 'delta', fromSeq: cursor + 1, seq: this.seq, t: this.now(), upserts, removed };
  }
}
