import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { md5Of, tempDir } from '@altbackup/shared/testing';
import {
  bittenRowsFor,
  dayNumber,
  dayString,
  dnaText,
  expectedExamine,
  makeSampleTree,
  mulberry32,
  parseSize,
  seedFrom,
  TRACDB_MEMBER,
  type SampleManifest,
} from './sampleTree.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('./sampleCli.js', import.meta.url));
const NOW = new Date('2024-03-10T12:00:00Z');
const END = '2024/03/10';

const tmpDirs: string[] = [];
async function tmp(): Promise<string> {
  const d = tempDir('sampletree-test');
  tmpDirs.push(d);
  return d;
}
after(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const abs = (m: SampleManifest, rel: string) => path.join(m.root, ...rel.split('/'));

async function tarList(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', file]);
  return stdout.split('\n').filter(Boolean);
}
async function tarCat(file: string, member: string): Promise<Buffer> {
  const { stdout } = await run('tar', ['-xzOf', file, member], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return stdout;
}

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

describe('PRNG and days', () => {
  test('mulberry32 is deterministic, in [0,1), and seed dependent', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notEqual(mulberry32(43)(), mulberry32(42)());
    assert.ok(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5) < 0.05);
  });

  test('seedFrom hashes parts; numbers and strings alike', () => {
    assert.equal(seedFrom(1, 'x'), seedFrom('1', 'x'));
    assert.notEqual(seedFrom(1, 'x'), seedFrom(2, 'x'));
    assert.ok(Number.isInteger(seedFrom('a')) && seedFrom('a') >= 0);
  });

  test('day strings round-trip and reject impossible dates', () => {
    assert.equal(dayString(dayNumber('2024/02/29')), '2024/02/29');
    assert.equal(dayNumber('1970/01/02'), 1);
    assert.throws(() => dayNumber('2023/02/29'), /no such date/);
    assert.throws(() => dayNumber('2024-02-01'), /YYYY\/MM\/DD/);
  });

  test('parseSize', () => {
    assert.equal(parseSize('1234'), 1234);
    assert.equal(parseSize('256K'), 262144);
    assert.equal(parseSize('2m'), 2 * 1024 * 1024);
    assert.equal(parseSize('1GiB'), 1024 ** 3);
    assert.throws(() => parseSize('1.5M'));
    assert.throws(() => parseSize('-1'));
  });

  test('dnaText forms', () => {
    const dig = '1f3870be274f6c49b3e31a0c6728957f';
    assert.equal(dnaText(dig, 1531229474), `{'dig': '${dig}', 'size': 1531229474}\n`);
    assert.equal(dnaText(dig, 1531229474).length, 64); // SPEC 2: 64 bytes for a 10-digit size
    assert.equal(dnaText(dig, 5, 'L'), `{'dig': '${dig}', 'size': 5L}\n`);
    assert.equal(dnaText(dig, 5, 'dq'), `{"size": 5, "dig": "${dig}"}`);
  });
});

describe('bittenRowsFor', () => {
  const nowSec = NOW.getTime() / 1000;
  const rows = bittenRowsFor(END, NOW, 1);

  test('is pure', () => {
    assert.deepEqual(bittenRowsFor(END, new Date(NOW), '1'), rows);
    assert.notDeepEqual(bittenRowsFor(END, NOW, 2), rows);
  });

  test('has ~5 slaves, empty slaves, all statuses, sorted unique ids', () => {
    const slaves = new Set(rows.map((r) => r.slave));
    for (const s of ['farm1', 'pdsf', 'belle7', 'cms01', 'daya0001', '']) assert.ok(slaves.has(s), `slave '${s}'`);
    for (const st of ['P', 'I', 'S', 'F']) assert.ok(rows.some((r) => r.status === st), `status ${st}`);
    const ids = rows.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
    for (const r of rows) {
      if (r.slave === '') assert.deepEqual([r.status, r.started, r.stopped], ['P', 0, 0]);
      if (r.status === 'I') assert.equal(r.stopped, 0);
      if (r.status === 'S' || r.status === 'F') assert.ok(r.stopped > r.started && r.started > 0);
      assert.match(r.rev, /^\d{5}$/);
    }
  });

  test('times relative to now: recent, old, stale and gone slaves', () => {
    const lastStart = (s: string) => Math.max(...rows.filter((r) => r.slave === s).map((r) => r.started));
    const ageDays = (s: string) => (nowSec - lastStart(s)) / 86400;
    assert.ok(ageDays('farm1') < 1);
    assert.ok(ageDays('pdsf') > 7 && ageDays('pdsf') < 30, `pdsf ${ageDays('pdsf')}`);
    assert.ok(ageDays('cms01') > 30, `cms01 ${ageDays('cms01')}`);
    assert.ok(rows.some((r) => r.rev_time < nowSec - 30 * 86400));
    assert.ok(rows.some((r) => r.rev_time > nowSec - 30 * 86400));
    // Nothing started after the day's 10:47:01 snapshot.
    const snapshot = Date.UTC(2024, 2, 10, 10, 47, 1) / 1000;
    assert.ok(rows.every((r) => r.started < snapshot && r.rev_time < snapshot));
  });

  test('a later day holds the earlier builds (same ids) and a few more', () => {
    const earlier = bittenRowsFor('2024/03/09', NOW, 1);
    assert.ok(rows.length > earlier.length);
    const later = new Map(rows.map((r) => [r.id, r]));
    for (const r of earlier) {
      const l = later.get(r.id);
      assert.ok(l, `id ${r.id} kept`);
      assert.equal(l.slave, r.slave);
      assert.equal(l.started, r.started);
      if (r.status !== 'I') assert.deepEqual(l, r);
    }
  });

  test('expectedExamine drops empty and gone slaves, keeps the stale one', () => {
    const ex = expectedExamine(rows, NOW);
    const slaves = ex.map((e) => e.slave);
    assert.ok(!slaves.includes(''));
    assert.ok(!slaves.includes('cms01'));
    assert.ok(slaves.includes('pdsf'));
    assert.equal(slaves[0], 'pdsf'); // oldest last start first
    assert.deepEqual(
      ex.map((e) => e.started),
      ex.map((e) => e.started).sort((a, b) => a - b),
    );
  });
});

describe('makeSampleTree', () => {
  let m: SampleManifest;
  let ms = 0;
  before(async () => {
    const t0 = performance.now();
    m = await makeSampleTree({ root: path.join(await tmp(), 'src'), days: 3, seed: 1, end: END, now: NOW });
    ms = performance.now() - t0;
  });

  test('is reasonably fast (days=3, default bulk)', () => {
    // The target is < 2 s; the bound is looser so a loaded CI machine does not flake.
    assert.ok(ms < 5000, `${ms.toFixed(0)} ms`);
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
    assert.equal(revs[0], 20550);
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
    assert.ok((await tarList(abs(m, svn.path))).includes(`${svn.name.replace('.tar.gz', '')}/dump.svn`));
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

describe('sampleCli', () => {
  const cli = (args: string[]) =>
    run(process.execPath, [CLI, ...args]).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  test('--help prints usage, exit 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: sampleCli --root DIR/);
    for (const opt of ['--days', '--bulk', '--seed', '--end', '--now', '--no-pending', '--gzip-level', '--json']) assert.ok(r.stdout.includes(opt), opt);
  });

  for (const args of [[], ['--root'], ['--root', 'x', '--days', '0'], ['--root', 'x', '--bulk', 'lots'], ['--root', 'x', '--end', '2024/02/30'], ['--root', 'x', '--what'], ['--root', 'x', '--gzip-level', '12'], ['--root', 'x', 'extra']]) {
    test(`bad args ${JSON.stringify(args)}: one stderr line, exit 2`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^sampleCli: /);
    });
  }

  test('listing: one line per tarball and a summary', async () => {
    const root = await tmp();
    const r = await cli(['--root', root, '--days', '2', '--bulk', '4K', '--seed', 'x', '--end', '2024-03-10', '--now', NOW.toISOString()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 11);
    assert.match(lines[0]!, /^\s*\d+ {2}folders\/svnsetup\/2024\/03\/09\/104701\/svnsetup\.tar\.gz$/);
    assert.match(lines[9]!, /tracs\/dybsvn\/2024\/03\/10\/104701\/dybsvn\.tar\.gz {2}pending$/);
    assert.match(lines[10]!, /^10 tarballs \(1 pending\), \d+ bytes, 2 days 2024\/03\/09\.\.2024\/03\/10/);
  });

  test('--json prints the manifest, same as the library', async () => {
    const root = await tmp();
    const r = await cli(['--root', root, '--days', '1', '--bulk', '1000', '--end', END, '--now', NOW.toISOString(), '--json', '--no-pending']);
    assert.equal(r.code, 0, r.stderr);
    const fromCli = JSON.parse(r.stdout) as SampleManifest;
    const lib = await makeSampleTree({ root: await tmp(), days: 1, bulk: 1000, end: END, now: NOW, pending: false });
    assert.equal(fromCli.root, root);
    assert.deepEqual(fromCli.tarballs, lib.tarballs);
    assert.deepEqual(fromCli.bitten, lib.bitten);
  });
});
