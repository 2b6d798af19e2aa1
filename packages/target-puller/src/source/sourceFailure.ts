/**
 * What a pull makes of an error from the source, in one place for the
 * listing and the file transfers: whether to retry it, and the line that
 * tells the operator what happened and what to do.
 */
import { AbortError } from 'p-retry';
import { AltError } from '@altbackup/shared';
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

/** The operator's line for a source error, or null when it is none of the known kinds. */
export function sourceFailureLine(e: unknown): string | null {
  const err = unwrapRetryError(e);
  if (err instanceof HttpStatusError) return `HTTP ${err.status} from ${err.url}: ${adviceForStatus(err.status)}`;
  if (err instanceof AllSourcesFailed) {
    return err.message + (err.fatal ? ": check --ca and the sources' certificates" : ': check the network, the --source URLs and that the source server runs');
  }
  if (err instanceof AltError) return err.message;
  return null;
}

export function describeFailure(e: unknown, where: string): string {
  return sourceFailureLine(e) ?? `${where}: ${shortCause(unwrapRetryError(e))}`;
}
