/**
 * How to treat one answer to a (possibly ranged) file request (SPEC section
 * 5): bytes are only ever appended where they belong, and an answer that
 * contradicts the sidecar's size is refused rather than retried. Pure, so
 * each server misbehaviour is a unit test.
 */

export interface ContentRange {
  /** null for the `bytes * /N` form of a 416. */
  start: number | null;
  end: number | null;
  total: number | null;
}

/** Parses `bytes a-b/N`, `bytes a-b/*` and `bytes * /N`; null when malformed. */
export function parseContentRange(value: string | undefined): ContentRange | null {
  if (!value) return null;
  const m = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return null;
  const total = m[3] === '*' ? null : Number(m[3]);
  if (m[1] === undefined) return total === null ? null : { start: null, end: null, total };
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (total !== null && (!Number.isSafeInteger(total) || end >= total)) return null;
  return { start, end, total };
}

/** What one response says, as far as the decision needs it. */
export interface RangeAnswer {
  status: number;
  contentRange?: string;
  etag?: string;
  /** MD5 from the answer's Repr-Digest, when it carries one. */
  md5?: string | null;
  /** Content-Length, when the answer has a valid one. */
  contentLength?: number | null;
}

/** What the request asked for and what the bytes must be. */
export interface RangeAsked {
  /** Bytes already in the `.part`: the Range start (0: no Range sent). */
  offset: number;
  /** ETag sent as If-Range (null when none was recorded). */
  etag: string | null;
  /** Size and MD5 the file is expected to have. */
  size: number;
  dig: string;
}

export type Decision =
  /** Append the body at `offset`, after dropping `skip` leading bytes already held. */
  | { kind: 'append'; skip: number }
  /** The body is the whole file: truncate the `.part` and write it from zero. */
  | { kind: 'whole'; reason: string | null }
  /** The body is unusable: discard it, truncate the `.part`, ask again from zero. */
  | { kind: 'restart'; reason: string }
  /** The source's file is not the one its sidecar describes: retrying cannot help. */
  | { kind: 'refuse'; reason: string }
  /** Nothing more to fetch: the `.part` already holds every byte; verify it. */
  | { kind: 'complete' }
  /** An HTTP error status. */
  | { kind: 'status'; status: number };

export function decide(answer: RangeAnswer, asked: RangeAsked): Decision {
  const { status } = answer;
  // What every answer must agree with, whatever its status: the sidecar's digest and size, as listed.
  if ((status === 200 || status === 206) && answer.md5 && answer.md5 !== asked.dig) {
    return { kind: 'refuse', reason: `the source's file now has md5 ${answer.md5}, its listing said ${asked.dig}: it changed since it was listed; the next pull lists it again` };
  }
  if (status === 200) {
    if (answer.contentLength != null && answer.contentLength !== asked.size) {
      return { kind: 'refuse', reason: `the source serves ${answer.contentLength} bytes but its sidecar says ${asked.size}: the source copy is truncated or was replaced; check it on the source` };
    }
    return { kind: 'whole', reason: asked.offset > 0 ? 'the source sent the whole file instead of the range asked (Range ignored or the file changed)' : null };
  }
  if (status === 206) {
    const cr = parseContentRange(answer.contentRange);
    if (!cr || cr.start === null || cr.end === null) return { kind: 'restart', reason: `unusable Content-Range ${JSON.stringify(answer.contentRange ?? '')}` };
    if (cr.total !== null && cr.total !== asked.size) {
      return { kind: 'refuse', reason: `the source's file is ${cr.total} bytes but its sidecar says ${asked.size}: the source copy is truncated or was replaced; check it on the source` };
    }
    if (cr.end >= asked.size) return { kind: 'refuse', reason: `Content-Range ${cr.start}-${cr.end} runs past the ${asked.size} bytes the sidecar promises` };
    if (answer.contentLength != null && answer.contentLength !== cr.end - cr.start + 1) {
      return { kind: 'refuse', reason: `Content-Length ${answer.contentLength} disagrees with Content-Range ${cr.start}-${cr.end}` };
    }
    if (asked.etag && answer.etag && answer.etag !== asked.etag) {
      return { kind: 'restart', reason: `the file changed on the source (ETag ${asked.etag} -> ${answer.etag})` };
    }
    if (cr.start > asked.offset) return { kind: 'restart', reason: `Content-Range starts at ${cr.start}, after the ${asked.offset} bytes held` };
    if (cr.end < asked.offset) return { kind: 'restart', reason: `Content-Range ${cr.start}-${cr.end} ends before the ${asked.offset} bytes held` };
    return { kind: 'append', skip: asked.offset - cr.start };
  }
  if (status === 416) {
    const cr = parseContentRange(answer.contentRange);
    if (cr?.total != null && cr.total !== asked.size) {
      return { kind: 'refuse', reason: `the source's file is ${cr.total} bytes but its sidecar says ${asked.size}: the source copy is truncated or was replaced; check it on the source` };
    }
    if (asked.offset > 0 && asked.offset === asked.size) return { kind: 'complete' };
    return { kind: 'restart', reason: `range not satisfiable at ${asked.offset} of ${cr?.total ?? '?'} bytes` };
  }
  return { kind: 'status', status };
}

/** The Range and If-Range headers for a request continuing at `offset`. */
export function rangeHeaders(offset: number, etag: string | null): Record<string, string> {
  if (offset <= 0) return {};
  // If-Range takes only a strong validator; a weak one would make the server
  // answer 200 every time, so it is left out and the digest check guards.
  return etag && !etag.startsWith('W/') ? { range: `bytes=${offset}-`, 'if-range': etag } : { range: `bytes=${offset}-` };
}
