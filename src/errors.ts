/**
 * Every error lockstep expects carries a stable `code`, a `hint` (what the user should do next) and an
 * exit code. The CLI prints known errors as `error:` / `hint:` lines without a stack; anything else is a bug
 * and gets its stack printed.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface LockstepErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

export class LockstepError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: LockstepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILED;
  }
}

/** pipeline.yaml, params, the lock or the config is wrong: nothing was run. */
export class ConfigError extends LockstepError {
  constructor(message: string, options: Omit<LockstepErrorOptions, 'exitCode'> = {}) {
    super('E_CONFIG', message, { ...options, exitCode: EXIT_USAGE });
  }
}

/** The command line itself is wrong. */
export class UsageError extends LockstepError {
  constructor(message: string, options: Omit<LockstepErrorOptions, 'exitCode'> = {}) {
    super('E_USAGE', message, { ...options, exitCode: EXIT_USAGE });
  }
}

/** A stage exited non-zero or did not produce its outs. */
export class StageFailedError extends LockstepError {
  readonly stage: string;
  constructor(stage: string, message: string, options: Omit<LockstepErrorOptions, 'exitCode'> = {}) {
    super('E_STAGE_FAILED', message, { ...options, exitCode: EXIT_FAILED });
    this.stage = stage;
  }
}

/** Another process holds the workspace. */
export class WorkspaceBusyError extends LockstepError {
  constructor(message: string, options: Omit<LockstepErrorOptions, 'exitCode'> = {}) {
    super('E_BUSY', message, { ...options, exitCode: EXIT_FAILED });
  }
}

/**
 * A remote could not be reached or refused an operation during an explicit push/pull/fetch. The message
 * names the remote, the operation and the key; it never carries credentials (see remote/redact.ts).
 */
export class RemoteError extends LockstepError {
  constructor(message: string, options: Omit<LockstepErrorOptions, 'exitCode'> = {}) {
    super('E_REMOTE', message, { ...options, exitCode: EXIT_FAILED });
  }
}

/** A command wants a specific exit code without it being an error (e.g. `status --exit-code`). */
export class ExitError extends LockstepError {
  constructor(exitCode: number, message = '') {
    super('E_EXIT', message, { exitCode });
  }
}

export function isLockstepError(err: unknown): err is LockstepError {
  return err instanceof LockstepError;
}

/** What a failed filesystem call means, in words a user acts on. */
const SYSTEM_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory, a file was expected',
  ENOTDIR: 'a part of the path is a file, a directory was expected',
  ENOENT: 'it does not exist',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'an input/output error from the device',
};

/**
 * A failed filesystem call (unreadable file, full disk, a directory where a file belongs) as one clear
 * line naming the path, or undefined for anything else. Nothing is lost: writes are atomic, so the
 * previous lock, cache objects and outputs stay as they were.
 */
export function systemErrorOf(err: unknown): LockstepError | undefined {
  const code = errnoCode(err);
  const path = (err as { path?: unknown }).path;
  if (!code || !Object.hasOwn(SYSTEM_ERRORS, code) || typeof path !== 'string') return undefined;
  const syscall = (err as { syscall?: unknown }).syscall;
  return new LockstepError(`E_FS_${code}`, `cannot ${typeof syscall === 'string' ? `${syscall} ` : 'use '}${path}: ${SYSTEM_ERRORS[code]}`, {
    hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space (lockstep gc removes unused cache objects) and run again' : 'fix the path or its permissions and run again',
    cause: err,
    exitCode: EXIT_USAGE,
  });
}

/** `ENOENT` and friends, without `any`. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
