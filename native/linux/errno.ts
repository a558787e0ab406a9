// errno → typed NativeError. `code` is the errno name (ENOENT...), as Node's fs errors carry it.
import { NativeError, type NativeErrorKind } from '../errors';
import { errnoName, lastErrno } from './libc';

const kindByName: Record<string, NativeErrorKind> = {
  ENOENT: 'not-found',
  EACCES: 'access-denied',
  EPERM: 'access-denied',
  EEXIST: 'already-exists',
  EIDRM: 'vanished',
  EINVAL: 'invalid-argument',
  ERANGE: 'invalid-argument',
  EOVERFLOW: 'invalid-argument',
  EFBIG: 'invalid-argument',
  E2BIG: 'invalid-argument',
  ENAMETOOLONG: 'invalid-argument',
  EAGAIN: 'timeout',
  ETIMEDOUT: 'timeout',
  ELOOP: 'wrong-type',
  ENOTDIR: 'not-found',
  EISDIR: 'wrong-type',
};

export function errnoKind(code: string): NativeErrorKind {
  return kindByName[code] ?? 'os-error';
}

/** A typed error for a failed libc call, from its errno. */
export function errnoError(errno: number, op: string, subject = ''): NativeError {
  const code = errnoName(errno);
  const where = subject ? ` (${subject})` : '';
  return new NativeError(errnoKind(code), op, `${op} failed${where}: ${code}`, code);
}

/** Throws the typed error for the errno the last call left; use right after a call returned -1. */
export function failed(op: string, subject = ''): NativeError {
  return errnoError(lastErrno(), op, subject);
}

/** A Node fs error (with `code`) as a typed error; anything else passes through unchanged. */
export function fsError(error: unknown, op: string, subject: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return error;
  return new NativeError(errnoKind(code), op, `${op} ${subject}: ${code}`, code);
}
