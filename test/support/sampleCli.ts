#!/usr/bin/env node
/**
 * Command-line front end of the sample-data generator (see sampleTree.ts).
 *
 *     node test/dist/support/sampleCli.js --root DIR [--days N] [--bulk SIZE]
 *          [--seed S] [--end YYYY/MM/DD] [--now ISO] [--no-pending] [--gzip-level N] [--json]
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  checkSampleOptions,
  DEFAULT_BULK,
  DEFAULT_DAYS,
  DEFAULT_GZIP_LEVEL,
  makeSampleTree,   parseSize,
  type SampleManifest,
  type SampleOptions,
} from './sampleTree.js';

export const USAGE = `usage: sampleCli --root DIR [--days N] [--bulk SIZE] [--seed S] [--end YYYY/MM/DD]
                 [--now ISO-8601] [--no-pending] [--gzip-level N] [--json]

Writes a deterministic sample backup tree under DIR (created if missing):
  <catfold>/<subfold>/YYYY/MM/DD/104701/<name>.tar.gz and <name>.tar.gz.dna
for svn/dybsvn, svn/dybaux, tracs/dybsvn (holding dybsvn/db/trac.db),
folders/svnsetup and reposLOCKED/dybsvn, plus README.txt and
svn/dybsvn/notes.txt off the layout. Existing files at those paths are
overwritten; nothing else is touched.

options:
  --root DIR        directory to fill (required)
  --days N          number of days ending at --end (default ${DEFAULT_DAYS})
  --bulk SIZE       incompressible bytes inside each Trac tarball; plain bytes
                    or with a K, M or G suffix (binary) (default ${DEFAULT_BULK / 1024}K)
  --seed S          PRNG seed, any string (default 1)
  --end YYYY/MM/DD  newest day (default: the UTC day of --now, i.e. today UTC)
  --now ISO-8601    reference time of the Bitten build times (default: now)
  --no-pending      also write the sidecar of the newest Trac tarball
                    (by default it has none: it is pending)
  --gzip-level N    zlib level 0-9 (default ${DEFAULT_GZIP_LEVEL}); random bulk gzips at about
                    50 MB/s at any level >= 1, level 0 is much faster for big --bulk
  --json            print the manifest as JSON instead of the listing
  -h, --help        print this help

The same --seed, --end, --days, --bulk, --gzip-level and UTC day of --now
give byte-identical files (only the day of --now matters).
Exit status: 0 done, 1 failed while writing, 2 bad arguments.`;

class UsageError extends Error {}

export function parseCli(argv: readonly string[]): { help: true } | { help: false; json: boolean; options: SampleOptions } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        root: { type: 'string' },
        days: { type: 'string' },
        bulk: { type: 'string' },
        seed: { type: 'string' },
        end: { type: 'string' },
        now: { type: 'string' },
        'no-pending': { type: 'boolean' },
        'gzip-level': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  if (!values.root) throw new UsageError('--root DIR is required');
  const options: SampleOptions = { root: values.root, pending: !values['no-pending'] };
  if (values.days !== undefined) {
    if (!/^\d+$/.test(values.days)) throw new UsageError(`bad --days '${values.days}': expected a positive integer`);
    options.days = Number(values.days);
    if (options.days < 1) throw new UsageError(`bad --days '${values.days}': expected a positive integer`);
  }
  if (values.bulk !== undefined) {
    try {
      options.bulk = parseSize(values.bulk);
    } catch (err) {
      throw new UsageError(`--bulk: ${(err as Error).message}`);
    }
  }
  if (values.seed !== undefined) options.seed = values.seed;
  if (values.end !== undefined) {
    // YYYY-MM-DD is accepted too, as for --day elsewhere.
    options.end = /^\d{4}-\d{2}-\d{2}$/.test(values.end) ? values.end.replaceAll('-', '/') : values.end;
  }
  if (values.now !== undefined) {
    const now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`bad --now '${values.now}': expected an ISO-8601 date-time`);
    options.now = now;
  }
  if (values['gzip-level'] !== undefined) {
    if (!/^\d$/.test(values['gzip-level'])) throw new UsageError(`bad --gzip-level '${values['gzip-level']}': expected 0 to 9`);
    options.gzipLevel = Number(values['gzip-level']);
  }
  try {
    checkSampleOptions(options);
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^bad (\w+)/, 'bad --$1'));
  }
  return { help: false, json: values.json ?? false, options };
}

export function formatListing(m: SampleManifest): string {
  const width = Math.max(...m.tarballs.map((t) => String(t.size).length), 1);
  const lines = m.tarballs.map((t) => `${String(t.size).padStart(width)}  ${t.path}${t.pending ? '  pending' : ''}`);
  const total = m.tarballs.reduce((a, t) => a + t.size, 0);
  const pending = m.tarballs.filter((t) => t.pending).length;
  const span = m.days.length === 1 ? m.days[0] : `${m.days[0]}..${m.days[m.days.length - 1]}`;
  lines.push(
    `${m.tarballs.length} tarballs (${pending} pending), ${total} bytes, ${m.days.length} days ${span}, ` +
      `${m.offLayout.length} off-layout files, under ${m.root}`,
  );
  return lines.join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`sampleCli: ${err.message} (try --help)\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let manifest: SampleManifest;
  try {
    manifest = await makeSampleTree(parsed.options);
  } catch (err) {
    process.stderr.write(`sampleCli: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(parsed.json ? `${JSON.stringify(manifest, null, 2)}\n` : `${formatListing(manifest)}\n`);
  return 0;
}

function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // `sampleCli ... | head` must not die with an EPIPE stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`sampleCli: ${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
