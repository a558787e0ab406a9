// Object-directory enumeration, one entry per call: Wine lacks the multi-entry form, and the
// single-entry form works everywhere.
import type { ObjectEntry } from '../types';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { kindOfTypeName, splitPath } from './names';
import { addressOf, ntdll } from './ntdll';
import { STATUS, check, statusError } from './ntstatus';
import { DIRECTORY_QUERY, DIRECTORY_TRAVERSE, objectAttributes, readUnicodeString } from './structs';

const ENTRY_NAME_OFFSET = 0; // OBJECT_DIRECTORY_INFORMATION.Name
const ENTRY_TYPE_OFFSET = 16; // OBJECT_DIRECTORY_INFORMATION.TypeName

export function openDirectory(path: string): NtHandle {
  const slot = handleSlot();
  const status = ntdll().NtOpenDirectoryObject(slot, DIRECTORY_QUERY | DIRECTORY_TRAVERSE, objectAttributes(path));
  check(status, 'NtOpenDirectoryObject', path);
  return takeHandle(slot);
}

/** Reusable buffers: a scan of thousands of entries allocates nothing per entry. */
class DirectoryCursor {
  buffer = Buffer.alloc(4096);
  base = addressOf(this.buffer);
  readonly context = Buffer.alloc(4);
  readonly returned = Buffer.alloc(4);

  grow(): void {
    this.buffer = Buffer.alloc(this.buffer.length * 4);
    this.base = addressOf(this.buffer);
  }
}

const cursor = new DirectoryCursor();

/** Lists a directory's entries without following symbolic links. */
export function listDirectory(path: string): ObjectEntry[] {
  const directory = openDirectory(path);
  try {
    const entries: ObjectEntry[] = [];
    const prefix = path === '\\' ? '' : path;
    let restart = 1;
    for (;;) {
      const status = ntdll().NtQueryDirectoryObject(
        directory.value, cursor.buffer, cursor.buffer.length, 1, restart, cursor.context, cursor.returned,
      ) >>> 0;
      if (status === STATUS.NO_MORE_ENTRIES) break;
      if ((status === STATUS.BUFFER_TOO_SMALL || status === STATUS.BUFFER_OVERFLOW) && cursor.buffer.length < 1 << 20) {
        cursor.grow();
        continue; // the context did not advance; ask for the same entry again
      }
      if (status !== STATUS.SUCCESS) throw statusError(status, 'NtQueryDirectoryObject', path);
      restart = 0;
      const name = readUnicodeString(cursor.buffer, ENTRY_NAME_OFFSET, cursor.base);
      const typeName = readUnicodeString(cursor.buffer, ENTRY_TYPE_OFFSET, cursor.base);
      entries.push({ kind: kindOfTypeName(typeName), name, path: `${prefix}\\${name}`, directory: path, typeName });
    }
    return entries;
  } finally {
    directory.close();
  }
}

/** Finds one entry by its full path by listing its directory (for objects of types we do not open). */
export function findEntry(path: string): ObjectEntry | undefined {
  const { directory, name } = splitPath(path);
  const lower = name.toLowerCase();
  return listDirectory(directory).find((entry) => entry.name.toLowerCase() === lower);
}
