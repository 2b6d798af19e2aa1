import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { bittenRowsFor, expectedExamine } from './bitten.js';
import { dnaText } from './dna.js';
import { md5Of } from '@altbackup/shared/testing';
import { tarCat, tarList, tmp } from './testTools.js';
import { FIRST_REVISIONS, makeSampleTree, type SampleManifest } from './tree.js';
import { TRACDB_MEMBER } from './tracEnv.js';

const NOW = new Date('2024-03-10T12:00:00Z');
const END = '2024/03/10';

const abs = (m: SampleManifest, rel: string) => path.join(m.root, ...rel.split('/'));

/** The examine_tracdb query of SPEC 6, in SQL, to cross-check expectedExamine. */
function examineSql(dbFile: string, now: Date, windowDays = 30) {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT slave, max(id) AS id, max(rev) AS rev, max(rev_time) AS rev_time, max(started) AS started
         FROM bitten_build WHERE rev_time >= ? AND slave != ''
         GROUP BY slave ORDER BY max(started), slave`,
      )
      .all(Math.floor(now.getTime() / 1000) - windowDays * 86400);
  } finally {
    db.close();
  }
}

describe('makeSampleTree', () => {
  let m: SampleManifest;
  before(async () => {
    m = await makeSampleTree({ root: path.join(await tmp(), 'src'), days: 3, seed: 1, end: END, now: NOW });
  });

  test('manifest: 3 days, 5 tarballs a day, layout paths', () => {
    assert.deepEqual(m.days, ['2024/03/08', '2024/03/09', '2024/03/10']);
    assert.equal(m.tarballs.length, 15);
    const re = /^([^/]+)\/([^/]+)\/(\d{4}\/\d{2}\/\d{2})\/(\d{6})\/([^/]+\.tar\.gz)$/;
    for (const t of m.tarballs) {
      const g = re.exec(t.path);
      assert.ok(g, t.path);
      assert.deepEqual(g.slice(1), [t.catfold, t.subfold, t.day, t.time, t.name]);
    }
    for (const day of m.days) {
      const names = m.tarballs.filter((t) => t.day === day).map((t) => `${t.catfold}/${t.subfold}/${t.name.replace(/-\d+/, '-N')}`);
      assert.deepEqual(names.sort(), [
        'folders/svnsetup/svnsetup.tar.gz',
        'reposLOCKED/env/env.tar.gz',
        'svn/dybaux/dybaux-N.tar.gz',
        'svn/dybsvn/dybsvn-N.tar.gz',
        'tracs/dybsvn/dybsvn.tar.gz',
      ]);
    }
    const revs = m.tarballs.filter((t) => t.subfold === 'dybsvn' && t.catfold === 'svn').map((t) => Number(/-(\d+)\./.exec(t.name)![1]));
    assert.equal(revs[0], FIRST_REVISIONS.dybsvn);
    assert.ok(revs[1]! > revs[0]! && revs[2]! > revs[1]!);
  });

  test('files match the manifest; sidecars; mtimes', async () => {
    for (const t of m.tarballs) {
      const file = abs(m, t.path);
      const buf = await readFile(file);
      assert.equal(buf.length, t.size, t.path);
      assert.equal(md5Of(buf), t.md5, t.path);
      // Deterministic gzip header: magic, deflate, no flags, mtime 0.
      assert.deepEqual([...buf.subarray(0, 8)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
      const st = await stat(file);
      const runStart = Date.parse(`${t.day.replaceAll('/', '-')}T10:47:01Z`);
      assert.ok(st.mtimeMs > runStart && st.mtimeMs < runStart + 30 * 60_000, `${t.path} mtime`);
      if (t.pending) {
        await assert.rejects(stat(`${file}.dna`), { code: 'ENOENT' });
        assert.equal(t.dnaForm, null);
      } else {
        const dna = await readFile(`${file}.dna`, 'utf8');
        assert.equal(dna, dnaText(t.md5, t.size, t.dnaForm!));
        assert.ok((await stat(`${file}.dna`)).mtimeMs >= st.mtimeMs);
      }
    }
  });

  test('only the newest Trac tarball is pending; L and dq sidecars exist', () => {
    const pending = m.tarballs.filter((t) => t.pending);
    assert.deepEqual(pending.map((t) => t.path), ['tracs/dybsvn/2024/03/10/104701/dybsvn.tar.gz']);
    const forms = m.tarballs.map((t) => t.dnaForm);
    assert.equal(forms.filter((f) => f === 'dq').length, 1);
    const l = forms.filter((f) => f === 'L').length;
    assert.ok(l >= 3 && l <= 6, `L count ${l}`);
  });

  test('off-layout files exist', async () => {
    assert.deepEqual(m.offLayout, ['README.txt', 'svn/dybsvn/notes.txt']);
    for (const f of m.offLayout) assert.ok((await stat(abs(m, f))).isFile());
  });

  test('tar -tzf lists the members of each kind', async () => {
    const trac = m.tarballs.find((t) => t.catfold === 'tracs')!;
    const members = await tarList(abs(m, trac.path));
    for (const want of [
      'dybsvn/VERSION',
      'dybsvn/conf/trac.ini',
      'dybsvn/attachments/ticket/1/notes.txt',
      'dybsvn/bulk/blob.bin',
      TRACDB_MEMBER,
    ]) {
      assert.ok(members.includes(want), want);
    }
    assert.equal(members.filter((x) => x.endsWith('trac.db')).length, 1);
    const svn = m.tarballs.find((t) => t.catfold === 'svn' && t.subfold === 'dybsvn')!;
    const svnMembers = await tarList(abs(m, svn.path));
    const top = svn.name.replace('.tar.gz', '');
    for (const want of ['format', 'db/current', 'db/uuid', `db/revs/0/${top.split('-')[1]}`]) assert.ok(svnMembers.includes(`${top}/${want}`), want);
    assert.ok(svnMembers.every((x) => x.startsWith(`${top}/`)));
    for (const t of m.tarballs) assert.ok((await tarList(abs(m, t.path))).length > 0, t.path);
  });

  test('bulk is the requested size and incompressible', async () => {
    const trac = m.tarballs.find((t) => t.catfold === 'tracs')!;
    const blob = await tarCat(abs(m, trac.path), 'dybsvn/bulk/blob.bin');
    assert.equal(blob.length, 256 * 1024);
    assert.ok(trac.size > blob.length, 'gzip did not shrink the bulk');
  });

  test('trac.db is a real SQLite db with the manifest rows, growing by day', async () => {
    assert.equal(m.tracdb.length, 3);
    let prev = 0;
    for (const t of m.tracdb) {
      assert.equal(t.member, TRACDB_MEMBER);
      const bytes = await tarCat(abs(m, t.path), t.member);
      assert.equal(bytes.length, t.size);
      assert.equal(md5Of(bytes), t.md5);
      assert.equal(bytes.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
      const dir = await tmp();
      const file = path.join(dir, 'trac.db');
      await writeFile(file, bytes);
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare('SELECT * FROM bitten_build ORDER BY id').all();
        assert.deepEqual(rows, m.bitten[t.day]);
        assert.deepEqual(rows, bittenRowsFor(t.day, NOW, 1));
        assert.ok(rows.length > prev, `${t.day}: ${rows.length} rows after ${prev}`);
        prev = rows.length;
        const v = db.prepare("SELECT value FROM system WHERE name = 'database_version'").get() as { value: string };
        assert.equal(v.value, '21');
      } finally {
        db.close();
      }
      assert.deepEqual(examineSql(file, NOW), expectedExamine(m.bitten[t.day]!, NOW));
    }
  });

  test('same seed gives byte-identical files; another seed different ones', async () => {
    const again = await makeSampleTree({ root: await tmp(), days: 3, seed: '1', end: END, now: NOW });
    assert.deepEqual(again.tarballs.map((t) => [t.path, t.md5, t.size]), m.tarballs.map((t) => [t.path, t.md5, t.size]));
    assert.deepEqual(again.tracdb.map((t) => t.md5), m.tracdb.map((t) => t.md5));
    for (const t of m.tarballs.filter((x) => !x.pending)) {
      assert.deepEqual(await readFile(abs(again, t.path) + '.dna'), await readFile(abs(m, t.path) + '.dna'));
    }
    const other = await makeSampleTree({ root: await tmp(), days: 3, seed: 2, end: END, now: NOW });
    const mine = new Set(m.tarballs.map((t) => t.md5));
    for (const t of other.tarballs) assert.ok(!mine.has(t.md5), `${t.path} differs with seed 2`);
    assert.notDeepEqual(other.tracdb.map((t) => t.md5), m.tracdb.map((t) => t.md5));
  });
});

describe('makeSampleTree options', () => {
  test('pending:false writes every sidecar; rerun with pending removes the stale one', async () => {
    const root = await tmp();
    const a = await makeSampleTree({ root, days: 1, bulk: 1000, end: END, now: NOW, pending: false });
    assert.equal(a.tarballs.length, 5);
    assert.ok(a.tarballs.every((t) => !t.pending));
    const trac = path.join(root, ...a.tarballs.find((t) => t.catfold === 'tracs')!.path.split('/'));
    await stat(`${trac}.dna`);
    const b = await makeSampleTree({ root, days: 1, bulk: 1000, end: END, now: NOW });
    assert.equal(b.tarballs.filter((t) => t.pending).length, 1);
    await assert.rejects(stat(`${trac}.dna`), { code: 'ENOENT' });
    // Each kind of sidecar form shows up even with a single day.
    assert.ok(b.tarballs.some((t) => t.dnaForm === 'L'));
    assert.ok(b.tarballs.some((t) => t.dnaForm === 'dq'));
  });

  test('gzipLevel 0 stores the bulk uncompressed but still deterministically', async () => {
    const opts = { days: 1, bulk: 100_000, end: END, now: NOW, gzipLevel: 0 };
    const a = await makeSampleTree({ root: await tmp(), ...opts });
    const b = await makeSampleTree({ root: await tmp(), ...opts });
    assert.deepEqual(a.tarballs.map((t) => t.md5), b.tarballs.map((t) => t.md5));
    const trac = a.tarballs.find((t) => t.catfold === 'tracs')!;
    assert.ok((await tarList(abs(a, trac.path))).includes(TRACDB_MEMBER));
  });

  test('end defaults to the UTC day of now; bulk 0 works', async () => {
    const m = await makeSampleTree({ root: await tmp(), days: 2, bulk: 0, now: new Date('2024-01-01T00:30:00Z') });
    assert.deepEqual(m.days, ['2023/12/31', '2024/01/01']);
  });

  test('bad options are rejected before anything is written', async () => {
    const root = path.join(await tmp(), 'never');
    await assert.rejects(makeSampleTree({ root, days: 0 }), RangeError);
    await assert.rejects(makeSampleTree({ root, days: 1.5 }), RangeError);
    await assert.rejects(makeSampleTree({ root, bulk: -1 }), RangeError);
    await assert.rejects(makeSampleTree({ root, end: '2024/13/01' }), /bad end/);
    await assert.rejects(makeSampleTree({ root, now: new Date('nope') }), RangeError);
    await assert.rejects(makeSampleTree({ root, gzipLevel: 10 }), RangeError);
    await assert.rejects(stat(root), { code: 'ENOENT' });
  });
});
