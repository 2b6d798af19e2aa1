/**
 * A large synthetic source root for the listing benchmark: ten subfolds with
 * one tiny tarball and its sidecar per day, going back as many days as it
 * takes to reach the asked number of tarballs (50,000 = ~14 years). Files
 * are a few bytes: the benchmark measures the catalog and the HTTP layer,
 * not the disk. Written with synchronous calls, the fastest way to make
 * ~150,000 small files and folders.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daysEndingAt, formatDna } from '@altbackup/shared';
import { md5Of } from '@altbackup/shared/testing';

export const SUBFOLDS: readonly [string, string, string][] = [
  ['svn', 'dybsvn', 'dybsvn-'],
  ['svn', 'dybaux', 'dybaux-'],
  ['svn', 'env', 'env-'],
  ['svn', 'heprez', 'heprez-'],
  ['svn', 'tracdev', 'tracdev-'],
  ['tracs', 'dybsvn', 'dybsvn'],
  ['tracs', 'dybaux', 'dybaux'],
  ['tracs', 'env', 'env'],
  ['folders', 'svnsetup', 'svnsetup'],
  ['reposLOCKED', 'dybsvn', 'dybsvn'],
];

export interface SyntheticRoot {
  root: string;
  tarballs: number;
  /** Days holding tarballs, oldest first. */
  days: string[];
}

function nameFor(prefix: string, i: number): string {
  return prefix.endsWith('-') ? `${prefix}${20000 + i}.tar.gz` : `${prefix}.tar.gz`;
}

/**
 * Fills `root` with `tarballs` tarballs ending at day `end` (YYYY/MM/DD). A
 * marker file makes a second call with the same shape a no-op.
 */
export function makeSyntheticRoot(root: string, tarballs: number, end: string): SyntheticRoot {
  const nDays = Math.ceil(tarballs / SUBFOLDS.length);
  const days = daysEndingAt(end, nDays);
  const marker = join(root, '.synthetic.json');
  const shape = JSON.stringify({ tarballs, end });
  if (existsSync(marker) && readFileSync(marker, 'utf8') === shape) return { root, tarballs, days };
  let made = 0;
  for (const [d, day] of days.entries()) {
    for (const [catfold, subfold, prefix] of SUBFOLDS) {
      if (made === tarballs) break;
      const dir = join(root, catfold, subfold, day, '104701');
      mkdirSync(dir, { recursive: true });
      const body = Buffer.from(`${catfold}/${subfold} ${day}\n`);
      const file = join(dir, nameFor(prefix, d));
      writeFileSync(file, body);
      writeFileSync(file + '.dna', formatDna({ dig: md5Of(body), size: body.length }));
      made++;
    }
  }
  writeFileSync(marker, shape);
  return { root, tarballs, days };
}
