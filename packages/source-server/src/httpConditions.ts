/**
 * Validators, conditional requests and byte ranges for the file route
 * (SPEC section 4; RFC 9110 sections 8.8, 13 and 14). Pure functions: the
 * route feeds them the request headers and a fresh fstat of the open file.
 *
 * Why not @fastify/send for this: its ETag is weak and built from size and
 * mtime only (no file identity), and it cannot be replaced: with its ETag
 * turned off, an `If-Range: <etag>` never matches, so every resume would
 * restart from zero. It also opens the file by path after its own stat, so
 * a file renamed into place between the two is sent under the other file's
 * headers; the route here streams from the descriptor it validated.
 * `sendLimits.test.ts` pins both facts down.
 */

export interface Validators {
  /** Strong entity tag, quoted. */
  etag: string;
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
}

export interface StatLike {
  ino: number | bigint;
  size: number | bigint;
  mtimeMs: number;
}

/**
 * Strong ETag from file identity, size and modification time (to the
 * microsecond): it changes when the file is replaced, grows or is rewritten.
 */
export function etagOf(st: StatLike): string {
  const micros = BigInt(Math.round(st.mtimeMs * 1000));
  return `"${BigInt(st.ino).toString(16)}-${BigInt(st.size).toString(16)}-${micros.toString(16)}"`;
}

/** HTTP-date of a modification time (whole seconds, as HTTP dates are). */
export function httpDateOf(mtimeMs: number): string {
  return new Date(mtimeMs).toUTCString();
}

/** Entity tags listed in an If-Match / If-None-Match value; `*` is returned as is. */
export function parseEtagList(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value)) !== null) out.push(m[1]!);
  return out;
}

function isWeak(tag: string): boolean {
  return tag.startsWith('W/');
}

function opaque(tag: string): string {
  return isWeak(tag) ? tag.slice(2) : tag;
}

/** RFC 9110 8.8.3.2: strong comparison, both tags strong and equal. */
export function strongMatch(a: string, b: string): boolean {
  return !isWeak(a) && !isWeak(b) && a === b;
}

/** RFC 9110 8.8.3.2: weak comparison, opaque parts equal. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

type Header = string | string[] | undefined;

function one(h: Header): string | undefined {
  return Array.isArray(h) ? h.join(', ') : h;
}

function parseHttpDate(value: string): number | null {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** Seconds, as an HTTP date carries them. */
function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

/**
 * RFC 9110 13.2.2 evaluation order for GET/HEAD: If-Match, else
 * If-Unmodified-Since; then If-None-Match, else If-Modified-Since.
 */
export function evaluatePreconditions(headers: Record<string, Header>, v: Validators): PreconditionOutcome {
  const ifMatch = one(headers['if-match']);
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (!tags.includes('*') && !tags.some((t) => strongMatch(t, v.etag))) return 'precondition-failed';
  } else {
    const ius = one(headers['if-unmodified-since']);
    const t = ius === undefined ? null : parseHttpDate(ius);
    if (t !== null && wholeSeconds(v.mtimeMs) > t) return 'precondition-failed';
  }
  const ifNoneMatch = one(headers['if-none-match']);
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    if (tags.includes('*') || tags.some((t) => weakMatch(t, v.etag))) return 'not-modified';
  } else {
    const ims = one(headers['if-modified-since']);
    const t = ims === undefined ? null : parseHttpDate(ims);
    if (t !== null && wholeSeconds(v.mtimeMs) <= t) return 'not-modified';
  }
  return 'proceed';
}

/**
 * RFC 9110 13.1.5: an If-Range entity tag must match strongly; an If-Range
 * date must equal Last-Modified exactly. Absent means the range applies.
 */
export function ifRangeAllowsRange(ifRange: Header, v: Validators): boolean {
  const value = one(ifRange)?.trim();
  if (value === undefined) return true;
  if (value.startsWith('"') || value.startsWith('W/')) return strongMatch(value, v.etag);
  const t = parseHttpDate(value);
  return t !== null && t === wholeSeconds(v.mtimeMs);
}

export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * One byte range of a representation of `size` bytes. Anything this server
 * does not serve as a single range (other units, several ranges, bad
 * syntax) is ignored, which RFC 9110 14.2 allows: the whole file is sent.
 */
export function decideRange(range: Header, size: number): RangeDecision {
  const value = one(range);
  if (value === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'full' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

export function contentRangeOf(d: { start: number; end: number }, size: number): string {
  return `bytes ${d.start}-${d.end}/${size}`;
}

export function unsatisfiedRangeOf(size: number): string {
  return `bytes */${size}`;
}
