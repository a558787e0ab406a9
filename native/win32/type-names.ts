// The OS's type name for each handle-table type index, learned once per index from a duplicate
// of a handle of that type (NtQueryObject(ObjectTypeInformation)). Indexes are fixed for a boot,
// so the cache lives as long as this process. The name is always read from an object, never
// derived from the number: Wine's system handle table numbers Event 8 while its
// OBJECT_TYPE_INFORMATION.TypeIndex says 10.
import type { SampledKind } from '../types';
import { objectTypeName } from './object-info';
import { kindOfTypeName } from './names';
import { SAMPLED_KINDS } from './objects';
import type { HandleSource } from './process-handles';

const namesByIndex = new Map<string, string>();
const key = (source: HandleSource, typeIndex: number) => `${source}:${typeIndex}`;

/** The type name already learned for an index; undefined when unknown (index 0 is never cached: "not reported"). */
export function knownTypeName(source: HandleSource, typeIndex: number): string | undefined {
  return typeIndex === 0 ? undefined : namesByIndex.get(key(source, typeIndex));
}

/** Reads the type of `handle` (a duplicate in this process) and remembers it for its index. */
export function learnTypeName(source: HandleSource, typeIndex: number, handle: bigint): string | undefined {
  const name = objectTypeName(handle);
  if (name !== undefined && typeIndex !== 0) namesByIndex.set(key(source, typeIndex), name);
  return name;
}

/** The sampled kind of an object type, or undefined for every other type. */
export function sampledKindOfType(typeName: string | undefined): SampledKind | undefined {
  if (typeName === undefined) return undefined;
  const kind = kindOfTypeName(typeName);
  return (SAMPLED_KINDS as readonly string[]).includes(kind) ? (kind as SampledKind) : undefined;
}
