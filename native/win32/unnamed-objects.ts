// The unnamed objects SyncScope has met, each known by the first handle it was met through
// (`handle:<pid>:0x<h>`). A handle met later, in any process, is matched against them with
// CompareObjectHandles, so one object keeps one path (and one history) wherever it shows up.
// Nothing is kept open between calls: each known object is reopened through its handle, and one
// whose handle or process is gone is forgotten.
import { isNativeError } from '../errors';
import type { SampledKind } from '../types';
import type { NtHandle } from './handle';
import type { ObjectTarget } from './holders';
import { objectComparisonUnsupportedReason, parseUnnamedPath, sameObject, unnamedPath, type HandleRef } from './identity';
import { openUnnamed } from './process-objects';

interface Known {
  ref: HandleRef;
  kind: SampledKind;
}

/** Known objects beyond this are forgotten oldest first (a long session meets many short-lived ones). */
const MAX_KNOWN = 4096;

export class UnnamedObjects {
  readonly #known = new Map<string, Known>();
  /** A handle's path -> the path of the object it was last matched to (checked again on use). */
  readonly #aliases = new Map<string, string>();

  /** How many objects are known now (tests). */
  get size(): number {
    return this.#known.size;
  }

  /**
   * The path of the unnamed object behind `ref`, whose copy in this process is `copy`: a known
   * object's path when it is one of them, else `ref`'s own path, which then becomes known.
   */
  identify(ref: HandleRef, kind: SampledKind, copy: NtHandle): string {
    const own = unnamedPath(ref);
    if (this.#known.has(own)) return own;
    if (objectComparisonUnsupportedReason() === null) {
      const alias = this.#aliases.get(own);
      if (alias !== undefined && this.#matches(alias, kind, copy)) return alias;
      for (const path of [...this.#known.keys()]) {
        if (path !== alias && this.#matches(path, kind, copy)) {
          this.#aliases.set(own, path);
          return path;
        }
      }
    }
    this.#remember(own, { ref, kind });
    return own;
  }

  /** Makes a path known (an object a user names by its handle); the kind is checked on open. */
  remember(path: string, kind: SampledKind): void {
    const ref = parseUnnamedPath(path);
    if (ref && !this.#known.has(path)) this.#remember(path, { ref, kind });
  }

  /**
   * Copies of the unnamed objects among `paths` to match handles against (ones that vanished are
   * left out). The caller closes every copy.
   */
  openTargets(paths: readonly string[]): ObjectTarget[] {
    const targets: ObjectTarget[] = [];
    try {
      for (const path of paths) {
        const ref = parseUnnamedPath(path);
        if (!ref) continue;
        try {
          const object = openUnnamed(ref, this.kindOf(path));
          targets.push({ key: path, kind: object.kind, copy: object.handle });
        } catch (error) {
          if (!isNativeError(error) || error.kind !== 'vanished') throw error;
        }
      }
    } catch (error) {
      for (const target of targets) target.copy.close();
      throw error;
    }
    return targets;
  }

  kindOf(path: string): SampledKind | undefined {
    return this.#known.get(path)?.kind;
  }

  forget(path: string): void {
    this.#known.delete(path);
    for (const [alias, target] of this.#aliases) if (target === path || alias === path) this.#aliases.delete(alias);
  }

  #remember(path: string, known: Known): void {
    this.#known.set(path, known);
    if (this.#known.size > MAX_KNOWN) this.forget(this.#known.keys().next().value!);
  }

  /** True when the known object `path` is the one `copy` refers to; a vanished one is forgotten. */
  #matches(path: string, kind: SampledKind, copy: NtHandle): boolean {
    const known = this.#known.get(path);
    if (!known || known.kind !== kind) return false;
    try {
      const object = openUnnamed(known.ref, known.kind);
      try {
        return sameObject(object.handle.value, copy.value);
      } finally {
        object.close();
      }
    } catch (error) {
      if (isNativeError(error) && error.kind === 'vanished') this.forget(path);
      return false;
    }
  }
}
