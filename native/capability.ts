import type { Capability } from './types';
import { messageOf } from './errors';

/** Runs a capability check: null means supported, a string is the reason not; a throw is one too. */
export function probe(body: () => string | null): Capability {
  try {
    const reason = body();
    return reason === null ? { supported: true } : { supported: false, reason };
  } catch (error) {
    return { supported: false, reason: messageOf(error) };
  }
}
