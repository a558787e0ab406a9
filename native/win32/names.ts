// Win32 object names -> NT paths. Pure logic, tested on Linux.
import { invalidArgument } from '../errors';
import { MAX_NT_NAME_CHARS } from './structs';

export const GLOBAL_DIRECTORY = '\\BaseNamedObjects';

/** The directory that `Local\` names live in for a session (session 0 shares the global one). */
export function sessionDirectory(sessionId: number): string {
  return sessionId === 0 ? GLOBAL_DIRECTORY : `\\Sessions\\${sessionId}\\BaseNamedObjects`;
}

/** Control characters (NUL included) have no place in a name a user types. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export function validateName(name: string, op: string): void {
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(op, 'the name is empty');
  if (name.length > MAX_NT_NAME_CHARS) {
    throw invalidArgument(op, `the name has ${name.length} characters; the limit is ${MAX_NT_NAME_CHARS}`);
  }
  if (CONTROL_CHARACTERS.test(name)) throw invalidArgument(op, 'the name contains a control character');
}

/**
 * Resolves `Foo`, `Local\Foo`, `Global\Foo`, `Session\<n>\Foo` or a full NT path (`\...`) to a
 * full NT path, as kernel32 does for the session the caller runs in.
 */
export function resolveObjectPath(name: string, sessionId: number, op = 'resolve'): string {
  return withoutDotComponents(resolve(name, sessionId, op), op);
}

/**
 * `.` and `..` name no object: the object manager does not walk up directories, and a name that
 * looks as if it did is refused rather than looked up or created literally.
 */
function withoutDotComponents(path: string, op: string): string {
  if (path.split('\\').some((part) => part === '.' || part === '..')) {
    throw invalidArgument(op, '"." and ".." are not object names (object paths do not walk up directories)');
  }
  return path;
}

/** Names SyncScope creates: no `/`, which kernel32 allows but which reads as a path. */
export function validateCreateName(name: string): void {
  if (name.includes('/')) throw invalidArgument('create', 'SyncScope does not create names with "/": it reads as a path separator but is not one');
}

function resolve(name: string, sessionId: number, op: string): string {
  validateName(name, op);
  if (name.startsWith('\\')) {
    if (name.endsWith('\\') || name.includes('\\\\')) throw invalidArgument(op, `"${name}" is not a valid NT path`);
    return name;
  }
  const session = /^session\\(\d+)\\(.*)$/i.exec(name);
  if (session) return `${sessionDirectory(Number(session[1]))}\\${leaf(session[2], op)}`;
  const prefixed = /^(global|local)\\(.*)$/i.exec(name);
  if (prefixed) {
    const directory = prefixed[1].toLowerCase() === 'global' ? GLOBAL_DIRECTORY : sessionDirectory(sessionId);
    return `${directory}\\${leaf(prefixed[2], op)}`;
  }
  return `${sessionDirectory(sessionId)}\\${leaf(name, op)}`;
}

function leaf(name: string, op: string): string {
  if (name.length === 0) throw invalidArgument(op, 'the name after the prefix is empty');
  return name;
}

/** Splits a full NT path into its directory and leaf name. */
export function splitPath(path: string): { directory: string; name: string } {
  const cut = path.lastIndexOf('\\');
  return { directory: cut <= 0 ? '\\' : path.slice(0, cut), name: path.slice(cut + 1) };
}

/** Object type names that we sample, mapped to the kinds of the JSON contract. */
const kindByTypeName: Record<string, string> = {
  Event: 'event',
  Mutant: 'mutex',
  Semaphore: 'semaphore',
  Timer: 'timer',
};

export function kindOfTypeName(typeName: string): string {
  return Object.hasOwn(kindByTypeName, typeName) ? kindByTypeName[typeName] : typeName.toLowerCase();
}

export function typeNameOfKind(kind: string): string | undefined {
  return Object.keys(kindByTypeName).find((typeName) => kindByTypeName[typeName] === kind);
}
