/**
 * A Trac backup tarball for the extraction measure: `<name>/db/trac.db`, a
 * real SQLite database with a Bitten table followed by filler pages, between
 * a few small members, gzipped. The filler draws bytes from 16 symbols (4
 * bits of entropy, about 2:1 under gzip) and is Huffman-coded only, which
 * generates at hundreds of MB/s yet makes the reader inflate every byte.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { tempDir } from '@altbackup/shared/testing';
import { writeTarGz } from '@altbackup/sample-tree';
import { MiB, keystream, layoutPath, writeSidecar, type BenchTarball } from './data.js';

export interface TracTarball extends BenchTarball {
  /** Member path inside the archive, e.g. `dybsvn/db/trac.db`. */
  member: string;
  memberSize: number;
}

/** A small but real trac.db: SQLite header, bitten_build with a few builds. */
async function seedDatabase(): Promise<Buffer> {
  const dir = tempDir('bench-tracdb');
  try {
    const file = join(dir, 'trac.db');
    const db = new Database(file);
    db.pragma('page_size = 4096');
    db.pragma('journal_mode = DELETE');
    db.exec(`CREATE TABLE bitten_build (id integer primary key, config text, rev text, rev_time integer,
      platform integer, slave text, started integer, stopped integer, status text)`);
    const ins = db.prepare('INSERT INTO bitten_build VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (let i = 1; i <= 200; i++) ins.run(i, 'trunk', String(20000 + i), 1_700_000_000 + i * 600, 1, `slave${i % 4}`, 1_700_000_100 + i * 600, 1_700_000_500 + i * 600, 'S');
    db.close();
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Maps keystream bytes onto 16 letters: 4 bits of entropy per byte. */
function lowEntropy(next: (zeros: Buffer) => Buffer, zeros: Buffer): Buffer {
  const b = next(zeros);
  for (let i = 0; i < b.length; i++) b[i] = 0x61 + (b[i]! & 15);
  return b;
}

export async function makeTracTarball(root: string, gzSize: number, name = 'dybsvn'): Promise<TracTarball> {
  const rel = layoutPath('tracs', name, `${name}.tar.gz`);
  const abs = join(root, rel);
  const seed = await seedDatabase();
  const memberSize = Math.max(seed.length, Math.round(gzSize * 2 / 4096) * 4096);
  const member = `${name}/db/trac.db`;
  const mtime = new Date(0);
  function* dbChunks(): Iterable<Buffer> {
    yield seed;
    const next = keystream(`trac-${name}`);
    const zeros = Buffer.alloc(4 * MiB);
    for (let left = memberSize - seed.length; left > 0; left -= zeros.length) {
      yield lowEntropy(next, left >= zeros.length ? zeros : zeros.subarray(0, left));
    }
  }
  const { size, md5 } = await writeTarGz(abs, [
    { name: `${name}/VERSION`, mtime, data: 'Trac Environment Version 1\n' },
    { name: `${name}/conf/trac.ini`, mtime, data: '[trac]\ndatabase = sqlite:db/trac.db\n' },
    { name: member, mtime, size: memberSize, chunks: dbChunks },
    { name: `${name}/log/trac.log`, mtime, data: 'bench\n' },
  ], { strategy: zlib.constants.Z_HUFFMAN_ONLY, chunkSize: 256 * 1024 });
  await writeSidecar(abs, { dig: md5, size });
  return { rel, abs, size, md5, wanted: name, member, memberSize };
}
