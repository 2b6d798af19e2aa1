/**
 * extract_tracdb through the real CLI (SPEC section 6): byte-identical member,
 * idempotent second run, and hostile or broken archives refused with one
 * clear line, nothing written outside the base and nothing at the final path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { formatDna } from '@altbackup/shared';
import { Ledger } from '@altbackup/target-puller';
import { md5Of, tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

async function filesBelow(root: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const abs = join(dir, e.name);
      if (skip(relative(root, abs))) continue;
      if (e.isDirectory()) await walk(abs);
      else out.push(relative(root, abs));
    }
  };
  await walk(root);
  return out.sort();
}

interface Env {
  dir: string;
  target: string;
  base: string;
  cwd: string;
  manifest: SampleManifest;
  args: string[];
}

async function setup(): Promise<Env> {
  const dir = tempDir('extract-tracdb');
  const target = join(dir, 'target');
  const base = join(dir, 'base');
  const cwd = join(dir, 'cwd', 'deep');
  await mkdir(cwd, { recursive: true });
  // 2 days: the older Trac tarball verified, the newest pending (no sidecar).
  const manifest = await makeSampleTree({ root: target, days: 2, bulk: 512 * 1024 });
  return { dir, target, base, cwd, manifest, args: ['--target', target, '--base', base] };
}

test('extract_tracdb writes the member byte-identically, sqlite3 reads it, a second run does nothing', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const [db] = e.manifest.tracdb;
  const day = db!.day;
  const out = join(e.base, 'tracs/dybsvn', day, '104701/dybsvn/db/trac.db');

  const r = await runTarget([...e.args, '--day', day, 'extract_tracdb'], { cwd: e.cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^extracted ${db!.path} -> ${out} `, 'm'));
  const member = execFileSync('sh', ['-c', 'tar -xzOf "$1" dybsvn/db/trac.db | md5sum', 'sh', join(e.target, db!.path)], { encoding: 'utf8' }).split(' ')[0];
  assert.equal(md5Of(await readFile(out)), member, 'md5 equals tar -xzOf ... | md5sum');
  assert.equal(member, db!.md5);
  const count = execFileSync('sqlite3', [out, 'SELECT count(*) FROM bitten_build'], { encoding: 'utf8' }).trim();
  assert.equal(Number(count), e.manifest.bitten[day]!.length);
  assert.deepEqual(await filesBelow(e.base), [relative(e.base, out)], 'only the one member, no temp file');
  assert.deepEqual(await readdir(join(e.dir, 'cwd')), ['deep'], 'nothing written relative to the working folder');

  const before = await stat(out);
  const again = await runTarget([...e.args, '--day', day, 'extract_tracdb']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^already extracted: /m);
  const after = await stat(out);
  assert.equal(after.mtimeMs, before.mtimeMs, 'second run did not rewrite');
  assert.equal(after.ino, before.ino);

  // A destination of another size (an old, cut copy) is replaced.
  await truncate(out, 1000);
  const redo = await runTarget([...e.args, '--day', day, 'extract_tracdb']);
  assert.equal(redo.code, 0, redo.stderr);
  assert.equal(md5Of(await readFile(out)), db!.md5);

  const ledger = Ledger.open(join(e.target, '.altbackup/ledger.sqlite'));
  try {
    const rows = ledger.db.prepare('SELECT result, size, out_path FROM extractions ORDER BY id').all() as { result: string; size: number; out_path: string }[];
    assert.deepEqual(rows.map((x) => x.result), ['ok', 'skipped', 'ok']);
    assert.ok(rows.every((x) => x.size === db!.size && x.out_path === out));
  } finally {
    ledger.close();
  }
});

test('a trac.db that would leave less than target.min_free is refused before a byte is written', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const [db] = e.manifest.tracdb;
  const r = await runTarget([...e.args, '--day', db!.day, '--min-free', '1000000G', 'extract_tracdb']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^altbackup extract_tracdb: no-space: ${db!.path.replace(/[.]/g, '\\.')}: dybsvn/db/trac\\.db \\(\\d+ bytes\\): not enough free space: needs \\S+ plus the [\\d.]+[KMGTP] kept free \\(target\\.min_free\\), \\S+ \\(\\w+\\) has \\S+ free`, 'm'));
  assert.deepEqual(await filesBelow(e.base), [], 'nothing extracted, no temp file');
});

test('an unverified (pending) Trac tarball is not extracted', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const pending = e.manifest.tracdb[1]!;
  const r = await runTarget([...e.args, '--day', pending.day, 'extract_tracdb']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^altbackup extract_tracdb: tarball-unverified: ${pending.path} is not verified \\(no sidecar\\)`, 'm'));
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.deepEqual(await filesBelow(e.base), []);
});

test('a day without a Trac tarball, or no wanted Trac at all, is a clear failure', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const none = await runTarget([...e.args, '--day', '2001/01/01', 'extract_tracdb']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no-tarball: no tracs\/dybsvn\/2001\/01\/01\/\*\/dybsvn\.tar\.gz on the target/);
  const unwanted = await runTarget([...e.args, '--wanted', 'svnsetup', 'extract_tracdb']);
  assert.equal(unwanted.code, 1);
  assert.match(unwanted.stderr, /no-trac: no wanted Trac on the target/);
});

type Member = { name: string; type?: 'file' | 'symlink' | 'link' | 'directory'; data?: Buffer; linkname?: string };

async function tarBytes(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const m of members) {
    const type = m.type ?? 'file';
    if (type === 'file') pack.entry({ name: m.name, size: m.data!.length }, m.data!);
    else pack.entry({ name: m.name, type, linkname: m.linkname });
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const sqliteLike = (n: number) => Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), randomBytes(n - 16)]);

interface Hostile {
  what: string;
  code: string;
  /** Archive bytes (gzip'd). */
  make(escape: string): Promise<Buffer>;
}

const HOSTILE: Hostile[] = [
  {
    what: 'a ../ member', code: 'archive-unsafe',
    make: async () => gzipSync(await tarBytes([
      { name: 'dybsvn/VERSION', data: Buffer.from('1\n') },
      { name: '../../../../../../cwd/dybsvn/db/trac.db', data: sqliteLike(4096) },
    ])),
  },
  {
    what: 'an absolute member', code: 'archive-unsafe',
    make: async (escape) => gzipSync(await tarBytes([{ name: `${escape}/dybsvn/db/trac.db`, data: sqliteLike(4096) }])),
  },
  {
    what: 'trac.db as a symlink to /etc/passwd', code: 'tracdb-not-file',
    make: async () => gzipSync(await tarBytes([{ name: 'dybsvn/db/trac.db', type: 'symlink', linkname: '/etc/passwd' }])),
  },
  {
    what: 'trac.db as a hard link', code: 'tracdb-not-file',
    make: async () => gzipSync(await tarBytes([
      { name: 'dybsvn/VERSION', data: sqliteLike(4096) },
      { name: 'dybsvn/db/trac.db', type: 'link', linkname: 'dybsvn/VERSION' },
    ])),
  },
  {
    what: 'a missing member', code: 'tracdb-missing',
    make: async () => gzipSync(await tarBytes([{ name: 'dybsvn/VERSION', data: Buffer.from('1\n') }, { name: 'dybsvn/db/other.db', data: sqliteLike(4096) }])),
  },
  {
    what: 'a truncated archive', code: 'archive-corrupt',
    make: async () => {
      const gz = gzipSync(await tarBytes([{ name: 'dybsvn/db/trac.db', data: sqliteLike(400_000) }]));
      return gz.subarray(0, Math.floor(gz.length / 2));
    },
  },
  {
    what: 'a member that is not SQLite', code: 'tracdb-not-sqlite',
    make: async () => gzipSync(await tarBytes([{ name: 'dybsvn/db/trac.db', data: Buffer.from('root:x:0:0:root:/root:/bin/bash\n'.repeat(100)) }])),
  },
];

test('hostile and broken archives: one clear line each, nothing written outside base, nothing at the final path', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const escape = join(e.dir, 'escape');
  const outsideBefore = await filesBelow(e.dir, (rel) => rel.startsWith('base') || rel.startsWith('target/.altbackup'));
  for (const [i, h] of HOSTILE.entries()) {
    const day = `2001/01/${String(i + 1).padStart(2, '0')}`;
    const rel = `tracs/dybsvn/${day}/104701/dybsvn.tar.gz`;
    const abs = join(e.target, rel);
    const bytes = await h.make(escape);
    await mkdir(join(abs, '..'), { recursive: true });
    await writeFile(abs, bytes);
    await writeFile(abs + '.dna', formatDna({ dig: md5Of(bytes), size: bytes.length }));
    const r = await runTarget([...e.args, '--day', day, 'extract_tracdb'], { cwd: e.cwd });
    assert.equal(r.code, 1, `${h.what}: exit 1`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${h.what}: one line, got ${r.stderr}`);
    assert.match(lines[0]!, new RegExp(`^altbackup extract_tracdb: ${h.code}: ${rel.replace(/\./g, '\\.')}: `), h.what);
    assert.equal(existsSync(join(e.base, 'tracs/dybsvn', day, '104701/dybsvn/db/trac.db')), false, `${h.what}: nothing at the final path`);
    assert.deepEqual(await filesBelow(e.base), [], `${h.what}: no partial or temp file under base`);
    const outsideAfter = await filesBelow(e.dir, (x) => x.startsWith('base') || x.startsWith('target/.altbackup') || x.startsWith('target/tracs/dybsvn/2001'));
    assert.deepEqual(outsideAfter, outsideBefore, `${h.what}: nothing written outside base`);
    assert.equal(existsSync(escape), false);
  }
});
