import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bittenRowsFor, expectedExamine } from './bitten.js';

const NOW = new Date('2024-03-10T12:00:00Z');
const END = '2024/03/10';

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
