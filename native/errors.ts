/**
 * Typed errors for every native backend. Callers branch on `kind`; `code` carries the OS's own
 * name for the failure (an NTSTATUS name on Windows, an errno name on Linux).
 */
export type NativeErrorKind =
  | 'not-found'
  | 'access-denied'
  | 'wrong-type'
  | 'vanished'
  | 'already-exists'
  | 'invalid-argument'
  | 'not-owner'
  | 'timeout'
  /** A pending wait ended by the user (Cancel, Ctrl-C) or by shutdown. */
  | 'cancelled'
  | 'unsupported'
  | 'os-error';

export interface NativeErrorData {
  kind: NativeErrorKind;
  code: string;
  op: string;
  message: string;
}

export class NativeError extends Error implements NativeErrorData {
  readonly kind: NativeErrorKind;
  readonly code: string;
  readonly op: string;

  constructor(kind: NativeErrorKind, op: string, message: string, code = '') {
    super(message);
    this.name = 'NativeError';
    this.kind = kind;
    this.op = op;
    this.code = code;
  }

  toJSON(): NativeErrorData {
    return { kind: this.kind, code: this.code, op: this.op, message: this.message };
  }
}

/** What went wrong, in one line: an Error's message, or whatever was thrown, as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isNativeError(value: unknown): value is NativeError {
  return value instanceof NativeError;
}

export function unsupported(op: string, reason: string): NativeError {
  return new NativeError('unsupported', op, reason, 'UNSUPPORTED');
}

export function invalidArgument(op: string, message: string): NativeError {
  return new NativeError('invalid-argument', op, message, 'INVALID_ARGUMENT');
}
