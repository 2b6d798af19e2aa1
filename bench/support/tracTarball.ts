/**
 * A Trac backup tarball for the extraction measure: `<name>/db/trac.db`, a
 * real SQLite database with a Bitten table followed by filler pages, between
 * a few small members, gzipped. The filler draws bytes from 16 symbols (4
 * bits of entropy, about 2:1 under gzip) and is Huffman-coded only, which
 * generates at hundreds of MB/s yet makes the reader inflate every byte.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import tar from 'tar-stream';
import { MiB, keystream, layoutPath, writeSidecar, type BenchTarball } from './data.js';

export interface TracTarball extends BenchTarball {
  /** Member path inside the archive, e.g. `dybsvn/db/trac.db`. */
  member: string;
  memberSize: number;
}

/** A small but real trac.db: SQLite header, bitten_build with a few builds. */
async function seedDatabase(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-tracdb-'));
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
  await mkdir(dirname(abs), { recursive: true });
  const seed = await seedDatabase();
  const memberSize = Math.max(seed.length, Math.round(gzSize * 2 / 4096) * 4096);
  const member = `${name}/db/trac.db`;
  const pack = tar.pack();
  const md5 = createHash('md5');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const written = pipeline(pack, zlib.createGzip({ strategy: zlib.constants.Z_HUFFMAN_ONLY, chunkSize: 256 * 1024 }), hashing, createWriteStream(abs));
  const small = (path: string, text: string) => new Promise<void>((resolve, reject) => pack.entry({ name: path, mtime: new Date(0) }, text, (e) => (e ? reject(e) : resolve())));
  await small(`${name}/VERSION`, 'Trac Environment Version 1\n');
  await small(`${name}/conf/trac.ini`, '[trac]\ndatabase = sqlite:db/trac.db\n');
  const entryDone = new Promise<void>((resolve, reject) => {
    const entry = pack.entry({ name: member, size: memberSize, mtime: new Date(0) }, (e) => (e ? reject(e) : resolve()));
    void (async () => {
      if (!entry.write(seed)) await once(entry, 'drain');
      const next = keystream(`trac-${name}`);
      const zeros = Buffer.alloc(4 * MiB);
      let left = memberSize - seed.length;
      for (;;) {
        const n = Math.min(left, zeros.length);
        const chunk = lowEntropy(next, n === zeros.length ? zeros : zeros.subarray(0, n));
        left -= n;
        if (left === 0) {
          entry.end(chunk);
          break;
        }
        if (!entry.write(chunk)) await once(entry, 'drain');
      }
    })().catch(reject);
  });
  await entryDone;
  await small(`${name}/log/trac.log`, 'bench\n');
  pack.finalize();
  await written;
  const dig = md5.digest('hex');
  await writeSidecar(abs, { dig, size });
  return { rel, abs, size, md5: dig, wanted: name, member, memberSize };
}
