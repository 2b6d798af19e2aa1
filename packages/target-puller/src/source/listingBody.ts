/**
 * The body of `GET /v1/tarballs` as the puller accepts it. It is untrusted
 * input: every path in it decides where bytes are written on the target, and
 * every size bounds what a download may write. So the body is read only up
 * to `target.max_listing` bytes (memory never grows with what a source
 * sends), and parsed strictly: any entry that is not exactly what an honest
 * altbackup-source sends refuses the whole listing, before anything is
 * decided on disk.
 */
import type { Dispatcher } from 'undici';
import { AltError, humanSize, parseTarballPath, redactUrl, type Dna, type ListedTarball, type TarballRef } from '@altbackup/shared';

/** A complete entry of the source listing: its sidecar is known. */
export type SourceEntry = ListedTarball & { dna: Dna };

export interface ParsedListing {
  entries: SourceEntry[];
  pending: string[];
  invalid: { path: string; problem: string }[];
}

function badListing(url: string, why: string): AltError {
  return new AltError('bad-listing', `listing from ${redactUrl(url)} refused (${why}): nothing was fetched; is this an altbackup source server of the same version?`);
}

/**
 * The body's bytes, refused as soon as they exceed `cap` (or a Content-Length
 * announces more). `cap` is what is left of the run's listing budget.
 */
export async function readCappedBody(res: Dispatcher.ResponseData, cap: number, url: string): Promise<Buffer> {
  const tooBig = () => badListing(url, `the listing is larger than ${humanSize(cap)}, what is left of target.max_listing for the selected days`);
  const announced = Number(res.headers['content-length']);
  if (Number.isFinite(announced) && announced > cap) {
    await res.body.dump().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += (chunk as Buffer).length;
    if (total > cap) {
      res.body.destroy();
      throw tooBig();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

const DIG = /^[0-9a-fA-F]{32}$/;
/** What an ETag may be: a quoted or weak token of visible characters, of a sane length. */
const ETAG = /^(W\/)?"[\x21\x23-\x7e]{0,200}"$/;

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSize = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Checks a listing strictly; throws `bad-listing` naming the first violation. */
export function parseListing(body: unknown, url: string): ParsedListing {
  const bad = (why: string) => badListing(url, why);
  if (!isObject(body) || !Array.isArray(body.tarballs) || !Array.isArray(body.pending)) throw bad('no tarballs and pending arrays');
  if (body.invalid !== undefined && !Array.isArray(body.invalid)) throw bad('invalid is not an array');
  const seen = new Set<string>();
  // Paths are checked against the layout before any byte is written under them.
  const refOf = (raw: unknown, list: string): TarballRef => {
    if (!isObject(raw)) throw bad(`an entry of ${list} is not an object`);
    const ref = typeof raw.path === 'string' ? parseTarballPath(raw.path) : null;
    if (!ref) throw bad(`path ${JSON.stringify(raw.path)} is off the layout`);
    if (seen.has(ref.path)) throw bad(`${ref.path} is listed twice`);
    seen.add(ref.path);
    return ref;
  };
  const entries: SourceEntry[] = body.tarballs.map((raw: unknown) => {
    const ref = refOf(raw, 'tarballs');
    const r = raw as Record<string, unknown>;
    const dna = r.dna;
    if (!isObject(dna) || !isSize(r.size) || typeof r.etag !== 'string') throw bad(`entry ${ref.path} lacks size, dna or etag`);
    if (typeof dna.dig !== 'string' || !DIG.test(dna.dig)) throw bad(`entry ${ref.path} has no 32-hex-digit md5`);
    if (!isSize(dna.size)) throw bad(`entry ${ref.path} has a dna size that is not a whole number of bytes`);
    if (dna.size !== r.size) throw bad(`entry ${ref.path} says ${r.size} bytes but its dna says ${dna.size}`);
    if (!ETAG.test(r.etag)) throw bad(`entry ${ref.path} has an unusable ETag`);
    if (typeof r.mtime !== 'string' || r.mtime.length > 64 || Number.isNaN(Date.parse(r.mtime))) throw bad(`entry ${ref.path} has no ISO 8601 mtime`);
    return { ...ref, size: r.size, mtime: r.mtime, dna: { dig: dna.dig.toLowerCase(), size: dna.size }, etag: r.etag };
  });
  const pending = body.pending.map((raw: unknown) => refOf(raw, 'pending').path);
  const invalid = ((body.invalid ?? []) as unknown[]).map((raw) => {
    const ref = refOf(raw, 'invalid');
    const problem = (raw as Record<string, unknown>).problem;
    return { path: ref.path, problem: typeof problem === 'string' ? problem.slice(0, 200) : 'unreadable sidecar' };
  });
  return { entries, pending, invalid };
}
