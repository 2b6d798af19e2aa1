/**
 * Tarballs that arrive intact but do not restore: each one's canonical
 * sidecar matches its (damaged) bytes, so a digest check passes and only a
 * restore proof (SPEC section 8) can tell. Each is written at its place in
 * the layout, where makeSampleTree would put the good one of that day.
 */
import { createHash } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { bittenRowsFor } from './bitten.js';
import { dayNumber, runDates, runStart } from './clock.js';
import { svnsetupMembers } from './folders.js';
import { placeTarball, type SampleTarball, type TarballPlace, type WrittenFile } from './placeTarball.js';
import { SvnWorkRepo } from './svnRepo.js';
import { writeTarGz } from './tarGz.js';
import { makeTracDb } from './tracDb.js';
import { ATTACHMENTS, tracMembers } from './tracEnv.js';
import { DEFAULT_GZIP_LEVEL } from './tree.js';

export interface BrokenOptions {
  /** Root of the tree to write into. */
  root: string;
  /** 'YYYY/MM/DD' */
  day: string;
  /** PRNG seed (default 1), as for makeSampleTree. */
  seed?: number | string;
}

export interface BrokenSvnOptions extends BrokenOptions {
  /** Repository name (default 'dybsvn'). */
  repo?: string;
  /** The revision in the tarball's name and top folder. */
  rev: number;
}

function bytesOf(data: Buffer): WrittenFile {
  return { size: data.length, md5: createHash('md5').update(data).digest('hex') };
}

function place(o: BrokenOptions, catfold: string, subfold: string, name: string, minutes: number): TarballPlace {
  return { root: path.resolve(o.root), catfold, subfold, day: o.day, name, minutes };
}

async function svnTarball(o: BrokenSvnOptions, loadTo: number, damage?: (copy: string) => Promise<void>): Promise<SampleTarball> {
  const repo = o.repo ?? 'dybsvn';
  const n = dayNumber(o.day);
  const work = await SvnWorkRepo.create(repo, String(o.seed ?? 1), [{ rev: o.rev, at: runStart(n) }]);
  try {
    await work.loadTo(loadTo);
    return await placeTarball(place(o, 'svn', repo, `${repo}-${o.rev}.tar.gz`, 4), 'canonical',
      (file) => work.writeTarball(file, { top: `${repo}-${o.rev}`, mtime: runDates(n).snapshot, gzipLevel: DEFAULT_GZIP_LEVEL, damage }));
  } finally {
    await work.remove();
  }
}

/** (a) An svn tarball whose hot copy fails `svnadmin verify`: one byte of its youngest revision file is flipped. */
export function writeSvnTarballFailingVerify(o: BrokenSvnOptions): Promise<SampleTarball> {
  return svnTarball(o, o.rev, async (copy) => {
    // FSFS format 7+ shards unpacked revision files by 1000.
    const file = path.join(copy, 'db', 'revs', String(Math.floor(o.rev / 1000)), String(o.rev));
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 3)] ^= 0x20;
    // Subversion leaves revision files read-only.
    await chmod(file, 0o644);
    await writeFile(file, bytes);
    await chmod(file, 0o444);
  });
}

/** (b) An svn tarball named `<repo>-<rev>` whose repository is sound but stops at `rev - 1`. */
export function writeSvnTarballWrongYoungest(o: BrokenSvnOptions): Promise<SampleTarball> {
  if (o.rev < 2) throw new RangeError('a wrong youngest needs rev 2 or later');
  return svnTarball(o, o.rev - 1);
}

export interface BrokenTracOptions extends BrokenOptions {
  /** Reference time of the Bitten rows (default the day's run start). */
  now?: Date;
  /** Bytes of bulk in the environment (default 64 KiB). */
  bulk?: number;
}

function tracOf(o: BrokenTracOptions): { members: ReturnType<typeof tracMembers>; db: Buffer } {
  const n = dayNumber(o.day);
  const seed = String(o.seed ?? 1);
  const { files, snapshot } = runDates(n);
  const db = makeTracDb(bittenRowsFor(o.day, o.now ?? snapshot, seed), o.day, seed, ATTACHMENTS);
  return { db, members: tracMembers(o.day, seed, o.bulk ?? 64 * 1024, db, files, snapshot) };
}

/** (c) A Trac tarball cut to half its length mid gzip stream, as a truncated copy is. */
export function writeTracTarballCutShort(o: BrokenTracOptions): Promise<SampleTarball> {
  return placeTarball(place(o, 'tracs', 'dybsvn', 'dybsvn.tar.gz', 9), 'canonical', async (file) => {
    const whole = await writeTarGz(file, tracOf(o).members, { level: DEFAULT_GZIP_LEVEL });
    const cut = (await readFile(file)).subarray(0, Math.floor(whole.size / 2));
    await writeFile(file, cut);
    return bytesOf(cut);
  });
}

/**
 * (d) A Trac tarball whose trac.db has the root page of `bitten_build`
 * overwritten past its page header: the file still opens as SQLite, and
 * `PRAGMA integrity_check` reports the page.
 */
export function writeTracTarballDamagedDb(o: BrokenTracOptions): Promise<SampleTarball> {
  return placeTarball(place(o, 'tracs', 'dybsvn', 'dybsvn.tar.gz', 9), 'canonical', (file) => {
    const { members, db } = tracOf(o);
    const damaged = Buffer.from(db);
    const probe = new Database(db);
    let root: number;
    let pageSize: number;
    try {
      root = (probe.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'bitten_build'").get() as { rootpage: number }).rootpage;
      pageSize = probe.pragma('page_size', { simple: true }) as number;
    } finally {
      probe.close();
    }
    // A b-tree page header is 8 bytes (12 for an interior page): what follows is the cell pointers and cells.
    damaged.fill(0xa5, (root - 1) * pageSize + 8, root * pageSize);
    return writeTarGz(file, members.map((m) => (m.data === db ? { ...m, data: damaged } : m)), { level: DEFAULT_GZIP_LEVEL });
  });
}

const TAR_BLOCK = 512;

/** (e) A folder tarball whose first regular file's tar header no longer matches its checksum (one name byte changed). */
export function writeFolderTarballBadHeader(o: BrokenOptions): Promise<SampleTarball> {
  return placeTarball(place(o, 'folders', 'svnsetup', 'svnsetup.tar.gz', 1), 'canonical', async (file) => {
    await writeTarGz(file, svnsetupMembers(o.day, String(o.seed ?? 1), runDates(dayNumber(o.day)).files), { level: DEFAULT_GZIP_LEVEL });
    const tar = zlib.gunzipSync(await readFile(file));
    // ustar: type flag at 156 ('0' a regular file), size in octal at 124.
    let at = 0;
    while (tar[at + 156] !== 0x30) {
      at += TAR_BLOCK * (1 + Math.ceil(parseInt(tar.toString('latin1', at + 124, at + 136), 8) / TAR_BLOCK));
      if (!(at < tar.length)) throw new Error('no regular file in the folder tarball');
    }
    tar[at] ^= 0x01;
    const gz = zlib.gzipSync(tar, { level: DEFAULT_GZIP_LEVEL });
    await writeFile(file, gz);
    return bytesOf(gz);
  });
}
