/** Exit codes of both programs (SPEC section 3). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 75,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error meant for the operator: a stable machine code, one line saying
 * what went wrong where and what to do, and the exit code it implies.
 * Anything thrown that is not an AltError is a bug and is reported as such.
 */
export class AltError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode = ExitCode.failed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AltError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function usageError(code: string, message: string): AltError {
  return new AltError(code, message, ExitCode.usage);
}

export function isAltError(e: unknown): e is AltError {
  return e instanceof AltError;
}

/** A failed system call's code (ENOENT, EACCES), else the message: what an operator line shows of a cause. */
export function reasonOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** The one line printed for any thrown value. */
export function operatorLine(e: unknown): string {
  if (e instanceof AltError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return `internal: ${e.message} (rerun with --log-level debug for details)`;
  return `internal: ${String(e)}`;
}
