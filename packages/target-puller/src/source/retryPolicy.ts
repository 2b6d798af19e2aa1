/**
 * Which failures are worth another try (SPEC section 5): network errors,
 * timeouts and 5xx are retried with exponential backoff and jitter inside the
 * run deadline; 401/403/404 and certificate errors fail at once, because
 * waiting does not fix a wrong token, a wrong path or an untrusted server.
 * Our own errors are retried when the error catalogue says so.
 */
import { AltError, redactUrl, type Config } from '@altbackup/shared';

export type Failure =
  /** The source cannot be reached at all: try the next source, then back off. */
  | 'connect'
  /** Reached but the exchange broke (reset, cut, timeout, 5xx): back off, resume. */
  | 'transient'
  /** Will not get better by retrying. */
  | 'fatal';

const CONNECT_CODES = new Set([
  'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
  'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT',
]);

/** Local file-system trouble: no network retry helps. */
const LOCAL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EMFILE', 'ENFILE', 'EIO', 'ENOENT']);

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/**
 * The error code of an undici/Node error. A generic wrapper code (a
 * SocketError around a reset) says less than its cause's, so the first
 * specific code along the `cause` chain wins.
 */
export function errorCode(e: unknown): string | undefined {
  let fallback: string | undefined;
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code !== 'UND_ERR_SOCKET' && code !== 'UND_ERR_CONNECT') return code;
      fallback ??= code;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return fallback;
}

export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'));
}

/** An HTTP status that ended an attempt. */
export class HttpStatusError extends Error {
  readonly status: number;
  readonly url: string;
  /** Where a redirect pointed (never followed: the token would go along). */
  readonly location: string | null;

  constructor(status: number, url: string, location: string | null = null) {
    super(`HTTP ${status} from ${url}${location ? ` (redirect to ${location})` : ''}`);
    this.name = 'HttpStatusError';
    this.status = status;
    this.url = url;
    this.location = location;
  }

  /** The error for a response, with its Location when it is a redirect. */
  static of(res: { statusCode: number; headers: Record<string, string | string[] | undefined> }, url: string): HttpStatusError {
    const loc = res.headers.location;
    const location = res.statusCode >= 300 && res.statusCode < 400 ? (Array.isArray(loc) ? loc[0] : loc) ?? '(no Location)' : null;
    return new HttpStatusError(res.statusCode, url, location === null ? null : redactUrl(location.slice(0, 500)));
  }
}

export function classify(e: unknown): Failure {
  if (e instanceof AltError) return e.retryable ? 'transient' : 'fatal';
  if (e instanceof HttpStatusError) {
    if (e.status >= 500 || e.status === 408 || e.status === 429) return 'transient';
    return 'fatal';
  }
  const code = errorCode(e);
  if (code === undefined) return 'transient';
  if (isTlsCode(code) || LOCAL_CODES.has(code)) return 'fatal';
  if (CONNECT_CODES.has(code)) return 'connect';
  return 'transient';
}

/** Why an attempt failed, short enough for one log line: a code or an HTTP status. */
export function shortCause(e: unknown): string {
  if (e instanceof HttpStatusError) return `HTTP ${e.status}`;
  const code = errorCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  return code ? `${code}${msg && !msg.includes(code) ? `: ${msg}` : ''}` : msg;
}

/** What the operator should do about a fatal HTTP status. */
export function adviceForStatus(status: number): string {
  switch (status) {
    case 401: return 'check --token-file (target.token_file) holds the token the source server expects';
    case 403: return 'the source refused access: check the token and the server configuration';
    case 404: return 'the source no longer serves this path (deleted, or its sidecar is missing): check the source tree';
    default: return 'check the source server log';
  }
}

/** p-retry options: exponential backoff (factor 2) with jitter, bounded delays, cancelled by the run's signal. */
export interface RetryPolicy {
  retries: number;
  factor: number;
  randomize: boolean;
  minTimeout: number;
  maxTimeout: number;
  signal: AbortSignal;
}

export function retryOptions(config: Config, signal: AbortSignal): RetryPolicy {
  return {
    retries: config.target.retries,
    factor: 2,
    randomize: true,
    minTimeout: config.target.retry_min_delay,
    maxTimeout: Math.max(config.target.retry_min_delay, config.target.retry_max_delay),
    signal,
  };
}
