/**
 * The source's listing for the read-only target commands (`sls`,
 * `check_target`, `status`): one bounded call over pull's SourceClient, so the
 * listing is parsed and the sources are tried in exactly the way `pull` does.
 * These commands must answer quickly even when the source is down, hence
 * `target.listing_timeout` caps every wait and the whole call.
 */
import { AltError, compareByPath, formatDuration, humanSize, redactUrl, utcMinute, type Config, type Logger } from '@altbackup/shared';
import type { SourceEntry } from './listingBody.js';
import { SourceClient, clientOptionsFrom } from './sourceClient.js';
import { sourceError } from './sourceFailure.js';

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
}

export async function fetchListing(config: Config, query: ListingQuery, log: Logger, signal?: AbortSignal): Promise<Listing> {
  const cap = config.target.listing_timeout;
  const base = clientOptionsFrom(config);
  const client = new SourceClient({
    ...base,
    connectTimeout: Math.min(base.connectTimeout, cap),
    headerTimeout: Math.min(base.headerTimeout, cap),
    idleTimeout: Math.min(base.idleTimeout, cap),
  }, log);
  const timeout = AbortSignal.timeout(cap);
  const bounded = AbortSignal.any([timeout, ...(signal ? [signal] : [])]);
  try {
    const got = await client.listing(query.days, query.wanted, bounded);
    return {
      source: redactUrl(got.source),
      complete: got.entries.sort(compareByPath),
      pending: [...new Set(got.pending)].sort(),
    };
  } catch (e) {
    if (timeout.aborted && !signal?.aborted) {
      throw new AltError('source-timeout', `the source listing took longer than ${formatDuration(cap)} (target.listing_timeout): check that altbackup-source serve runs and answers`);
    }
    throw sourceError(e, 'listing the source');
  } finally {
    await client.close();
  }
}

function mtimeText(m: string | number): string {
  if (typeof m === 'number') return utcMinute(new Date(m < 1e12 ? m * 1000 : m).toISOString());
  const d = new Date(m);
  return Number.isNaN(d.getTime()) ? m.slice(0, 16).padEnd(16) : utcMinute(d.toISOString());
}

export function formatSourceList(l: Listing): string {
  const lines = l.complete.map((e) => `${humanSize(e.size).padStart(6)}  ${mtimeText(e.mtime)}  ${e.dna.dig}  ${e.path}`);
  for (const p of l.pending) lines.push(`${'-'.padStart(6)}  ${''.padEnd(16)}  ${'(pending: no sidecar yet)'.padEnd(32)}  ${p}`);
  const total = l.complete.reduce((s, e) => s + e.size, 0);
  lines.push(`source ${l.source}: ${l.complete.length} complete (${humanSize(total)}), ${l.pending.length} pending`);
  return lines.join('\n') + '\n';
}
