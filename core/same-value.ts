/** Structural equality for the plain JSON-like values that states and records hold. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  // for-in without key arrays: this runs for every object on every tick.
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let definedInA = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    definedInA++;
    if (!sameValue(x[key], y[key])) return false;
  }
  let definedInB = 0;
  for (const key in y) if (y[key] !== undefined) definedInB++;
  return definedInA === definedInB;
}
