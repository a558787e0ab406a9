// What NtQueryObject tells about a handle of this process: its object's type name and NT name.
import type { SampledKind } from '../types';
import { addressOf, ntdll } from './ntdll';
import { ntSuccess } from './ntstatus';
import { ObjectNameInformation, ObjectTypeInformation, readUnicodeString } from './structs';

const queryBuffer = Buffer.alloc(64 * 1024);
const queryBase = addressOf(queryBuffer);

/** OBJECT_TYPE_INFORMATION and OBJECT_NAME_INFORMATION both start with a UNICODE_STRING. */
function objectString(handle: bigint, infoClass: number): string | undefined {
  const status = ntdll().NtQueryObject(handle, infoClass, queryBuffer, queryBuffer.length, null);
  return ntSuccess(status) ? readUnicodeString(queryBuffer, 0, queryBase) : undefined;
}

export function objectTypeName(handle: bigint): string | undefined {
  return objectString(handle, ObjectTypeInformation);
}

/**
 * The NT path of an event, mutant, semaphore or timer; '' when it has none. The kind is required
 * because it can only come from a type check (sampledKindOfType): the name query of a
 * synchronous file or pipe handle can block for as long as that handle's I/O does, so no other
 * type is ever asked its name.
 */
export function syncObjectName(handle: bigint, kind: SampledKind | undefined): string | undefined {
  return kind ? objectString(handle, ObjectNameInformation) : undefined;
}
