/**
 * The body of `GET /v1/tarballs` as the puller accepts it: untrusted input,
 * since every path in it decides where bytes are written on the target.
 */
import { AltError, parseTarballPath, redactUrl, type Dna, type ListedTarball, type ListingBody } from '@altbackup/shared';

/** A complete entry of the source listing: its sidecar is known. */
export type SourceEntry = ListedTarball & { dna: Dna };

function isDig(x: unknown): x is string {
  return typeof x === 'string' && /^[0-9a-f]{32}$/i.test(x);
}

/**
 * Checks a listing strictly: every path must be on the layout, since it
 * decides where bytes are written on the target.
 */
export function parseListing(body: unknown, url: string): { entries: SourceEntry[]; pending: string[]; invalid: { path: string; problem: string }[] } {
  const bad = (why: string) => new AltError('bad-listing', `listing from ${redactUrl(url)} is not understood (${why}): is this an altbackup source server of the same version?`);
  const obj = body as Partial<ListingBody> | null;
  if (!obj || typeof obj !== 'object' || !Array.isArray(obj.tarballs) || !Array.isArray(obj.pending)) throw bad('no tarballs and pending arrays');
  // Paths are checked against the layout before any byte is written under them.
  const refOf = (raw: ListedTarball) => {
    const ref = typeof raw?.path === 'string' ? parseTarballPath(raw.path) : null;
    if (!ref) throw bad(`path ${JSON.stringify(raw?.path)} is off the layout`);
    return ref;
  };
  const entries: SourceEntry[] = obj.tarballs.map((raw) => {
    const ref = refOf(raw);
    const { dna, size } = raw;
    if (!dna || !isDig(dna.dig) || !Number.isSafeInteger(dna.size) || !Number.isSafeInteger(size) || typeof raw.etag !== 'string') {
      throw bad(`entry ${ref.path} lacks size, dna or etag`);
    }
    return { ...ref, size, mtime: String(raw.mtime), dna: { dig: dna.dig.toLowerCase(), size: dna.size }, etag: raw.etag };
  });
  const pending = obj.pending.map((raw) => refOf(raw).path);
  const invalid = (Array.isArray(obj.invalid) ? obj.invalid : [])
    .map((raw) => ({ path: refOf(raw).path, problem: raw.problem ?? 'unreadable sidecar' }));
  return { entries, pending, invalid };
}
