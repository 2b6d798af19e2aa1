/**
 * A source root with many small tarballs for the listing measure: `subfolds`
 * folders under `svn/`, one tarball a day in each, each with its sidecar.
 * Contents are a few bytes: listing cost depends on the number of entries,
 * not on their size.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDna, formatTarballPath } from '@altbackup/shared';

export interface ListingTree {
  root: string;
  days: string[];
  /** Tarballs on each day (one per subfold). */
  perDay: number;
  total: number;
}

export function dayAfter(start: string, n: number): string {
  const [y, m, d] = start.split('/').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10).replace(/-/g, '/');
}

export function makeListingTree(root: string, total: number, subfolds = 100): ListingTree {
  const perDay = Math.min(subfolds, total);
  const dayCount = Math.ceil(total / perDay);
  const days = Array.from({ length: dayCount }, (_, i) => dayAfter('2020/01/01', i));
  let made = 0;
  for (const day of days) {
    for (let s = 0; s < perDay && made < total; s++, made++) {
      const sub = `repo${String(s).padStart(3, '0')}`;
      const rel = formatTarballPath({ catfold: 'svn', subfold: sub, day, time: '104701', name: `${sub}-${made}.tar.gz` });
      const file = join(root, rel);
      mkdirSync(join(file, '..'), { recursive: true });
      const body = `bench tarball ${made}\n`;
      writeFileSync(file, body);
      writeFileSync(file + '.dna', formatDna({ dig: createHash('md5').update(body).digest('hex'), size: Buffer.byteLength(body) }));
    }
  }
  return { root, days, perDay, total: made };
}
