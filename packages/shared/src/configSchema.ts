/**
 * Every configuration key, its type, default, flag and help, in one table:
 * the loader, the CLI parser, `--help` and `dump` all read it, so a key is
 * declared once. Durations are milliseconds and sizes bytes once loaded.
 */

export type Program = 'source' | 'target';

export type Kind = 'string' | 'path' | 'int' | 'bool' | 'duration' | 'size' | 'list' | 'urls' | 'level' | 'timezone';

export interface KeyDef {
  /** Dotted key as written in TOML: `target.keep`, `wanted`. */
  key: string;
  kind: Kind;
  default: unknown;
  help: string;
  /** Long flag name without dashes; a `list` flag may be repeated. */
  flag?: string;
  /** Programs whose CLI takes the flag (the key itself loads for both). */
  programs: readonly Program[];
  min?: number;
  max?: number;
  /** Redacted by `dump` and never logged. */
  secret?: boolean;
}

const both = ['source', 'target'] as const;
const src = ['source'] as const;
const tgt = ['target'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const CONFIG_KEYS: readonly KeyDef[] = [
  { key: 'timezone', kind: 'timezone', default: '', flag: 'timezone', programs: both, help: "IANA timezone whose calendar days the backups are named by (default: the machine's)" },
  { key: 'wanted', kind: 'list', default: [], flag: 'wanted', programs: both, help: 'tarball name prefixes to act on, space or comma separated (empty: all)' },
  { key: 'log_level', kind: 'level', default: 'info', flag: 'log-level', programs: both, help: `log level: ${LOG_LEVELS.join(', ')}` },
  { key: 'log_file', kind: 'path', default: '', flag: 'log-file', programs: both, help: 'append JSON log lines here instead of stderr' },

  { key: 'source.root', kind: 'path', default: '', flag: 'root', programs: src, help: 'backup root served and checked on the source node' },
  { key: 'source.listen', kind: 'string', default: '127.0.0.1:7878', flag: 'listen', programs: src, help: 'HOST:PORT the server binds' },
  { key: 'source.token_file', kind: 'path', default: '', flag: 'token-file', programs: src, help: 'file holding the bearer token clients must send' },
  { key: 'source.tls_cert', kind: 'path', default: '', flag: 'tls-cert', programs: src, help: 'PEM certificate (chain) for HTTPS' },
  { key: 'source.tls_key', kind: 'path', default: '', flag: 'tls-key', programs: src, help: 'PEM private key for HTTPS' },
  { key: 'source.insecure_no_auth', kind: 'bool', default: false, flag: 'insecure-no-auth', programs: src, help: 'allow a non-loopback listen address without a token' },
  { key: 'source.rescan_interval', kind: 'duration', default: 2000, flag: 'rescan-interval', programs: src, min: 100, help: 'how often the catalog notices new tarballs and sidecars' },
  { key: 'source.shutdown_grace', kind: 'duration', default: 30000, flag: 'shutdown-grace', programs: src, help: 'on SIGTERM, how long running downloads may finish before they are cut' },

  { key: 'target.root', kind: 'path', default: '', flag: 'target', programs: tgt, help: 'mirror root on the target node' },
  { key: 'target.sources', kind: 'urls', default: [], flag: 'source', programs: tgt, help: 'source server URLs, tried in order (repeat the flag)' },
  { key: 'target.token_file', kind: 'path', default: '', flag: 'token-file', programs: tgt, help: 'file holding the bearer token sent to the source' },
  { key: 'target.ca', kind: 'path', default: '', flag: 'ca', programs: tgt, help: 'PEM CA certificate trusted for the source (private CA)' },
  { key: 'target.keep', kind: 'int', default: 3, flag: 'keep', programs: tgt, min: 1, max: 10000, help: 'verified tarballs kept per <catfold>/<subfold> by purge_target' },
  { key: 'target.keep_daily', kind: 'int', default: 0, flag: 'keep-daily', programs: tgt, min: 0, max: 10000, help: 'purge_target also keeps the newest verified copy of each of the last N days that have one (0: off)' },
  { key: 'target.keep_weekly', kind: 'int', default: 0, flag: 'keep-weekly', programs: tgt, min: 0, max: 10000, help: 'purge_target also keeps the newest verified copy of each of the last N ISO weeks that have one (0: off)' },
  { key: 'target.keep_monthly', kind: 'int', default: 0, flag: 'keep-monthly', programs: tgt, min: 0, max: 10000, help: 'purge_target also keeps the newest verified copy of each of the last N months that have one (0: off)' },
  { key: 'target.keep_extracted', kind: 'int', default: 2, flag: 'keep-extracted', programs: tgt, min: 1, max: 10000, help: 'extracted trac.db kept per Trac by purge_extracted' },
  { key: 'target.base', kind: 'path', default: '', flag: 'base', programs: tgt, help: 'where extract_tracdb writes (default: <target>/.altbackup/extracted)' },
  { key: 'target.ledger', kind: 'path', default: '', flag: 'ledger', programs: tgt, help: 'ledger SQLite file (default: <target>/.altbackup/ledger.sqlite)' },
  { key: 'target.concurrency', kind: 'int', default: 2, flag: 'concurrency', programs: tgt, min: 1, max: 16, help: 'files pulled at once' },
  { key: 'target.streams', kind: 'int', default: 4, flag: 'streams', programs: tgt, min: 1, max: 16, help: 'most connections per file for files of at least stream_min_size, each a range of it: over a long link one stream is held to its TCP window per round trip, and 4 streams pulled 1 GiB 3.6 times as fast as 1 at 25 MB/s and 40 ms (bench/RESULTS.md); the others open only when the first is slower than one_stream_rate' },
  { key: 'target.one_stream_rate', kind: 'size', default: 64 << 20, flag: 'one-stream-rate', programs: tgt, help: 'a file whose first stream brings at least this many bytes/s over stream_probe stays on that stream: more would only cost CPU and memory (on loopback 4 streams made a 2 GiB pull 15% slower with nearly three times the memory, and a loaded 2-core machine moved only about 230 MB/s there, so the bar sits well below that); 0 opens every stream at once' },
  { key: 'target.stream_probe', kind: 'duration', default: 100, flag: 'stream-probe', programs: tgt, min: 1, help: "a file's first stream is timed over up to three windows of this length, the best counting, before more are opened (see one_stream_rate)" },
  { key: 'target.stream_min_size', kind: 'size', default: 64 << 20, flag: 'stream-min-size', programs: tgt, min: 1, help: 'files smaller than this come over one stream' },
  { key: 'target.max_connections', kind: 'int', default: 8, flag: 'max-connections', programs: tgt, min: 1, max: 64, help: 'most connections open to the source at once, all files and streams together (concurrency above it is lowered to it)' },
  { key: 'target.bwlimit', kind: 'size', default: 0, flag: 'bwlimit', programs: tgt, help: 'total bandwidth limit in bytes/s, e.g. 20M (0: none)' },
  { key: 'target.checkpoint', kind: 'size', default: 32 << 20, flag: 'checkpoint', programs: tgt, min: 64 << 10, help: 'bytes between saved hash states of a download (a resumed pull reads back about this much at most)' },
  { key: 'target.min_free', kind: 'size', default: 2 * 1024 ** 3, flag: 'min-free', programs: tgt, help: 'free space left on the target filesystem after a download or an extraction; a file that would leave less is refused' },
  { key: 'target.max_listing', kind: 'size', default: 4 << 20, flag: 'max-listing', programs: tgt, min: 1024, help: "largest source listing accepted, all selected days together (about 50,000 entries; a larger one is refused: the listing is untrusted input, and this bounds a pull's memory)" },
  { key: 'target.min_size_percent', kind: 'int', default: 50, flag: 'min-size-percent', programs: tgt, min: 0, max: 100, help: "a new tarball smaller than this percentage of its series' last good copy is marked suspicious and does not count toward keep (0: off)" },
  { key: 'target.connect_timeout', kind: 'duration', default: 30_000, flag: 'connect-timeout', programs: tgt, min: 1, help: 'TCP/TLS connect timeout' },
  { key: 'target.header_timeout', kind: 'duration', default: 60_000, flag: 'header-timeout', programs: tgt, min: 1, help: 'wait for response headers' },
  { key: 'target.idle_timeout', kind: 'duration', default: 120_000, flag: 'idle-timeout', programs: tgt, min: 1, help: 'longest silence inside a response body' },
  { key: 'target.deadline', kind: 'duration', default: 6 * 3_600_000, flag: 'deadline', programs: tgt, min: 1, help: 'the whole run stops cleanly after this' },
  { key: 'target.retries', kind: 'int', default: 8, flag: 'retries', programs: tgt, min: 0, max: 1000, help: 'retries per file for network errors, timeouts and 5xx' },
  { key: 'target.retry_min_delay', kind: 'duration', default: 2000, flag: 'retry-min-delay', programs: tgt, help: 'first backoff delay' },
  { key: 'target.retry_max_delay', kind: 'duration', default: 300_000, flag: 'retry-max-delay', programs: tgt, help: 'longest backoff delay' },
  { key: 'target.listing_timeout', kind: 'duration', default: 10_000, flag: 'listing-timeout', programs: tgt, min: 1, help: 'sls, check_target, status: longest wait for the source listing (they answer even when the source is down)' },
  { key: 'target.max_age', kind: 'duration', default: 26 * 3_600_000, flag: 'max-age', programs: tgt, min: 1, help: 'status: newest verified tarball older than this is unhealthy' },
  { key: 'target.scratch', kind: 'path', default: '', flag: 'scratch', programs: tgt, help: 'check_restore and restore unpack here (default: <target>/.altbackup/scratch); emptied at the end of every run' },
  { key: 'target.restore_timeout', kind: 'duration', default: 2 * 3_600_000, flag: 'restore-timeout', programs: tgt, min: 1, help: 'check_restore: longest proof of one tarball; one that takes longer proves nothing' },
  { key: 'target.restore_max_age', kind: 'duration', default: 8 * 86_400_000, flag: 'restore-max-age', programs: tgt, help: 'status: a series whose newest restore proof is older than this (or that has none) is unhealthy (0: off)' },
  { key: 'target.scrub_interval', kind: 'duration', default: 30 * 86_400_000, flag: 'scrub-interval', programs: tgt, min: 86_400_000, help: 'scrub reads every stored tarball again within this, the ones checked longest ago first' },
  { key: 'target.scrub_max_bytes', kind: 'size', default: 0, flag: 'max-bytes', programs: tgt, help: 'scrub: bytes read per run at most, plus one file (0: the mirror\'s size divided by the days of scrub_interval)' },
  { key: 'target.scrub_max_duration', kind: 'duration', default: 4 * 3_600_000, flag: 'max-duration', programs: tgt, min: 1, help: 'scrub: no new file is started after this' },
  { key: 'target.window_days', kind: 'int', default: 30, flag: 'window-days', programs: tgt, min: 1, max: 36600, help: 'examine_tracdb: builds whose revision time is within this many days' },
  { key: 'target.stale_days', kind: 'int', default: 7, flag: 'stale-days', programs: tgt, min: 1, max: 36600, help: 'examine_tracdb: flag slaves whose last start is older than this' },

  { key: 'notify.webhook', kind: 'string', default: '', programs: tgt, secret: true, help: 'healthchecks-style URL pinged on start (/start), success and failure (/fail)' },
  { key: 'notify.command', kind: 'string', default: '', programs: tgt, help: 'shell command run on failure with the summary on stdin' },
  { key: 'notify.timeout', kind: 'duration', default: 10_000, programs: tgt, min: 1, help: 'longest wait for a notification' },
];

export function keyDef(key: string): KeyDef | undefined {
  return CONFIG_KEYS.find((k) => k.key === key);
}

/** `target.connect_timeout` -> `ALTBACKUP_TARGET_CONNECT_TIMEOUT`. */
export function envNameOf(key: string): string {
  return 'ALTBACKUP_' + key.replace(/\./g, '_').toUpperCase();
}

export interface Config {
  timezone: string;
  wanted: string[];
  log_level: (typeof LOG_LEVELS)[number];
  log_file: string;
  /** Expected tarballs per day for each wanted name (`[expect]`). */
  expect: Record<string, number>;
  source: {
    root: string;
    listen: string;
    token_file: string;
    tls_cert: string;
    tls_key: string;
    insecure_no_auth: boolean;
    rescan_interval: number;
    shutdown_grace: number;
  };
  target: {
    root: string;
    sources: string[];
    token_file: string;
    ca: string;
    keep: number;
    keep_daily: number;
    keep_weekly: number;
    keep_monthly: number;
    keep_extracted: number;
    base: string;
    ledger: string;
    concurrency: number;
    streams: number;
    one_stream_rate: number;
    stream_probe: number;
    stream_min_size: number;
    max_connections: number;
    bwlimit: number;
    checkpoint: number;
    min_free: number;
    max_listing: number;
    min_size_percent: number;
    connect_timeout: number;
    header_timeout: number;
    idle_timeout: number;
    deadline: number;
    listing_timeout: number;
    retries: number;
    retry_min_delay: number;
    retry_max_delay: number;
    max_age: number;
    scratch: string;
    restore_timeout: number;
    restore_max_age: number;
    scrub_interval: number;
    scrub_max_bytes: number;
    scrub_max_duration: number;
    window_days: number;
    stale_days: number;
  };
  notify: {
    webhook: string;
    command: string;
    timeout: number;
  };
}
