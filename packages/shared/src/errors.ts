/**
 * Every error an operator can see, in one catalogue (as undici's
 * `lib/core/errors.js` and fastify's `lib/errors.js` keep theirs): a stable
 * code, the exit status it implies, whether waiting and trying again can fix
 * it, and one line of meaning. A code used anywhere must be listed here, so
 * the compiler catches a typo and `--help`-level docs can be generated from
 * one place. Anything thrown that is not an AltError is a bug, except a
 * failed system call, which `toAltError` reports as `io`.
 */

/** Exit codes of both programs (SPEC section 3). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  locked: 75,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

interface ErrorDef {
  exit: ExitCode;
  /** Retried with backoff inside the run deadline (pull); otherwise the attempt fails at once. */
  retry?: true;
  meaning: string;
}

const usage = ExitCode.usage;
const failed = ExitCode.failed;

export const ERRORS = {
  // The command line and the configuration (exit 2: fix the invocation).
  usage: { exit: usage, meaning: 'the command line is not understood' },
  'bad-config': { exit: usage, meaning: 'a configuration key is unknown, of the wrong type or out of range' },
  'config-unreadable': { exit: usage, meaning: 'the configuration file cannot be read' },
  'bad-flag': { exit: usage, meaning: 'a flag names no configuration key' },
  'bad-day': { exit: usage, meaning: '--day is not -N, YYYY/MM/DD or YYYY-MM-DD, or not a calendar date' },
  'bad-days': { exit: usage, meaning: '--day and --since were both given' },
  'bad-since': { exit: usage, meaning: '--since is not a whole number of days in range' },
  'bad-timezone': { exit: usage, meaning: 'the timezone is not an IANA name' },
  'bad-listen': { exit: usage, meaning: '--listen is not HOST:PORT' },
  'listen-failed': { exit: usage, meaning: 'the server cannot bind its address' },
  'no-root': { exit: usage, meaning: 'no backup root is configured on the source' },
  'bad-root': { exit: usage, meaning: 'the source backup root is not a readable folder' },
  'no-target': { exit: usage, meaning: 'no target root is configured, or it does not exist' },
  'no-source': { exit: usage, meaning: 'no source URL is configured on the target' },
  'no-token': { exit: usage, meaning: 'the server refuses a non-loopback address without a token' },
  'token-empty': { exit: usage, meaning: 'the token file is empty' },
  'token-bad': { exit: usage, meaning: 'the token file holds more than one line, or whitespace inside the token' },
  'token-unreadable': { exit: usage, meaning: 'the token file cannot be read' },
  'tls-incomplete': { exit: usage, meaning: 'TLS needs both a certificate and a key' },
  'tls-unreadable': { exit: usage, meaning: 'a TLS certificate, key or CA file cannot be read' },

  // Running and locking.
  locked: { exit: ExitCode.locked, meaning: 'another run holds the target lock' },
  deadline: { exit: failed, meaning: 'the run deadline passed or a signal stopped the run; partial downloads are kept' },
  install: { exit: failed, meaning: 'a native addon is not built' },
  io: { exit: failed, meaning: 'a file-system operation failed (disk, permissions)' },
  'ledger-too-new': { exit: failed, meaning: 'the ledger was written by a newer altbackup' },
  'no-ledger': { exit: failed, meaning: 'there is no ledger to read yet' },

  // The source, as the puller sees it.
  'source-unreachable': { exit: failed, retry: true, meaning: 'no source URL could be reached' },
  'source-timeout': { exit: failed, meaning: 'the source did not answer a listing in time' },
  'source-http': { exit: failed, meaning: 'the source answered a listing with an HTTP error' },
  'source-failed': { exit: failed, retry: true, meaning: 'an exchange with the source broke (reset, timeout, 5xx) and every retry failed too' },
  'bad-listing': { exit: failed, meaning: 'the source listing is not valid altbackup v1 JSON' },
  'source-unusable': { exit: failed, meaning: 'the source keeps answering with bytes that cannot be used (ranges, sizes)' },
  'short-body': { exit: failed, retry: true, meaning: 'a file body ended before the promised size; the next attempt resumes' },
  'source-changed': { exit: failed, meaning: 'the source lists a tarball the target holds verified with other bytes: the verified copy is kept and an operator decides' },
  'source-redirect': { exit: failed, meaning: 'the source answered with a redirect, which is never followed (the token would go along)' },
  'no-space': { exit: failed, meaning: 'the target filesystem has too little free space for a file; files that fit still go' },
  'pull-failed': { exit: failed, meaning: 'one or more tarballs were not pulled' },

  // Sidecars, checks and retention.
  'dna-invalid': { exit: failed, meaning: 'a .dna sidecar cannot be parsed' },
  'check-failed': { exit: failed, meaning: 'check_source found problems' },
  'delete-failed': { exit: failed, meaning: 'a file could not be deleted' },

  // Restore proofs, scrubbing and restores.
  'restore-failed': { exit: failed, meaning: 'a tarball whose MD5 matches does not restore (svnadmin verify, the revision, the Trac database or the archive itself failed)' },
  corrupt: { exit: failed, meaning: 'a stored copy no longer matches its sidecar (found by scrub): it is kept aside and fetched again' },
  'restore-refused': { exit: failed, meaning: 'restore will not write there, or has no proven copy to restore' },

  // Trac databases and archives.
  'no-trac': { exit: failed, meaning: 'no wanted Trac instance is on the target' },
  'no-tarball': { exit: failed, meaning: "the day's Trac tarball is not on the target" },
  'tarball-unverified': { exit: failed, meaning: 'the tarball is not verified, so nothing is extracted from it' },
  'not-extracted': { exit: failed, meaning: "the day's trac.db has not been extracted" },
  'archive-corrupt': { exit: failed, meaning: 'the archive is truncated or corrupt' },
  'archive-unsafe': { exit: failed, meaning: 'the archive holds a member path outside the archive' },
  'tracdb-missing': { exit: failed, meaning: 'the archive holds no <name>/db/trac.db' },
  'tracdb-not-file': { exit: failed, meaning: 'the trac.db member is not a regular file' },
  'tracdb-not-sqlite': { exit: failed, meaning: 'the trac.db is not an SQLite database' },
  'tracdb-no-bitten': { exit: failed, meaning: 'the trac.db has no bitten_build table' },
  'tracdb-unreadable': { exit: failed, meaning: 'the trac.db cannot be opened or queried' },
  'extract-outside-base': { exit: failed, meaning: 'an extraction would write outside its base folder' },
  'extract-target-not-file': { exit: failed, meaning: 'the extraction destination exists and is not a regular file' },

  // Output files.
  'prometheus-write': { exit: failed, meaning: 'the Prometheus textfile cannot be written' },
  'report-write': { exit: failed, meaning: 'the report file cannot be written' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An error meant for the operator: a code from the catalogue and one line
 * saying what went wrong where and what to do. Its exit status comes from the
 * catalogue, so one code never exits two ways.
 */
export class AltError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AltError';
    this.code = code;
    this.exitCode = ERRORS[code].exit;
  }

  /** Whether waiting and trying again can fix it. */
  get retryable(): boolean {
    return (ERRORS[this.code] as ErrorDef).retry === true;
  }
}

/** A failed system call's code (ENOENT, EACCES), else the message: what an operator line shows of a cause. */
export function reasonOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string' && typeof (e as NodeJS.ErrnoException).code === 'string';
}

/** An AltError for what an operator can act on (an AltError, a failed system call); null for a bug. */
export function toAltError(e: unknown): AltError | null {
  if (e instanceof AltError) return e;
  if (isSystemError(e)) {
    const where = e.path ? ` ${e.path}` : '';
    return new AltError('io', `${e.syscall}${where} failed (${e.code}): check the disk, free space and permissions`, { cause: e });
  }
  return null;
}

/** The one line printed for any thrown value. */
export function operatorLine(e: unknown): string {
  const alt = toAltError(e);
  if (alt) return `${alt.code}: ${alt.message}`;
  if (e instanceof Error) return `internal: ${e.message} (rerun with --log-level debug for details)`;
  return `internal: ${String(e)}`;
}

/** The exit status for any thrown value. */
export function exitCodeOf(e: unknown): ExitCode {
  return toAltError(e)?.exitCode ?? ExitCode.failed;
}
