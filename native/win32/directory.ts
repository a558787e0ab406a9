// Object-directory enumeration. Windows returns as many entries per call as the buffer holds
// (one call per ~1,000 entries); Wine 8 answers that form STATUS_NOT_IMPLEMENTED and has only the
// one-entry-per-call form, whose index context Windows re-walks from the start on every call
// (quadratic in the directory's size). The form is learned on the first listing.
import type { ObjectEntry } from '../types';
import { handleSlot, takeHandle, type NtHandle } from './handle';
import { kindOfTypeName, splitPath } from './names';
import { addressOf, ntdll } from './ntdll';
import { STATUS, check, statusError } from './ntstatus';
import { DIRECTORY_QUERY, DIRECTORY_TRAVERSE, objectAttributes, readUnicodeString } from './structs';

// OBJECT_DIRECTORY_INFORMATION (x64): UNICODE_STRING Name @0, UNICODE_STRING TypeName @16; the
// multi-entry form writes an array of them ended by an all-zero entry, the strings after it.
const ENTRY_NAME_OFFSET = 0;
const ENTRY_TYPE_OFFSET = 16;
const ENTRY_SIZE = 32;
export const STATUS_MORE_ENTRIES = 0x00000105;

export interface DirectoryEntryName {
  name: string;
  typeName: string;
}

/** The entries of a multi-entry answer, up to its all-zero end; `base` is the buffer's address. */
export function decodeDirectoryEntries(buffer: Buffer, base: bigint): DirectoryEntryName[] {
  const entries: DirectoryEntryName[] = [];
  for (let offset = 0; offset + ENTRY_SIZE <= buffer.length; offset += ENTRY_SIZE) {
    if (buffer.readBigUInt64LE(offset + ENTRY_NAME_OFFSET + 8) === 0n && buffer.readUInt16LE(offset + ENTRY_NAME_OFFSET) === 0) break;
    entries.push({ name: readUnicodeString(buffer, offset + ENTRY_NAME_OFFSET, base), typeName: readUnicodeString(buffer, offset + ENTRY_TYPE_OFFSET, base) });
  }
  return entries;
}

export function openDirectory(path: string): NtHandle {
  const slot = handleSlot();
  const status = ntdll().NtOpenDirectoryObject(slot, DIRECTORY_QUERY | DIRECTORY_TRAVERSE, objectAttributes(path));
  check(status, 'NtOpenDirectoryObject', path);
  return takeHandle(slot);
}

/** Reusable buffers: a scan of thousands of entries allocates nothing per entry. */
class DirectoryCursor {
  buffer = Buffer.alloc(64 * 1024); // about 1,000 entries of the multi-entry form per call
  base = addressOf(this.buffer);
  readonly context = Buffer.alloc(4);
  readonly returned = Buffer.alloc(4);

  grow(): void {
    this.buffer = Buffer.alloc(this.buffer.length * 4);
    this.base = addressOf(this.buffer);
  }
}

const cursor = new DirectoryCursor();

let form: 'many' | 'one' | undefined;

/** Which form of NtQueryDirectoryObject this OS answered: 'many' entries per call, or 'one' (Wine). */
export function directoryQueryForm(): 'many' | 'one' | undefined {
  return form;
}

/** Lists a directory's entries without following symbolic links. */
export function listDirectory(path: string): ObjectEntry[] {
  const directory = openDirectory(path);
  try {
    let names = form === 'one' ? undefined : queryMany(directory, path);
    if (names) form = 'many';
    else {
      form = 'one';
      names = queryOneByOne(directory, path);
    }
    return toObjectEntries(path, names);
  } finally {
    directory.close();
  }
}

function query(directory: NtHandle, single: number, restart: number, context: Buffer = cursor.context): number {
  return ntdll().NtQueryDirectoryObject(
    directory.value, cursor.buffer, cursor.buffer.length, single, restart, context, cursor.returned,
  ) >>> 0;
}

const tooSmall = (status: number) => (status === STATUS.BUFFER_TOO_SMALL || status === STATUS.BUFFER_OVERFLOW) && cursor.buffer.length < 1 << 20;

/** One answer of NtQueryDirectoryObject in the multi-entry form: its status and the entries it wrote. */
export interface DirectoryAnswer {
  status: number;
  entries: DirectoryEntryName[];
}

/**
 * The multi-entry loop: asks (`restart` until an entry has been taken) until NO_MORE_ENTRIES or a
 * SUCCESS that held the rest; an answer with no entry that fitted (BUFFER_TOO_SMALL, or
 * MORE_ENTRIES with none, as Windows says it) grows the buffer (`grow` says false at its limit)
 * and asks again from the same place. Undefined when the first answer is NOT_IMPLEMENTED (Wine 8).
 */
export function collectDirectoryEntries(ask: (restart: boolean) => DirectoryAnswer, grow: () => boolean, path: string): DirectoryEntryName[] | undefined {
  const entries: DirectoryEntryName[] = [];
  let restart = true;
  for (;;) {
    const { status, entries: batch } = ask(restart);
    if (status === STATUS.NOT_IMPLEMENTED && restart) return undefined;
    if (status === STATUS.NO_MORE_ENTRIES) return entries;
    const noneFitted = status === STATUS.BUFFER_TOO_SMALL || status === STATUS.BUFFER_OVERFLOW || (status === STATUS_MORE_ENTRIES && batch.length === 0);
    if (noneFitted) {
      if (!grow()) throw statusError(status, 'NtQueryDirectoryObject', `${path}: an entry does not fit in 1 MiB`);
      continue; // the context did not advance
    }
    if (status !== STATUS.SUCCESS && status !== STATUS_MORE_ENTRIES) throw statusError(status, 'NtQueryDirectoryObject', path);
    entries.push(...batch);
    restart = false;
    // SUCCESS means this batch held the rest; MORE_ENTRIES asks for another call from the context.
    if (status === STATUS.SUCCESS) return entries;
  }
}

/** Every entry, as many per call as fit; undefined when the OS lacks this form (Wine 8). */
function queryMany(directory: NtHandle, path: string): DirectoryEntryName[] | undefined {
  const ask = (restart: boolean): DirectoryAnswer => {
    cursor.buffer.fill(0, 0, ENTRY_SIZE); // an answer with no entry must not read as the last batch
    const status = query(directory, 0, restart ? 1 : 0);
    const wrote = status === STATUS.SUCCESS || status === STATUS_MORE_ENTRIES;
    return { status, entries: wrote ? decodeDirectoryEntries(cursor.buffer, cursor.base) : [] };
  };
  const grow = () => {
    if (cursor.buffer.length >= 1 << 20) return false;
    cursor.grow();
    return true;
  };
  return collectDirectoryEntries(ask, grow, path);
}

function queryOneByOne(directory: NtHandle, path: string): DirectoryEntryName[] {
  const entries: DirectoryEntryName[] = [];
  const done = nextOneByOne(directory, path, { restart: true, context: cursor.context }, entries, () => false);
  if (!done) throw new Error('unreachable: a walk without a deadline ended early');
  return entries;
}

/**
 * Asks for entries one per call from `walk`'s context, appending them, until NO_MORE_ENTRIES (true)
 * or until `stop()` says so after an entry (false: call again to go on from the same context).
 */
function nextOneByOne(directory: NtHandle, path: string, walk: { restart: boolean; context: Buffer }, entries: DirectoryEntryName[], stop: () => boolean): boolean {
  for (;;) {
    const status = query(directory, 1, walk.restart ? 1 : 0, walk.context);
    if (status === STATUS.NO_MORE_ENTRIES) return true;
    if (tooSmall(status)) {
      cursor.grow();
      continue; // the context did not advance; ask for the same entry again
    }
    if (status !== STATUS.SUCCESS) throw statusError(status, 'NtQueryDirectoryObject', path);
    walk.restart = false;
    entries.push({
      name: readUnicodeString(cursor.buffer, ENTRY_NAME_OFFSET, cursor.base),
      typeName: readUnicodeString(cursor.buffer, ENTRY_TYPE_OFFSET, cursor.base),
    });
    if (stop()) return false;
  }
}

/**
 * A listing spread over calls, for the one-entry-per-call form (Wine), where a directory of
 * 10,000 entries takes about 0.9 s: each step() lists for about `sliceMs` from where the last one
 * stopped (its own handle and context) and returns the whole listing when the walk ends. The
 * directory may change between steps, so the result is not a snapshot: an entry made meanwhile
 * may be listed twice (kept once) or only in the next walk, and an entry removed before the
 * context shifts the rest, so that one other entry may be missed (the caller checks what it
 * misses before taking it for gone).
 */
export class DirectoryWalk {
  #directory: NtHandle | undefined;
  #walk = { restart: true, context: Buffer.alloc(4) };
  #entries: DirectoryEntryName[] = [];

  constructor(
    readonly path: string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a walk is under way (an open handle and entries so far). */
  get started(): boolean {
    return this.#directory !== undefined;
  }

  step(sliceMs: number): ObjectEntry[] | undefined {
    this.#directory ??= openDirectory(this.path);
    const until = this.now() + sliceMs;
    try {
      if (!nextOneByOne(this.#directory, this.path, this.#walk, this.#entries, () => this.now() >= until)) return undefined;
      const seen = new Set<string>();
      const unique = this.#entries.filter((entry) => !seen.has(entry.name) && seen.add(entry.name));
      this.close();
      return toObjectEntries(this.path, unique);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Ends the walk (its handle closed); the next step starts a new one. */
  close(): void {
    this.#directory?.close();
    this.#directory = undefined;
    this.#walk = { restart: true, context: Buffer.alloc(4) };
    this.#entries = [];
  }
}

function toObjectEntries(path: string, names: DirectoryEntryName[]): ObjectEntry[] {
  const prefix = path === '\\' ? '' : path;
  return names.map(({ name, typeName }) => ({ kind: kindOfTypeName(typeName), name, path: `${prefix}\\${name}`, directory: path, typeName }));
}

/** Finds one entry by its full path by listing its directory (for objects of types we do not open). */
export function findEntry(path: string): ObjectEntry | undefined {
  const { directory, name } = splitPath(path);
  const lower = name.toLowerCase();
  return listDirectory(directory).find((entry) => entry.name.toLowerCase() === lower);
}
