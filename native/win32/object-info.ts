// What NtQueryObject tells about a handle of this process: its object's type name and NT name.
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

/** The object's NT path; '' for an unnamed object. Ask only sampled types: a file's name query can block. */
export function objectName(handle: bigint): string | undefined {
  return objectString(handle, ObjectNameInformation);
}
