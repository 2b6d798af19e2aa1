/**
 * The `altbackup-sample` command: a sample tree from the command line.
 *
 *     altbackup-sample --root DIR [--days N] [--bulk SIZE] [--seed S]
 *          [--end YYYY/MM/DD] [--now ISO] [--no-pending] [--gzip-level N] [--json]
 */
import { parseArgs } from 'node:util';
import { AltError, parseSize } from '@altbackup/shared';
import { checkSampleOptions, DEFAULT_BULK, DEFAULT_DAYS, DEFAULT_GZIP_LEVEL, makeSampleTree, type SampleManifest, type SampleOptions } from './tree.js';

export const PROGRAM = 'altbackup-sample';

export const USAGE = `usage: ${PROGRAM} --root DIR [--days N] [--bulk SIZE] [--seed S] [--end YYYY/MM/DD]
                        [--now ISO-8601] [--no-pending] [--gzip-level N] [--json]

Writes a deterministic sample backup tree under DIR (created if missing):
  <catfold>/<subfold>/YYYY/MM/DD/104701/<name>.tar.gz and <name>.tar.gz.dna
for svn/dybsvn and svn/dybaux (hot copies of real FSFS repositories, made
with svnadmin, which must be installed), tracs/dybsvn (holding
dybsvn/db/trac.db), folders/svnsetup and reposLOCKED/env, plus README.txt and
svn/dybsvn/notes.txt off the layout. Existing files at those paths are
overwritten; nothing else is touched.

options:
  --root DIR        directory to fill (required)
  --days N          number of days ending at --end (default ${DEFAULT_DAYS})
  --bulk SIZE       incompressible bytes inside each Trac tarball; plain bytes
                    or with a K, M, G or T suffix (binary), e.g. 1.5M (default ${DEFAULT_BULK / 1024}K)
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
give byte-identical files (only the day of --now matters; the svn tarballs
with the same Subversion version).
Exit status: 0 done, 1 failed while writing, 2 bad arguments.`;

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
    throw new AltError('usage', (err as Error).message);
  }
  if (values.help) return { help: true };
  if (!values.root) throw new AltError('no-root', '--root DIR is required');
  const options: SampleOptions = { root: values.root, pending: !values['no-pending'] };
  if (values.days !== undefined) {
    if (!/^\d+$/.test(values.days)) throw new AltError('usage', `bad --days '${values.days}': expected a positive integer`);
    options.days = Number(values.days);
    if (options.days < 1) throw new AltError('usage', `bad --days '${values.days}': expected a positive integer`);
  }
  if (values.bulk !== undefined) options.bulk = bulkSize(values.bulk);
  if (values.seed !== undefined) options.seed = values.seed;
  if (values.end !== undefined) {
    // YYYY-MM-DD is accepted too, as for --day elsewhere.
    options.end = /^\d{4}-\d{2}-\d{2}$/.test(values.end) ? values.end.replaceAll('-', '/') : values.end;
  }
  if (values.now !== undefined) {
    const now = new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new AltError('usage', `bad --now '${values.now}': expected an ISO-8601 date-time`);
    options.now = now;
  }
  if (values['gzip-level'] !== undefined) {
    if (!/^\d$/.test(values['gzip-level'])) throw new AltError('usage', `bad --gzip-level '${values['gzip-level']}': expected 0 to 9`);
    options.gzipLevel = Number(values['gzip-level']);
  }
  try {
    checkSampleOptions(options);
  } catch (err) {
    throw new AltError('usage', (err as Error).message.replace(/^bad (\w+)/, 'bad --$1'));
  }
  return { help: false, json: values.json ?? false, options };
}

/** `--bulk`: a byte count as every altbackup size setting takes it; anything else is a usage error. */
export function bulkSize(text: string): number {
  const n = parseSize(text);
  if (n === null) throw new AltError('usage', `bad --bulk '${text}': expected bytes, optionally with K, M, G or T (1024-based), e.g. 256K or 1.5M`);
  return n;
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
    if (!(err instanceof AltError)) throw err;
    process.stderr.write(`${PROGRAM}: ${err.message} (try --help)\n`);
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
    process.stderr.write(`${PROGRAM}: ${(err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(parsed.json ? `${JSON.stringify(manifest, null, 2)}\n` : `${formatListing(manifest)}\n`);
  return 0;
}
