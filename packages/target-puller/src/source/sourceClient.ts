/**
 * The source server's HTTP API (SPEC section 4) as the puller uses it, over
 * several source URLs tried in order: a name that may fail to resolve and an
 * address that will not (the old tool's DNS incident). The token travels only
 * in the Authorization header and is never part of a URL or a log line.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AltError, isWanted, loadToken, readPemFile, redactUrl, type Config, type Logger } from '@altbackup/shared';
import { parseListing, readCappedBody, type SourceEntry } from './listingBody.js';
import { HttpStatusError, classify, isTlsCode, errorCode, shortCause } from './retryPolicy.js';

export interface ClientOptions {
  sources: readonly string[];
  token: string | null;
  ca: string | null;
  connectTimeout: number;
  headerTimeout: number;
  idleTimeout: number;
  /** Largest listing body accepted (`target.max_listing`). */
  maxListing: number;
}

export function clientOptionsFrom(config: Config): ClientOptions {
  const t = config.target;
  // The URLs themselves were checked when the configuration loaded.
  if (t.sources.length === 0) {
    throw new AltError('no-source', 'no source URL: give --source URL (repeatable) or set target.sources in the config');
  }
  return {
    sources: t.sources,
    token: t.token_file ? loadToken(t.token_file) : null,
    ca: t.ca ? readPemFile(t.ca, 'CA file (--ca)').toString('utf8') : null,
    connectTimeout: t.connect_timeout,
    headerTimeout: t.header_timeout,
    idleTimeout: t.idle_timeout,
    maxListing: t.max_listing,
  };
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

/** Which source answered a request, at which URL, and its response. */
export interface SourceAnswer {
  source: string;
  url: string;
  res: Dispatcher.ResponseData;
}

/** The selected days as the source lists them, wanted names only. */
export interface SourceListing {
  entries: SourceEntry[];
  /** Paths without sidecar yet. */
  pending: string[];
  /** Paths whose sidecar the source cannot read: never served. */
  invalid: { path: string; problem: string }[];
  /** The source URL that answered. */
  source: string;
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
  async send(urlOf: (source: string) => string, headers: Record<string, string>, signal: AbortSignal): Promise<SourceAnswer> {
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
        // Whoever consumes the body sees its errors; this listener only keeps
        // a body that is destroyed or dumped (RequestAbortedError) from
        // crashing the process as an unhandled 'error' event.
        res.body.on('error', () => undefined);
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
  async listing(days: readonly string[], wanted: readonly string[], signal: AbortSignal): Promise<SourceListing> {
    const entries: SourceEntry[] = [];
    const pending: string[] = [];
    const invalid: { path: string; problem: string }[] = [];
    let used = '';
    /** Listing bytes read so far: `maxListing` bounds all days together, so `--since` cannot multiply it. */
    let listed = 0;
    // The server filters by `wanted` too; this keeps a server that did not from choosing what is written here.
    const wantedPath = (path: string) => isWanted(path.slice(path.lastIndexOf('/') + 1), wanted);
    for (const day of days) {
      const { source, url, res } = await this.send((s) => listingUrl(s, { day, wanted }), { accept: 'application/json' }, signal);
      used = source;
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw HttpStatusError.of(res, redactUrl(url));
      }
      const body = await readCappedBody(res, this.options.maxListing - listed, url);
      listed += body.length;
      const text = body.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new AltError('bad-listing', `listing from ${redactUrl(url)} refused (not JSON): nothing was fetched; is this an altbackup source server of the same version?`);
      }
      const parsed = parseListing(json, url);
      entries.push(...parsed.entries.filter((e) => e.day === day && isWanted(e.name, wanted)));
      pending.push(...parsed.pending.filter(wantedPath));
      invalid.push(...parsed.invalid);
    }
    return { entries, pending, invalid, source: used };
  }
}
