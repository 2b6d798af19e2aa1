/**
 * `GET /v1/tarballs` (SPEC section 4) and `sls`: which tarballs a query
 * selects, and the two ways to show them (JSON for programs, a table for
 * people with curl). Pure: the catalog is passed in.
 */
import { AltError, humanSize, isWanted, selectDays, splitList, type ListedTarball, type ListingBody } from '@altbackup/shared';
import type { CatalogEntry } from './catalog.js';

export interface ListingQuery {
  days: string[];
  wanted: string[];
  /** null: every catfold. */
  catfolds: string[] | null;
  format: 'json' | 'text';
}

export class QueryError extends Error {
  override name = 'QueryError';
}

export interface QueryContext {
  timezone: string;
  now?: Date;
  knownCatfolds: readonly string[];
  /** The client sent `Accept: application/json`. */
  acceptsJson: boolean;
}

type Raw = Record<string, string | string[] | undefined>;

function single(q: Raw, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) throw new QueryError(`${key} given ${v.length} times: give it once`);
  return v;
}

const KNOWN_KEYS = new Set(['day', 'since', 'wanted', 'catfold', 'format']);

/** Parses the query string of a listing request; throws QueryError with a one-line reason. */
export function parseListingQuery(q: Raw, ctx: QueryContext): ListingQuery {
  const unknown = Object.keys(q).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) throw new QueryError(`unknown parameter ${JSON.stringify(unknown[0])}: use day, since, wanted, catfold, format`);
  let days: string[];
  try {
    days = selectDays({ day: single(q, 'day'), since: single(q, 'since') }, { timezone: ctx.timezone, now: ctx.now });
  } catch (e) {
    if (!(e instanceof AltError)) throw e;
    throw new QueryError(e.message.replace(/--(day|since)\b/g, '$1='));
  }
  const catfoldList = splitList(single(q, 'catfold') ?? '');
  for (const c of catfoldList) {
    if (!ctx.knownCatfolds.includes(c)) throw new QueryError(`unknown catfold ${JSON.stringify(c)}: this root has ${ctx.knownCatfolds.join(', ') || 'none'}`);
  }
  const format = single(q, 'format');
  if (format !== undefined && format !== 'json' && format !== 'text') throw new QueryError(`format=${JSON.stringify(format)}: use json or text`);
  return {
    days,
    wanted: splitList(single(q, 'wanted') ?? ''),
    catfolds: catfoldList.length > 0 ? catfoldList : null,
    format: format ?? (ctx.acceptsJson ? 'json' : 'text'),
  };
}

export interface Selection {
  complete: CatalogEntry[];
  pending: CatalogEntry[];
  invalid: CatalogEntry[];
}

/** The entries a query selects, by state, in day then path order. */
export function selectEntries(day: (d: string) => readonly CatalogEntry[], q: Pick<ListingQuery, 'days' | 'wanted' | 'catfolds'>): Selection {
  const out: Selection = { complete: [], pending: [], invalid: [] };
  for (const d of q.days) {
    for (const e of day(d)) {
      if (q.catfolds && !q.catfolds.includes(e.catfold)) continue;
      if (!isWanted(e.name, q.wanted)) continue;
      out[e.state].push(e);
    }
  }
  return out;
}

function listed(e: CatalogEntry): ListedTarball {
  const t: ListedTarball = {
    path: e.path, catfold: e.catfold, subfold: e.subfold, day: e.day, time: e.time, name: e.name,
    size: e.size, mtime: new Date(e.mtimeMs).toISOString(), dna: e.dna, etag: e.etag,
  };
  if (e.problem) t.problem = e.problem;
  return t;
}

export function listingJson(days: string[], s: Selection): ListingBody {
  return { days, tarballs: s.complete.map(listed), pending: s.pending.map(listed), invalid: s.invalid.map(listed) };
}

function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * A table for people: size (ls -h units), mtime (UTC), md5 and path; pending
 * and invalid tarballs say so in the md5 column. Ends with a count line.
 */
export function listingText(days: string[], s: Selection): string {
  const rows: string[][] = [['SIZE', 'MTIME (UTC)', 'MD5', 'PATH']];
  for (const e of s.complete) rows.push([humanSize(e.size), shortTime(e.mtimeMs), e.dna!.dig, e.path]);
  for (const e of s.pending) rows.push([humanSize(e.size), shortTime(e.mtimeMs), 'pending (no sidecar yet)', e.path]);
  for (const e of s.invalid) rows.push([humanSize(e.size), shortTime(e.mtimeMs), 'INVALID sidecar', e.path]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => [r[0]!.padStart(widths[0]!), r[1]!.padEnd(widths[1]!), r[2]!.padEnd(widths[2]!), r[3]].join('  '));
  const span = days.length === 1 ? days[0] : `${days[0]} .. ${days.at(-1)}`;
  lines.push(`# ${s.complete.length} complete, ${s.pending.length} pending, ${s.invalid.length} invalid; ${span}`);
  return lines.join('\n') + '\n';
}
