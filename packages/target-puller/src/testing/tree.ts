/** For unit tests: small source trees of random tarballs with canonical sidecars, and a quiet config. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatDna, loadConfig, createLogger, type Config, type Logger } from '@altbackup/shared';
import { md5Of } from '@altbackup/shared/testing';

export interface MadeFile {
  path: string;
  data: Buffer;
  md5: string;
}

/** Writes tarball `path` (relative) under root with `size` random bytes and, unless pending, its sidecar. */
export function writeTarball(root: string, path: string, size: number, opts: { pending?: boolean; data?: Buffer } = {}): MadeFile {
  const data = opts.data ?? randomBytes(size);
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, data);
  const md5 = md5Of(data);
  if (!opts.pending) writeFileSync(abs + '.dna', formatDna({ dig: md5, size: data.length }));
  return { path, data, md5 };
}

export function quietLog(): Logger {
  return createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent', pretty: false });
}

/** A logger that keeps its JSON lines in a file under `dir`, and the messages logged so far. */
export function recordingLog(dir: string, level: 'warn' | 'info' | 'debug' = 'warn'): { log: Logger; messages(): string[] } {
  const file = join(dir, `log-${process.pid}-${Math.random().toString(36).slice(2)}.jsonl`);
  const log = createLogger({ level, file, pretty: false });
  return {
    log,
    messages: () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg) : []),
  };
}

/** A config as loaded from flags, with tiny timeouts so fault tests run in moments. */
export function testConfig(target: string, sources: string[], extra: Record<string, string | string[]> = {}): Config {
  return loadConfig({
    configFile: '/dev/null',
    env: {},
    flags: {
      'target.root': target,
      'target.sources': sources,
      'target.idle_timeout': '300ms',
      'target.header_timeout': '300ms',
      'target.connect_timeout': '300ms',
      'target.retry_min_delay': '10ms',
      'target.retry_max_delay': '40ms',
      'target.retries': '6',
      'target.min_free': '16M',
      'target.deadline': '20s',
      timezone: 'UTC',
      ...extra,
    },
  }).config;
}
