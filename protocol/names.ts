// The rules every front end applies to a name a user gives (CLI argument, IPC or WebSocket
// request) before any backend sees it. Pure string logic, no Node or Electron imports.
//
// Refused everywhere: the empty name, names over 32,767 UTF-16 units (UNICODE_STRING's limit), and
// any character that does not read as what it is: control characters (C0, DEL, C1), format
// characters (bidirectional overrides and isolates, zero-width spaces and joiners, the BOM, soft
// hyphens), line and paragraph separators, lone surrogates (not valid Unicode) and U+FFFD (what
// invalid text becomes on its way through UTF-8, so the name was not what was meant). Rules that
// belong to one OS (`/` and `..` in Linux semaphore names...) are the backends'.

export const MAX_NAME_CHARS = 32767;

const LONE_SURROGATE = /\p{Cs}/u;
const UNREADABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `name` cannot be used as an object name, or undefined when it can. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'a name is a string';
  if (name.length === 0) return 'the name is empty';
  if (name.length > MAX_NAME_CHARS) return `the name has ${name.length} characters; the limit is ${MAX_NAME_CHARS}`;
  const lone = LONE_SURROGATE.exec(name);
  if (lone) return `the name is not valid Unicode: a lone surrogate ${codePoint(lone[0])} at position ${lone.index}`;
  const replaced = name.indexOf('\uFFFD');
  if (replaced >= 0) {
    return `the name holds U+FFFD at position ${replaced}, the replacement character: it was not valid text where it came from (invalid UTF-8 or a lone surrogate)`;
  }
  const found = UNREADABLE.exec(name);
  if (found) {
    return `the name holds ${codePoint(found[0])} at position ${found.index}: control, invisible and direction-changing characters are refused, so that a name reads as what it is`;
  }
  return undefined;
}

/**
 * Text safe to print on one terminal line: control, format and separator characters and lone
 * surrogates become `\u{...}` escapes (no escape sequences, no reordering), and very long text is cut.
 */
export function printable(text: string, maxChars = 1000): string {
  const escaped = text.replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, (char) => `\\u{${char.codePointAt(0)!.toString(16)}}`);
  return escaped.length > maxChars ? `${escaped.slice(0, maxChars)}… (${escaped.length} characters)` : escaped;
}

/**
 * Whether a path is the identity of an object without a name (see README, "syncscope why"):
 * a Linux semaphore whose name was unlinked (`sem-inode:`), a futex word (`futex:`), an unnamed
 * Windows object known by a handle to it (`handle:<pid>:0x<handle>`).
 */
export function isUnnamedPath(path: string): boolean {
  return path.startsWith('sem-inode:') || path.startsWith('handle:') || path.startsWith('futex:');
}
