import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EXAMINE_SQL, formatSlaveTable, reportRows, staleBefore, utcDateTime, windowStart } from './examineTracdb.js';

test('utcDateTime prints what sqlite datetime(x, "unixepoch") prints', () => {
  assert.equal(utcDateTime(0), '1970-01-01 00:00:00');
  assert.equal(utcDateTime(1368960422), '2013-05-19 10:47:02');
  assert.equal(utcDateTime(null), '-');
});

test('window and stale limits are whole days before now', () => {
  const w = { now: 1_000_000_000, windowDays: 30, staleDays: 7 };
  assert.equal(windowStart(w), 1_000_000_000 - 30 * 86_400);
  assert.equal(staleBefore(w), 1_000_000_000 - 7 * 86_400);
});

test('a slave is stale when its last start is older than the limit, or it never started', () => {
  const w = { now: 100 * 86_400, windowDays: 30, staleDays: 7 };
  const rows = reportRows([
    { slave: 'old', id: 1, rev: '10', rev_time: 80 * 86_400, started: 93 * 86_400 - 1 },
    { slave: 'edge', id: 2, rev: '11', rev_time: 80 * 86_400, started: 93 * 86_400 },
    { slave: 'never', id: 3, rev: '12', rev_time: 80 * 86_400, started: null },
  ], w);
  assert.deepEqual(rows.map((r) => [r.slave, r.stale]), [['old', true], ['edge', false], ['never', true]]);
  assert.equal(rows[0]!.started_utc, '1970-04-03 23:59:59');
});

test('the table is aligned, numbers right-aligned, STALE in the last column', () => {
  const w = { now: 100 * 86_400, windowDays: 30, staleDays: 7 };
  const text = formatSlaveTable(reportRows([
    { slave: 'pdsf', id: 9, rev: '20514', rev_time: 80 * 86_400, started: 80 * 86_400 },
    { slave: 'daya0001', id: 332532, rev: '20550', rev_time: 99 * 86_400, started: 99 * 86_400 + 3600 },
  ], w));
  assert.equal(text, [
    'slave     last id  last rev  last rev time (UTC)  last started (UTC)   stale',
    'pdsf            9     20514  1970-03-22 00:00:00  1970-03-22 00:00:00  STALE',
    'daya0001   332532     20550  1970-04-10 00:00:00  1970-04-10 01:00:00',
    '',
  ].join('\n'));
});

test('the query: window on rev_time, empty and NULL slaves out, max per slave (rev as text), by last start', () => {
  const db = new Database(':memory:');
  try {
    db.exec(`CREATE TABLE bitten_build (id integer primary key, config text, rev text, rev_time integer, platform integer,
      slave text, started integer, stopped integer, status text)`);
    const ins = db.prepare('INSERT INTO bitten_build (id, rev, rev_time, slave, started) VALUES (?, ?, ?, ?, ?)');
    ins.run(1, '9', 500, 'a', 600);
    ins.run(2, '10', 700, 'a', 800); // '9' > '10' as text: max(rev) stays '9'
    ins.run(3, '11', 900, '', 0);
    ins.run(4, '12', 900, null, 950);
    ins.run(5, '13', 100, 'gone', 1000); // rev_time outside the window
    ins.run(6, '14', 600, 'b', 700);
    assert.deepEqual(db.prepare(EXAMINE_SQL).all(400), [
      { slave: 'b', id: 6, rev: '14', rev_time: 600, started: 700 },
      { slave: 'a', id: 2, rev: '9', rev_time: 700, started: 800 },
    ]);
  } finally {
    db.close();
  }
});
