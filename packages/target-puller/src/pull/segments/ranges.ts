/**
 * Byte ranges of a segmented download: which bytes the `.part` holds, which
 * are missing, and how the missing ones are cut into pieces for the
 * streams. Pure, so every resume decision is a unit test.
 */

/** Bytes `[start, end)`. */
export type ByteRange = [start: number, end: number];

/** Whether a value read back from `.part.meta` is a sorted list of disjoint ranges within `size`. */
export function isRangeList(v: unknown, size: number): v is ByteRange[] {
  if (!Array.isArray(v)) return false;
  let last = -1;
  for (const r of v) {
    if (!Array.isArray(r) || r.length !== 2) return false;
    const [a, b] = r as unknown[];
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return false;
    if ((a as number) <= last || (a as number) >= (b as number) || (b as number) > size) return false;
    last = b as number;
  }
  return true;
}

/** Sorted, with touching and overlapping ranges joined, empty ones dropped. */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: ByteRange[] = [];
  for (const [a, b] of sorted) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The bytes of `[0, size)` that `held` does not cover. */
export function missingRanges(size: number, held: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  let at = 0;
  for (const [a, b] of mergeRanges(held)) {
    if (a > at) out.push([at, Math.min(a, size)]);
    at = Math.max(at, b);
  }
  if (at < size) out.push([at, size]);
  return out.filter(([a, b]) => b > a);
}

export function bytesIn(ranges: readonly ByteRange[]): number {
  return ranges.reduce((n, [a, b]) => n + (b - a), 0);
}

/** How far the ranges cover the file from byte 0 without a gap. */
export function contiguousPrefix(held: readonly ByteRange[]): number {
  const first = mergeRanges(held)[0];
  return first && first[0] === 0 ? first[1] : 0;
}

/** The missing ranges cut into pieces of at most `pieceSize`, in file order. */
export function piecesOf(missing: readonly ByteRange[], pieceSize: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const [a, b] of missing) {
    for (let at = a; at < b; at += pieceSize) out.push([at, Math.min(b, at + pieceSize)]);
  }
  return out;
}

const MiB = 1 << 20;

/**
 * The piece each stream asks for at a time. Streams take pieces in file
 * order, so the hashed prefix trails the newest byte by about `streams`
 * pieces: small pieces keep that span (held in memory until hashed) small,
 * large ones keep the number of requests, each a round trip, small. About
 * four requests per stream over a file, from 1 to 32 MiB.
 */
export function pieceSizeFor(size: number, streams: number): number {
  const ideal = Math.ceil(size / (streams * 4) / MiB) * MiB;
  return Math.min(32 * MiB, Math.max(MiB, ideal));
}

/**
 * The pieces when the first stream is timed before others open
 * (`target.one_stream_rate`): the first missing range whole, as one request
 * would fetch it, then the rest cut into pieces.
 */
export function leadPieces(missing: readonly ByteRange[], pieceSize: number): ByteRange[] {
  const [first, ...rest] = missing;
  return first ? [first, ...piecesOf(rest, pieceSize)] : [];
}

/**
 * Where a lead piece being received at `at` (up to `end`) is cut when more
 * streams open: it keeps about one piece from `at`, never less than
 * `margin` (what its receiver may already have taken past `at`), and the
 * rest becomes pieces for the others. Null: too little is left to share.
 */
export function splitLead(at: number, end: number, pieceSize: number, margin: number): { end: number; rest: ByteRange[] } | null {
  const cut = at + Math.max(pieceSize, margin);
  if (cut >= end) return null;
  return { end: cut, rest: piecesOf([[cut, end]], pieceSize) };
}
