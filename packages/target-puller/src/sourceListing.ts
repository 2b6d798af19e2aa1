/**
 * The source's listing for the read-only target commands (`sls`,
 * `check_target`, `status`): one bounded call over pull's SourceClient, so the
 * listing is parsed and the sources are tried in exactly the way `pull` does.
 * These commands must answer quickly even when the source is down, hence the
 * cap on every timeout.
 */
import type { Config, Logger } from '@altbackup/shared';
import type { SourceEntry } from './plan.js';
import { SourceClient, clientOptionsFrom } from './sourceClient.js';

export interface Listing {
  /** The source URL that answered. */
  source: string;
  /** Tarballs with a sidecar on the source, in path order. */
  complete: SourceEntry[];
  /** Paths the source lists without sidecar yet, in path order. */
  pending: string[];
}

export interface ListingQuery {
  days: readonly string[];
  wanted: readonly string[];
  /** Cap on connect, header and idle timeouts, and on the whole fetch (ms). */
  capMs?: number;
}

export const DEFAULT_LISTING_CAP_MS = 10_000;

export async function fetchListing(config: Config, query: ListingQuery, log: Logger, signal?: AbortSignal): Promise<Listing> {
  const cap = query.capMs ?? DEFAULT_LISTING_CAP_MS;
  const base = clientOptionsFrom(config);
  const client = new SourceClient({
    ...base,
    connectTimeout: Math.min(base.connectTimeout, cap),
    headerTimeout: Math.min(base.headerTimeout, cap),
    idleTimeout: Math.min(base.idleTimeout, cap),
  }, log);
  const bounded = AbortSignal.any([AbortSignal.timeout(cap * 2), ...(signal ? [signal] : [])]);
  try {
    const got = await client.listing(query.days, query.wanted, bounded);
    const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    return {
      source: got.source,
      complete: [...got.entries].sort(byPath),
      pending: [...new Set(got.pending)].sort(),
    };
  } finally {
    await client.close();
  }
}
