/**
 * examine_tracdb through the real CLI (SPEC section 6): the same answer as
 * the SPEC query in the sqlite3 CLI, empty slaves and out-of-window builds
 * left out, stale slaves marked, and the database left byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5OfFile, tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { bittenRowsFor, expectedExamine, makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

const DAY = 86_400;
const WINDOWS = [30, 60];
const STALE = 7;

/** A seed whose builds lie well clear of every window and stale limit, so the seconds between runs cannot matter. */
function quietSeed(day: string, now: Date): number {
  const t = Math.floor(now.getTime() / 1000);
  const limits = [...WINDOWS.map((w) => t - w * DAY), t - STALE * DAY];
  for (let seed = 1; seed < 1000; seed++) {
    const rows = bittenRowsFor(day, now, seed);
    if (rows.every((r) => limits.every((l) => Math.abs(r.rev_time - l) > 900 && Math.abs(r.started - l) > 900))) return seed;
  }
  throw new Error('no quiet seed');
}

function sqliteAnswer(db: string, windowDays: number): string[] {
  const sql = `SELECT slave, max(id), max(rev), datetime(max(rev_time), 'unixepoch'), datetime(max(started), 'unixepoch'), max(started)
    FROM bitten_build WHERE rev_time >= strftime('%s', 'now') - ${windowDays} * 86400 AND slave != ''
    GROUP BY slave ORDER BY max(started), slave`;
  return execFileSync('sqlite3', ['-readonly', '-separator', '|', db, sql], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '');
}

async function fingerprint(file: string): Promise<{ md5: string; mtimeMs: number; size: number }> {
  const st = await stat(file);
  return { md5: md5OfFile(file), mtimeMs: st.mtimeMs, size: st.size };
}

interface Env {
  dir: string;
  args: string[];
  base: string;
  manifest: SampleManifest;
  day: string;
  db: string;
  now: Date;
}

async function setup(): Promise<Env> {
  const dir = tempDir('examine-tracdb');
  const target = join(dir, 'target');
  const base = join(dir, 'base');
  const now = new Date();
  const end = new Date(now.getTime()).toISOString().slice(0, 10).replace(/-/g, '/');
  const seed = quietSeed(end, now);
  const manifest = await makeSampleTree({ root: target, days: 1, bulk: 1024, seed, now, pending: false });
  const day = manifest.days[0]!;
  const args = ['--target', target, '--base', base];
  const r = await runTarget([...args, '--day', day, 'extract_tracdb']);
  assert.equal(r.code, 0, r.stderr);
  return { dir, args, base, manifest, day, db: join(base, 'tracs/dybsvn', day, '104701/dybsvn/db/trac.db'), now };
}

test('examine_tracdb answers exactly what the SPEC query gives in sqlite3, and leaves the db untouched', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const rows = e.manifest.bitten[e.day]!;
  assert.ok(rows.some((r) => r.slave === ''), 'the sample has builds without a slave');
  assert.ok(rows.some((r) => r.slave === 'cms01'), 'the sample has a slave active only before the 30-day window');
  const before = await fingerprint(e.db);

  for (const windowDays of WINDOWS) {
    const json = await runTarget([...e.args, '--day', e.day, '--window-days', String(windowDays), '--stale-days', String(STALE), '--json', 'examine_tracdb']);
    assert.equal(json.code, 0, json.stderr);
    const [report] = JSON.parse(json.stdout) as { file: string; slaves: { slave: string; id: number; rev: string; rev_time: number; started: number; rev_time_utc: string; started_utc: string; stale: boolean }[] }[];
    assert.equal(report!.file, e.db);
    const text = await runTarget([...e.args, '--day', e.day, '--window-days', String(windowDays), 'examine_tracdb']);
    assert.equal(text.code, 0, text.stderr);

    const expected = sqliteAnswer(e.db, windowDays);
    assert.ok(expected.length >= 3, `sqlite3 found slaves: ${expected.join(', ')}`);
    assert.deepEqual(report!.slaves.map((s) => `${s.slave}|${s.id}|${s.rev}|${s.rev_time_utc}|${s.started_utc}|${s.started}`), expected, `window ${windowDays}: same as sqlite3`);
    assert.deepEqual(report!.slaves.map((s) => ({ slave: s.slave, id: s.id, rev: s.rev, rev_time: s.rev_time, started: s.started })),
      expectedExamine(rows, e.now, windowDays), 'same as the generator says');
    assert.ok(!report!.slaves.some((s) => s.slave === ''), 'no empty slave');
    assert.equal(report!.slaves.some((s) => s.slave === 'cms01'), windowDays === 60, 'cms01 only in the wider window');

    const staleLimit = Math.floor(Date.now() / 1000) - STALE * DAY;
    for (const s of report!.slaves) assert.equal(s.stale, s.started < staleLimit, `${s.slave} stale mark`);
    assert.ok(report!.slaves.some((s) => s.stale) && report!.slaves.some((s) => !s.stale), 'both kinds present');

    const lines = text.stdout.trimEnd().split('\n');
    const header = lines.findIndex((l) => l.startsWith('slave '));
    assert.ok(header > 0, text.stdout);
    const body = lines.slice(header + 1).map((l) => l.split(/ {2,}/));
    assert.deepEqual(body.map((c) => c[0]), report!.slaves.map((s) => s.slave), 'table in the same order');
    for (const [i, s] of report!.slaves.entries()) {
      assert.deepEqual(body[i]!.slice(1, 5).map((c) => c.trim()), [String(s.id), s.rev, s.rev_time_utc, s.started_utc]);
      assert.equal(body[i]![5] === 'STALE', s.stale);
    }
  }
  assert.deepEqual(await fingerprint(e.db), before, 'md5, size and mtime unchanged');
  assert.deepEqual(await readdir(join(e.db, '..')), ['trac.db'], 'no -wal, -shm or journal left');
});

test('a WAL-mode trac.db is read without leaving -wal/-shm files or changing it', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const walDb = join(e.base, 'tracs/dybsvn/2001/01/01/104701/dybsvn/db/trac.db');
  await mkdir(join(walDb, '..'), { recursive: true });
  await copyFile(e.db, walDb);
  execFileSync('sqlite3', [walDb, 'PRAGMA journal_mode=WAL;'], { encoding: 'utf8' });
  assert.deepEqual(await readdir(join(walDb, '..')), ['trac.db']);
  const before = await fingerprint(walDb);
  const r = await runTarget([...e.args, '--day', '2001/01/01', '--json', 'examine_tracdb']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { slaves: unknown[] }[])[0]!.slaves.length, sqliteAnswer(e.db, 30).length);
  assert.deepEqual(await fingerprint(walDb), before);
  assert.deepEqual(await readdir(join(walDb, '..')), ['trac.db']);
});

test('not SQLite, no bitten_build, or nothing extracted: one clear line naming the file, exit 1', async (t) => {
  const e = await setup();
  t.after(() => rm(e.dir, { recursive: true, force: true }));
  const place = async (day: string) => {
    const f = join(e.base, 'tracs/dybsvn', day, '104701/dybsvn/db/trac.db');
    await mkdir(join(f, '..'), { recursive: true });
    return f;
  };
  const junk = await place('2001/01/02');
  await writeFile(junk, 'this is not a database\n'.repeat(50));
  const bad = await runTarget([...e.args, '--day', '2001/01/02', 'examine_tracdb']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim(), `altbackup examine_tracdb: tracdb-not-sqlite: ${junk} is not an SQLite database: run extract_tracdb again for that day`);

  const plain = await place('2001/01/03');
  execFileSync('sqlite3', [plain, 'CREATE TABLE ticket (id integer primary key);'], { encoding: 'utf8' });
  const noBitten = await runTarget([...e.args, '--day', '2001/01/03', 'examine_tracdb']);
  assert.equal(noBitten.code, 1);
  assert.equal(noBitten.stderr.trim(), `altbackup examine_tracdb: tracdb-no-bitten: ${plain} has no bitten_build table: not a Trac database with Bitten`);

  const none = await runTarget([...e.args, '--day', '2001/01/04', 'examine_tracdb']);
  assert.equal(none.code, 1);
  assert.match(none.stderr.trim(), /^altbackup examine_tracdb: not-extracted: no extracted trac\.db for tracs\/dybsvn on 2001\/01\/04 under .*: run `altbackup extract_tracdb --day 2001\/01\/04` first$/);
});
