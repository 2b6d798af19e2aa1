/**
 * What a pull makes of an error from the source, in one place for the
 * listing, the file transfers and the read-only commands that ask the
 * source: whether to retry it, its catalogue code, and the line that tells
 * the operator what happened and what to do.
 */
import { AbortError } from 'p-retry';
import { AltError, type ErrorCode } from '@altbackup/shared';
import { HttpStatusError, adviceForStatus, classify, shortCause } from './retryPolicy.js';
import { AllSourcesFailed } from './sourceClient.js';

/** The error p-retry was given to stop with (it wraps it in an AbortError). */
export function unwrapRetryError(e: unknown): unknown {
  return e instanceof AbortError ? (e as unknown as { originalError?: unknown }).originalError ?? e : e;
}

/** Network trouble, timeouts and 5xx are retried until the run is stopped; the rest fails at once. */
export function isRetryable(e: unknown, signal: AbortSignal): boolean {
  return !signal.aborted && (e instanceof AllSourcesFailed ? !e.fatal : classify(e) !== 'fatal');
}

export interface SourceProblem {
  code: ErrorCode;
  /** What happened, naming the source or URL. */
  cause: string;
  /** What the operator should do; empty when the cause already says it. */
  advice: string;
}

/** The one reading of a source error; `where` names the request for errors that carry no URL. */
export function sourceProblem(e: unknown, where: string): SourceProblem {
  const err = unwrapRetryError(e);
  if (err instanceof HttpStatusError && err.location !== null) {
    return {
      code: 'source-redirect',
      cause: `HTTP ${err.status} from ${err.url} redirects to ${err.location}`,
      advice: 'altbackup never follows a redirect (the bearer token would go along): point --source at the server that serves the files',
    };
  }
  if (err instanceof HttpStatusError) return { code: 'source-http', cause: `HTTP ${err.status} from ${err.url}`, advice: adviceForStatus(err.status) };
  if (err instanceof AllSourcesFailed) {
    return {
      code: 'source-unreachable',
      cause: err.message,
      advice: err.fatal ? "check --ca and the sources' certificates" : 'check the network, the --source URLs and that altbackup-source serve runs',
    };
  }
  if (err instanceof AltError) return { code: err.code, cause: err.message, advice: '' };
  return { code: 'source-failed', cause: `${where}: ${shortCause(err)}`, advice: 'check the network and the source server log' };
}

export function describeFailure(e: unknown, where: string): string {
  const p = sourceProblem(e, where);
  return p.advice ? `${p.cause}: ${p.advice}` : p.cause;
}

/** The AltError an operator sees for a source error. */
export function sourceError(e: unknown, where: string): AltError {
  const err = unwrapRetryError(e);
  if (err instanceof AltError) return err;
  return new AltError(sourceProblem(err, where).code, describeFailure(err, where), { cause: err });
}
