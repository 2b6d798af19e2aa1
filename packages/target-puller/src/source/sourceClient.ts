/**
 * The source server's HTTP API (SPEC section 4) as the puller uses it, over
 * several source URLs tried in order: a name that may fail to resolve and an
 * address that will not (the old tool's DNS incident). The token travels only
 * in the Authorization header and is never part of a URL or a log line.
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { AltError, ExitCode, isWanted, parseTarballPath, reasonOf, redactUrl, type Config, type ListedTarball, type ListingBody, type Logger } from '@altbackup/shared';
import type { SourceEntry } from '../pull/plan.js';
import { HttpStatusError, classify, isTlsCode, errorCode, shortCause } from './retryPolicy.js';

export interface ClientOptions {
  sources: readonly string[];
  token: string | null;
  ca: string | null;
  connectTimeout: number;
  headerTimeout: number;
  idleTimeout: number;
}

export function clientOptionsFrom(config: Config): ClientOptions {
  const t = config.target;
  if (t.sources.length === 0) {
    throw new AltError('no-source', 'no source URL: give --source URL (repeatable) or set target.sources in the config', ExitCode.usage);
  }
  for (const s of t.sources) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new AltError('bad-source', `source ${JSON.stringify(redactUrl(s))} is not a URL: use e.g. http://backup.example:7878`, ExitCode.usage);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new AltError('bad-source', `source ${redactUrl(s)} must be http:// or https://`, ExitCode.usage);
    }
  }
  return {
    sources: t.sources,
    token: t.token_file ? readSecret(t.token_file, 'token file (--token-file)') : null,
    ca: t.ca ? readSecret(t.ca, 'CA file (--ca)') : null,
    connectTimeout: t.connect_timeout,
    headerTimeout: t.header_timeout,
    idleTimeout: t.idle_timeout,
  };
}

function readSecret(file: string, what: string): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text === '') throw new AltError('empty-file', `${what} ${file} is empty`, ExitCode.usage);
    return text;
  } catch (e) {
    if (e instanceof AltError) throw e;
    throw new AltError('unreadable-file', `cannot read ${what} ${file}: ${reasonOf(e)}`, ExitCode.usage);
  }
}

/** A source URL as the operator wrote it, password hidden (no slash added). */
export function showSource(source: string): string {
  const shown = redactUrl(source);
  return !source.endsWith('/') && shown.endsWith('/') ? shown.slice(0, -1) : shown;
}

/** Base URL with a trailing slash so relative API paths append to any prefix. */
function baseOf(source: string): string {
  return source.endsWith('/') ? source : source + '/';
}

export function fileUrl(source: string, path: string): string {
  return new URL('v1/files/' + path.split('/').map(encodeURIComponent).join('/'), baseOf(source)).toString();
}

export function listingUrl(source: string, query: { day: string; wanted: readonly string[] }): string {
  const u = new URL('v1/tarballs', baseOf(source));
  u.searchParams.set('format', 'json');
  u.searchParams.set('day', query.day);
  if (query.wanted.length > 0) u.searchParams.set('wanted', query.wanted.join(','));
  return u.toString();
}

/** Every source failed for one request: each one's cause, for one operator line. */
export class AllSourcesFailed extends Error {
  readonly causes: { source: string; error: unknown }[];

  constructor(causes: { source: string; error: unknown }[]) {
    super(`all sources failed: ${causes.map((c) => `${showSource(c.source)} (${shortCause(c.error)})`).join(', ')}`);
    this.name = 'AllSourcesFailed';
    this.causes = causes;
  }

  /** Retryable unless every source failed in a way waiting cannot fix (e.g. an untrusted certificate). */
  get fatal(): boolean {
    return this.causes.every((c) => classify(c.error) === 'fatal');
  }
}

export interface Answer {
  source: string;
  url: string;
  res: Dispatcher.ResponseData;
}

export class SourceClient {
  readonly options: ClientOptions;
  private readonly agent: Agent;
  private readonly log: Logger;
  /** Index of the source that last worked: later requests start there. */
  private preferred = 0;

  constructor(options: ClientOptions, log: Logger) {
    this.options = options;
    this.log = log;
    this.agent = new Agent({
      connect: { timeout: options.connectTimeout, ...(options.ca ? { ca: options.ca } : {}) },
      headersTimeout: options.headerTimeout,
      bodyTimeout: options.idleTimeout,
    });
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }

  private order(): number[] {
    const n = this.options.sources.length;
    return Array.from({ length: n }, (_, i) => (this.preferred + i) % n);
  }

  /**
   * Sends one request to the first source that answers. A source that cannot
   * be reached (DNS, refused, connect timeout, TLS) hands over to the next,
   * and the log names the fallback; a source that answers decides.
   */
  async send(urlOf: (source: string) => string, headers: Record<string, string>, signal: AbortSignal): Promise<Answer> {
    const causes: { source: string; error: unknown }[] = [];
    for (const i of this.order()) {
      const source = this.options.sources[i]!;
      const url = urlOf(source);
      try {
        const res = await request(url, {
          method: 'GET',
          dispatcher: this.agent,
          headers: this.options.token ? { ...headers, authorization: `Bearer ${this.options.token}` } : headers,
          signal,
        });
        if (causes.length > 0) {
          const failed = causes.map((c) => `source ${showSource(c.source)} failed (${shortCause(c.error)})`).join(', ');
          this.log.warn({ source: showSource(source) }, `${failed}, using ${showSource(source)}`);
        }
        this.preferred = i;
        return { source, url, res };
      } catch (e) {
        if (signal.aborted) throw e;
        const kind = classify(e);
        const code = errorCode(e);
        if (kind !== 'connect' && !isTlsCode(code)) throw e;
        causes.push({ source, error: e });
        this.log.debug({ source: showSource(source), code }, 'source unreachable');
      }
    }
    throw new AllSourcesFailed(causes);
  }

  /** The complete and pending tarballs of the given days, filtered by wanted prefixes. */
  async listing(days: readonly string[], wanted: readonly string[], signal: AbortSignal): Promise<{ entries: SourceEntry[]; pending: string[]; invalid: { path: string; problem: string }[]; source: string }> {
    const entries: SourceEntry[] = [];
    const pending: string[] = [];
    const invalid: { path: string; problem: string }[] = [];
    let used = '';
    // The server filters by `wanted` too; this keeps a server that did not from choosing what is written here.
    const wantedPath = (path: string) => isWanted(path.slice(path.lastIndexOf('/') + 1), wanted);
    for (const day of days) {
      const { source, url, res } = await this.send((s) => listingUrl(s, { day, wanted }), { accept: 'application/json' }, signal);
      used = source;
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new HttpStatusError(res.statusCode, url);
      }
      const parsed = parseListing(await res.body.json(), url);
      entries.push(...parsed.entries.filter((e) => e.day === day && isWanted(e.name, wanted)));
      pending.push(...parsed.pending.filter(wantedPath));
      invalid.push(...parsed.invalid);
    }
    return { entries, pending, invalid, source: used };
  }
}

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
