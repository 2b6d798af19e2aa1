/**
 * A deterministic backup tree in the layout of SPEC section 2:
 *
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz
 *     <root>/<catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz.dna
 *
 * For each day it makes `svn/dybsvn`, `svn/dybaux`, `tracs/dybsvn` (a Trac
 * environment holding a real SQLite `dybsvn/db/trac.db` with a Bitten
 * `bitten_build` table), `folders/svnsetup` and `reposLOCKED/env` (named
 * apart from the wanted names, so a day still has two `dybsvn` tarballs),
 * plus a couple of files off the layout that every command must ignore.
 *
 * Everything is derived from a seeded PRNG: the same options (seed, end,
 * days, bulk, pending, gzipLevel and the UTC day of now) give byte-identical
 * tarballs and sidecars.
 */
import { createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bittenRowsFor, type BittenRow } from './bitten.js';
import { DAY, dayNumber, dayString, nowSeconds, runStart } from './clock.js';
import type { DnaForm } from './dna.js';
import { reposMembers, svnsetupMembers } from './folders.js';
import { placeTarball, type SampleTarball } from './placeTarball.js';
import { intIn, mulberry32, seedFrom } from './prng.js';
import { svnMembers } from './svnTarball.js';
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
  let dybsvnRev = 20550;
  let dybauxRev = 5120;
  let sidecars = 0;

  const put = async (catfold: string, subfold: string, day: string, name: string, members: readonly Member[], minutes: number, pending: boolean) => {
    const t = await placeTarball({ root: o.root, catfold, subfold, day, name, minutes }, pending ? null : sidecarForm(sidecars++),
      (file) => writeTarGz(file, members, { level: o.gzipLevel }));
    manifest.tarballs.push(t);
    return t.path;
  };

  for (const [i, dayN] of dayNums.entries()) {
    const day = dayString(dayN);
    if (i > 0) {
      dybsvnRev += intIn(revRng.dybsvn, 2, 6);
      dybauxRev += intIn(revRng.dybaux, 1, 4);
    }
    const mtime = new Date((runStart(dayN) - 3600) * 1000);
    const snap = new Date(runStart(dayN) * 1000);

    await put('folders', 'svnsetup', day, 'svnsetup.tar.gz', svnsetupMembers(day, o.seed, mtime), 1, false);
    await put('svn', 'dybaux', day, `dybaux-${dybauxRev}.tar.gz`, svnMembers('dybaux', dybauxRev, day, o.seed, mtime), 2, false);
    await put('svn', 'dybsvn', day, `dybsvn-${dybsvnRev}.tar.gz`, svnMembers('dybsvn', dybsvnRev, day, o.seed, mtime), 4, false);
    await put('reposLOCKED', 'env', day, 'env.tar.gz', reposMembers(day, o.seed, dybsvnRev, mtime), 6, false);

    const rows = bittenRowsFor(day, o.now, o.seed);
    manifest.bitten[day] = rows;
    const db = makeTracDb(rows, day, o.seed, ATTACHMENTS);
    const pending = o.pending && i === dayNums.length - 1;
    const rel = await put('tracs', 'dybsvn', day, 'dybsvn.tar.gz', tracMembers(day, o.seed, o.bulk, db, mtime, snap), 9, pending);
    manifest.tracdb.push({
      day,
      path: rel,
      member: TRACDB_MEMBER,
      size: db.length,
      md5: createHash('md5').update(db).digest('hex'),
    });
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
