/** For unit tests: small source trees of random tarballs with canonical sidecars, and a quiet config. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
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
      'target.deadline': '20s',
      timezone: 'UTC',
      ...extra,
    },
  }).config;
}
