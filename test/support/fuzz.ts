// Seeded generators of malformed protocol messages, for the fuzz tests in test/reliability. The
// same seed gives the same messages, so a failure names a seed and an index that reproduce it.
import { REQUESTS, REQUEST_NAMES, isRequestName, wireRequestSchema, type RequestName } from '../../protocol';

/** mulberry32: small, fast, good enough to spread test inputs; never for anything secret. */
export class Prng {
  #state: number;
  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** Random UTF-16 text: ASCII, controls, astral characters, lone surrogates, quotes and backslashes. */
  text(maxLength: number): string {
    const length = this.int(maxLength + 1);
    let out = '';
    for (let i = 0; i < length; i++) {
      const bucket = this.int(8);
      if (bucket < 4) out += String.fromCharCode(0x20 + this.int(0x5f));
      else if (bucket === 4) out += String.fromCharCode(this.int(0x20));
      else if (bucket === 5) out += this.pick(['"', '\\', '{', '}', '[', ']', ':', ',', '\u202e', '\u200b', '\ufeff', '\u2028']);
      else if (bucket === 6) out += String.fromCharCode(0xd800 + this.int(0x800));
      else out += String.fromCodePoint(0x80 + this.int(0x10ff80));
    }
    return out;
  }
}

/** What a well-formed request of each channel looks like; mutations start from these. */
export const VALID_PAYLOADS: Record<RequestName, Record<string, unknown>> = {
  session: {},
  show: { name: 'Ev' },
  act: { action: 'set', name: 'Ev' },
  cancelAction: { actionId: 'a1' },
  create: { kind: 'event', name: 'NewEv' },
  capabilities: {},
  setRates: { stateMs: 100 },
  watch: { paths: ['\\Memory\\Ev'] },
  setCpuBudget: { percent: 5 },
  budget: {},
  setVisible: { paths: ['\\Memory\\Ev'] },
  history: { path: '\\Memory\\Ev', fromMs: 0, toMs: 1, maxPoints: 10 },
  metrics: { path: '\\Memory\\Ev', windowMs: 1000 },
  contention: { windowMs: 1000, limit: 10 },
  deadlocks: {},
  unreadableProcesses: {},
  focusProcess: { pid: 1 },
  why: { pid: 1 },
  exportRecording: { format: 'json' },
  auditLog: { limit: 10 },
  startDemo: { scenario: 'handshake' },
  stopDemo: {},
  subscribe: {},
  ack: {},
};

/** Names every front end refuses before a backend sees them. */
export const HOSTILE_PROTOCOL_NAMES: ReadonlyArray<[label: string, name: string]> = [
  ['empty', ''],
  ['32,768 characters', 'x'.repeat(32_768)],
  ['NUL', 'a\u0000b'],
  ['newline', 'a\nb'],
  ['escape sequence', '\u001b]0;pwned\u0007'],
  ['DEL', 'a\u007f'],
  ['C1 control', 'a\u0085b'],
  ['right-to-left override', 'evil\u202Egpj.exe'],
  ['zero-width space', 'Lo\u200Bck'],
  ['zero-width joiner', 'a\u200Db'],
  ['byte order mark', '\uFEFFname'],
  ['line separator', 'a\u2028b'],
  ['lone high surrogate', 'x\uD800'],
  ['lone low surrogate', '\uDC00x'],
  ['replacement character', 'x\uFFFDy'],
];

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', '__lookupGetter__', 'isPrototypeOf'];

function deepArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}
function deepObject(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** A value that is wrong for a field, of every sort: types, ranges, sizes, nesting, pollution. */
function badValue(rng: Prng, json: boolean): unknown {
  const choices: Array<() => unknown> = [
    () => rng.text(40),
    () => rng.pick(HOSTILE_PROTOCOL_NAMES)[1],
    () => -1 - rng.int(1000),
    () => rng.next() * 1000 + 0.5,
    () => 2 ** 31 + rng.int(1000),
    () => 2 ** 53 + 2,
    () => 1e308,
    () => -1e308,
    () => rng.pick([true, false]),
    () => null,
    () => [],
    () => [rng.text(5), rng.int(9)],
    () => ({}),
    () => ({ name: 'Ev' }),
    // Deeper nesting than this is built as text (fuzzFrame), since JSON.stringify recurses.
    () => deepArray(1 + rng.int(1000)),
    () => deepObject(1 + rng.int(1000)),
    () => JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
    () => 'x'.repeat(32_768 + rng.int(8000)),
    () => rng.pick(PROTOTYPE_NAMES),
  ];
  if (!json) {
    choices.push(
      () => BigInt(rng.int(1e9)),
      () => Number.NaN,
      () => Number.POSITIVE_INFINITY,
      () => Number.NEGATIVE_INFINITY,
      () => undefined,
      () => new Date(rng.int(1e12)),
      () => new Map([[1, 2]]),
      () => new Set(['a']),
      () => /re/g,
      () => new Uint8Array(rng.int(64)),
      () => new ArrayBuffer(8),
      () => Object.assign(Object.create(null), { name: 'Ev' }),
      () => new Error('boom'),
      // eslint-disable-next-line no-sparse-arrays
      () => [, , 1],
    );
  }
  return rng.pick(choices)();
}

/** A payload for `channel` that the schema should refuse (the caller checks with the schema). */
export function mutatePayload(channel: RequestName, rng: Prng, json: boolean): unknown {
  const base: Record<string, unknown> = JSON.parse(JSON.stringify(VALID_PAYLOADS[channel]));
  const fields = Object.keys(base);
  const mode = rng.int(6);
  if (mode === 0 || fields.length === 0) {
    // Not an object at all (null and undefined become {} at the receiver, so they are not here).
    return rng.pick<unknown>([rng.int(100), rng.text(20), [base], true, 'payload', 0, -1, ...(json ? [] : [BigInt(1), Number.NaN])]);
  }
  const field = rng.pick(fields);
  if (mode === 1) {
    delete base[field];
    return base;
  }
  if (mode === 2) {
    // Pollution keys next to a broken field.
    const polluted = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    return Object.assign(polluted, base, { [field]: badValue(rng, json) });
  }
  base[field] = badValue(rng, json);
  if (mode === 4) base[rng.pick(PROTOTYPE_NAMES)] = badValue(rng, json);
  return base;
}

export type Expectation = { kind: 'frame' } | { kind: 'channel' } | { kind: 'payload'; channel: RequestName } | { kind: 'valid'; channel: RequestName };

/** How the server must answer a WebSocket message, decided by the protocol's own schemas. */
export function classifyFrame(text: string): Expectation {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'frame' };
  }
  const parsed = wireRequestSchema.safeParse(json);
  if (!parsed.success) return { kind: 'frame' };
  return classifyRequest(parsed.data.channel, parsed.data.payload);
}

export function classifyRequest(channel: unknown, payload: unknown): Expectation {
  if (!isRequestName(channel)) return { kind: 'channel' };
  const result = REQUESTS[channel].request.safeParse(payload ?? {});
  return result.success ? { kind: 'valid', channel } : { kind: 'payload', channel };
}

/** One WebSocket text message: broken framing, an unknown channel, or a known one with a bad payload. */
export function fuzzFrame(rng: Prng, id: number): string {
  const channel = rng.pick(REQUEST_NAMES);
  // Cases 0-9 break the framing or name an unknown channel; the rest (about half) are requests on
  // real channels with a broken payload, where most of the validation lives.
  switch (rng.int(20)) {
    case 0:
      return rng.text(200); // not JSON (almost always)
    case 1:
      return JSON.stringify({ id, channel, payload: VALID_PAYLOADS[channel] }).slice(0, 1 + rng.int(30)); // truncated
    case 2:
      return JSON.stringify(rng.pick<unknown>([null, 1, 'show', [], [id, channel], true, { id }, { channel }]));
    case 3: {
      const badId = rng.pick<unknown>(['1', -1, 1.5, null, {}, [], true, 2 ** 64]);
      return JSON.stringify({ id: badId, channel, payload: {} });
    }
    case 4:
      return `{"id":1e400,"channel":"${channel}","payload":{}}`;
    case 5:
      return JSON.stringify({ id, channel: rng.pick<unknown>([1, null, {}, ['show'], true]), payload: {} });
    case 6:
      return JSON.stringify({
        id,
        channel: rng.pick([...PROTOTYPE_NAMES, 'Show', ' show', 'show ', 'show\u0000', rng.text(30), 'x'.repeat(10_000), 'objects:list', 'syncscope:show']),
        payload: VALID_PAYLOADS.show,
      });
    case 7:
      return '['.repeat(1 + rng.int(20_000)) + ']'.repeat(rng.int(20_000));
    case 8:
      return `{"id":${id},"channel":"${channel}","payload":${'{"a":'.repeat(1 + rng.int(5000))}1${'}'.repeat(rng.int(5000))}}`;
    case 9:
      return JSON.stringify({ id, channel, payload: VALID_PAYLOADS[channel] }) + rng.pick([' x', '}', ',', '\u0000']);
    default:
      return JSON.stringify({ id, channel, payload: mutatePayload(channel, rng, true) });
  }
}
