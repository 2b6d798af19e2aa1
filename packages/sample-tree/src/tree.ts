/**
 * A deterministic backup tree in the layout of SPEC section 2:
 *
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz.dna
 *
 * For each day it makes `svn/dybsvn` and `svn/dybaux` (hot copies of real
 * FSFS repositories, as `hot-backup.py` writes them), `tracs/dybsvn` (a Trac
 * environment holding a real SQLite `dybsvn/db/trac.db` with a Bitten
 * `bitten_build` table), `folders/svnsetup` and `reposLOCKED/env` (named
 * apart from the wanted names, so a day still has two `dybsvn` tarballs),
 * plus a couple of files off the layout that every command must ignore.
 *
 * Everything is derived from a seeded PRNG: the same options (seed, end,
 * days, bulk, pending, gzipLevel and the UTC day of now) give byte-identical
 * tarballs and sidecars, the svn ones on machines with the same Subversion
 * version (svnadmin writes the repository's format and config files).
 */
import { createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bittenRowsFor, type BittenRow } from './bitten.js';
import { DAY, dayNumber, dayString, nowSeconds, runDates, runStart } from './clock.js';
import type { DnaForm } from './dna.js';
import { reposMembers, svnsetupMembers } from './folders.js';
import { placeTarball, type SampleTarball } from './placeTarball.js';
import { intIn, mulberry32, seedFrom } from './prng.js';
import { SvnWorkRepo } from './svnRepo.js';
import { writeTarGz, type Member } from './tarGz.js';
import { makeTracDb } from './tracDb.js';
import { ATTACHMENTS, TRACDB_MEMBER, tracMembers } from './tracEnv.js';

export interface SampleOptions {
  /** Directory to fill (created if missing). Existing files are overwritten. */
  root: string;
  /** Number of days, ending at `end` (default 3). */
  days?: number;
  /** Bytes of incompressible seeded bulk inside each Trac tarball (default 256 KiB). */
  bulk?: number;
  /** PRNG seed (default 1). Numbers and strings are hashed as `String(seed)`. */
  seed?: number | string;
  /** Newest day 'YYYY/MM/DD' (default: the UTC day of `now`, i.e. today UTC). */
  end?: string;
  /** Reference time for the Bitten build times (default `new Date()`). */
  now?: Date;
  /** When true (default) the newest day's `tracs/dybsvn` tarball gets no sidecar. */
  pending?: boolean;
  /**
   * zlib level 0-9 for every tarball (default 6, gzip's default). Random bulk
   * gzips at ~50 MB/s at any level >= 1; level 0 (stored) is much faster for
   * benchmark-sized bulk. Part of the determinism key like the other options.
   */
  gzipLevel?: number;
}

export interface SampleTracDb {
  day: string;
  /** Tarball path relative to root. */
  path: string;
  member: typeof TRACDB_MEMBER;
  /** Size and MD5 of the trac.db member itself (not of the tarball). */
  size: number;
  md5: string;
}

export interface SampleManifest {
  /** Absolute root. */
  root: string;
  /** Days, oldest first, 'YYYY/MM/DD'. */
  days: string[];
  /** Day-major, in a fixed catfold order within a day. */
  tarballs: SampleTarball[];
  /** Files written off the layout (relative to root); every command must ignore them. */
  offLayout: string[];
  tracdb: SampleTracDb[];
  /** The bitten_build rows of each day's trac.db, ordered by id. */
  bitten: Record<string, BittenRow[]>;
}

export const DEFAULT_DAYS = 3;
export const DEFAULT_BULK = 256 * 1024;
export const DEFAULT_GZIP_LEVEL = 6;
const MAX_DAYS = 3660;

/**
 * Revisions of the first day. The site's dybsvn stood at r20550 and dybaux
 * at r5120; the svn tarballs are real repositories, loaded one commit at a
 * time (about 1 ms each in memory, 10 ms on disk), so theirs are a
 * hundredth of that. env is a file tree standing for a repository and keeps
 * the site's numbers.
 */
export const FIRST_REVISIONS: Readonly<Record<'dybsvn' | 'dybaux' | 'env', number>> = { dybsvn: 206, dybaux: 51, env: 20550 };

/** Throw a RangeError/TypeError naming the first bad option, without writing anything. */
export function checkSampleOptions(opts: SampleOptions): void {
  resolveOptions(opts);
}

function resolveOptions(opts: SampleOptions) {
  if (!opts || typeof opts.root !== 'string' || opts.root === '') throw new TypeError('root is required');
  const days = opts.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new RangeError(`bad days ${String(days)}: expected an integer from 1 to ${MAX_DAYS}`);
  }
  const bulk = opts.bulk ?? DEFAULT_BULK;
  const gzipLevel = opts.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 0 || gzipLevel > 9) {
    throw new RangeError(`bad gzipLevel ${String(gzipLevel)}: expected an integer from 0 to 9`);
  }
  if (!Number.isSafeInteger(bulk) || bulk < 0) throw new RangeError(`bad bulk ${String(bulk)}: expected a byte count >= 0`);
  const seedRaw = opts.seed ?? 1;
  if (typeof seedRaw !== 'string' && !(typeof seedRaw === 'number' && Number.isFinite(seedRaw))) {
    throw new TypeError(`bad seed ${String(seedRaw)}`);
  }
  const now = opts.now ?? new Date();
  const nowSec = nowSeconds(now);
  let endDay = Math.floor(nowSec / DAY);
  if (opts.end !== undefined) {
    try {
      endDay = dayNumber(opts.end);
    } catch (err) {
      throw new RangeError((err as Error).message.replace(/^bad day/, 'bad end'));
    }
  }
  return { root: path.resolve(opts.root), days, bulk, seed: String(seedRaw), now, endDay, pending: opts.pending ?? true, gzipLevel };
}

/** The sidecar forms in the order the job writes them: one `dq`, every third `L`, the rest canonical. */
function sidecarForm(i: number): DnaForm {
  return i === 1 ? 'dq' : i % 3 === 2 ? 'L' : 'canonical';
}

/**
 * Fill `opts.root` with a deterministic sample backup tree and return what was
 * written. Existing files at the same paths are overwritten; a stale sidecar
 * of a pending tarball is removed; nothing else is touched.
 */
export async function makeSampleTree(opts: SampleOptions): Promise<SampleManifest> {
  const o = resolveOptions(opts);
  await mkdir(o.root, { recursive: true });
  const dayNums = Array.from({ length: o.days }, (_, i) => o.endDay - o.days + 1 + i);
  const manifest: SampleManifest = {
    root: o.root,
    days: dayNums.map(dayString),
    tarballs: [],
    offLayout: [],
    tracdb: [],
    bitten: {},
  };

  const revRng = {
    dybsvn: mulberry32(seedFrom(o.seed, 'rev', 'dybsvn')),
    dybaux: mulberry32(seedFrom(o.seed, 'rev', 'dybaux')),
  };
  // env moves with dybsvn: both are committed to on the same days.
  const revs = { dybsvn: [FIRST_REVISIONS.dybsvn], dybaux: [FIRST_REVISIONS.dybaux], env: [FIRST_REVISIONS.env] };
  for (let i = 1; i < dayNums.length; i++) {
    const svnStep = intIn(revRng.dybsvn, 2, 6);
    revs.dybsvn.push(revs.dybsvn[i - 1]! + svnStep);
    revs.env.push(revs.env[i - 1]! + svnStep);
    revs.dybaux.push(revs.dybaux[i - 1]! + intIn(revRng.dybaux, 1, 4));
  }
  const runsOf = (list: number[]) => list.map((rev, i) => ({ rev, at: runStart(dayNums[i]!) }));
  const svn: Partial<Record<'dybsvn' | 'dybaux', SvnWorkRepo>> = {};
  try {
    svn.dybsvn = await SvnWorkRepo.create('dybsvn', o.seed, runsOf(revs.dybsvn));
    svn.dybaux = await SvnWorkRepo.create('dybaux', o.seed, runsOf(revs.dybaux));
    let sidecars = 0;
    // Drawn when a tarball's writing starts, in the order of the code below.
    const formOf = (pending: boolean) => (pending ? null : sidecarForm(sidecars++));
    const put = (catfold: string, subfold: string, day: string, name: string, members: readonly Member[], minutes: number, pending: boolean) =>
      placeTarball({ root: o.root, catfold, subfold, day, name, minutes }, formOf(pending), (file) => writeTarGz(file, members, { level: o.gzipLevel }));
    const hotBackup = async (repo: SvnWorkRepo, name: 'dybsvn' | 'dybaux', rev: number, day: string, snap: Date, minutes: number) => {
      const form = formOf(false);
      await repo.loadTo(rev);
      return placeTarball({ root: o.root, catfold: 'svn', subfold: name, day, name: `${name}-${rev}.tar.gz`, minutes }, form,
        (file) => repo.writeTarball(file, { top: `${name}-${rev}`, mtime: snap, gzipLevel: o.gzipLevel }));
    };

    for (const [i, dayN] of dayNums.entries()) {
      const day = dayString(dayN);
      const { files: mtime, snapshot: snap } = runDates(dayN);
      const rows = bittenRowsFor(day, o.now, o.seed);
      manifest.bitten[day] = rows;
      const db = makeTracDb(rows, day, o.seed, ATTACHMENTS);
      const pending = o.pending && i === dayNums.length - 1;
      // One day's tarballs are independent: the svnadmin children run while
      // this process gzips. All settle before a failure is thrown, so no
      // svnadmin outlives its scratch folder.
      const settled = await Promise.allSettled([
        put('folders', 'svnsetup', day, 'svnsetup.tar.gz', svnsetupMembers(day, o.seed, mtime), 1, false),
        hotBackup(svn.dybaux, 'dybaux', revs.dybaux[i]!, day, snap, 2),
        hotBackup(svn.dybsvn, 'dybsvn', revs.dybsvn[i]!, day, snap, 4),
        put('reposLOCKED', 'env', day, 'env.tar.gz', reposMembers(day, o.seed, revs.env[i]!, mtime), 6, false),
        put('tracs', 'dybsvn', day, 'dybsvn.tar.gz', tracMembers(day, o.seed, o.bulk, db, mtime, snap), 9, pending),
      ]);
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      const day5 = settled.map((r) => (r as PromiseFulfilledResult<SampleTarball>).value);
      manifest.tarballs.push(...day5);
      manifest.tracdb.push({
        day,
        path: day5[4]!.path,
        member: TRACDB_MEMBER,
        size: db.length,
        md5: createHash('md5').update(db).digest('hex'),
      });
    }
  } finally {
    await Promise.all(Object.values(svn).map((r) => r.remove()));
  }

  const off: Array<[string, string]> = [
    ['README.txt', 'Sample backup tree made by altbackup-sample (@altbackup/sample-tree). Not a tarball: ignore me.\n'],
    ['svn/dybsvn/notes.txt', 'Off-layout note inside a subfold: every command must ignore it.\n'],
  ];
  for (const [rel, text] of off) {
    const abs = path.join(o.root, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
    const t = runStart(dayNums[dayNums.length - 1]!);
    await utimes(abs, t, t);
    manifest.offLayout.push(rel);
  }
  return manifest;
}
