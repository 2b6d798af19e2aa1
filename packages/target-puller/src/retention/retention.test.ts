import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VerificationState } from '../target/verification.js';
import { decideRetention, formatRetentionTable, groupBySubfold, isoWeekOf, type RetentionDecision, type RetentionEntry } from './retention.js';

function entries(spec: string): RetentionEntry[] {
  // One letter per day, oldest first: v verified, u unverified, p in progress.
  const states: Record<string, VerificationState> = { v: 'verified', u: 'unverified', p: 'in-progress' };
  return [...spec].map((c, i) => ({ path: `svn/dybsvn/2024/01/${String(i + 1).padStart(2, '0')}/104701/dybsvn-${i}.tar.gz`, state: states[c]! }));
}

function marks(spec: string, keep: number): string {
  return decideRetention(entries(spec), keep).map((d) => (d.delete ? 'D' : '.')).join('');
}

test('keeps the newest keep verified, deletes older verified', () => {
  assert.equal(marks('vvvvvvv', 3), 'DDDD...');
  assert.equal(marks('vvv', 3), '...');
  assert.equal(marks('vv', 3), '..');
  assert.equal(marks('', 3), '');
  assert.equal(marks('vvvv', 1), 'DDD.');
});

test('newest unverified tarballs keep older verified ones', () => {
  assert.equal(marks('vvvvuuu', 3), 'D......');
  assert.equal(marks('vvvvvvp', 3), 'DDD....');
  assert.equal(marks('vvuuu', 3), '.....');
});

test('unverified and in-progress go only when older than every kept copy', () => {
  assert.equal(marks('uvpvuvv', 3), 'DDD....');
  assert.equal(marks('upvvv', 3), 'DD...');
  assert.equal(marks('upvv', 3), '....');
  assert.equal(marks('vuvvv', 3), 'DD...');
  assert.equal(marks('vvuvpv', 2), 'DDD...');
});

test('a tarball is never deleted while fewer than keep verified newer ones exist (exhaustive)', () => {
  const letters = ['v', 'u', 'p'];
  for (let n = 0; n <= 7; n++) {
    for (let code = 0; code < 3 ** n; code++) {
      let spec = '';
      for (let k = 0, c = code; k < n; k++, c = Math.floor(c / 3)) spec += letters[c % 3];
      for (const keep of [1, 2, 3]) {
        const ds = decideRetention(entries(spec), keep);
        const verified = ds.filter((d) => d.entry.state === 'verified');
        const kept = verified.filter((d) => !d.delete);
        assert.equal(kept.length, Math.min(keep, verified.length), `${spec} keep ${keep}`);
        for (const d of ds) {
          const newerVerified = ds.filter((o) => o.index > d.index && o.entry.state === 'verified').length;
          assert.equal(d.delete, newerVerified >= keep, `${spec} keep ${keep} index ${d.index}`);
        }
      }
    }
  }
});

test('decisions are in path order whatever the input order, with their index', () => {
  const es = entries('vvvv').reverse();
  const ds = decideRetention(es, 2);
  assert.deepEqual(ds.map((d) => d.index), [0, 1, 2, 3]);
  assert.deepEqual(ds.map((d) => d.entry.path), [...es].map((e) => e.path).sort());
  assert.deepEqual(ds.map((d) => d.delete), [true, true, false, false]);
});

test('keep must be a whole number >= 1', () => {
  assert.throws(() => decideRetention([], 0), RangeError);
  assert.throws(() => decideRetention([], 1.5), RangeError);
});

test('groupBySubfold groups on <catfold>/<subfold>, keys sorted', () => {
  const g = groupBySubfold([
    { path: 'tracs/dybsvn/2024/01/01/104701/dybsvn.tar.gz', catfold: 'tracs', subfold: 'dybsvn', state: 'verified' as const },
    { path: 'svn/dybsvn/2024/01/01/104701/dybsvn-1.tar.gz', catfold: 'svn', subfold: 'dybsvn', state: 'verified' as const },
    { path: 'svn/dybsvn/2024/01/02/104701/dybsvn-2.tar.gz', catfold: 'svn', subfold: 'dybsvn', state: 'verified' as const },
  ]);
  assert.deepEqual([...g.keys()], ['svn/dybsvn', 'tracs/dybsvn']);
  assert.equal(g.get('svn/dybsvn')!.length, 2);
});

test('the table says why a tarball is not verified', () => {
  const [e] = entries('u');
  const text = formatRetentionTable('svn/dybsvn', 3, decideRetention([{ ...e!, why: 'no sidecar' }], 3));
  assert.match(text, /^  0   svn\/dybsvn\/2024\/01\/01\/104701\/dybsvn-0\.tar\.gz  \(unverified: no sidecar\)$/m);
});

test('the table marks what goes with D and names non-verified states', () => {
  const text = formatRetentionTable('svn/dybsvn', 2, decideRetention(entries('vvvu'), 2));
  assert.equal(text, [
    'svn/dybsvn: keep 2 verified, 1 of 4 to delete',
    '  0 D svn/dybsvn/2024/01/01/104701/dybsvn-0.tar.gz',
    '  1   svn/dybsvn/2024/01/02/104701/dybsvn-1.tar.gz',
    '  2   svn/dybsvn/2024/01/03/104701/dybsvn-2.tar.gz',
    '  3   svn/dybsvn/2024/01/04/104701/dybsvn-3.tar.gz  (unverified)',
    '',
  ].join('\n'));
});

describe('calendar retention (keep_daily, keep_weekly, keep_monthly)', () => {
  /** One verified copy a day from `from` for `n` days (UTC calendar), paths on the layout. */
  function days(from: string, n: number): RetentionEntry[] {
    const [y, m, d] = from.split('-').map(Number) as [number, number, number];
    return Array.from({ length: n }, (_, i) => {
      const t = new Date(Date.UTC(y, m - 1, d + i));
      const day = t.toISOString().slice(0, 10).replace(/-/g, '/');
      return { path: `svn/dybsvn/${day}/104701/dybsvn-${i}.tar.gz`, state: 'verified' as const };
    });
  }
  const kept = (ds: RetentionDecision[]) => ds.filter((d) => !d.delete).map((d) => d.entry.path.slice(11, 21));

  it('daily keeps the newest copy of each of the last N days that have one', () => {
    const es = [...days('2024-01-01', 5), { path: 'svn/dybsvn/2024/01/05/230000/dybsvn-late.tar.gz', state: 'verified' as const }];
    const ds = decideRetention(es, { keep: 1, daily: 3, weekly: 0, monthly: 0 });
    assert.deepEqual(kept(ds), ['2024/01/03', '2024/01/04', '2024/01/05']);
    assert.deepEqual(ds.find((d) => d.entry.path.includes('late'))!.keptBy, ['newest', 'daily']);
    assert.deepEqual(ds.find((d) => d.entry.path.includes('dybsvn-4.'))!.delete, true, 'an older copy of the same day');
  });

  it('weekly uses ISO weeks, across a year end (2020-W53 holds 2021-01-01..03)', () => {
    assert.equal(isoWeekOf('2021/01/03'), '2020-W53');
    assert.equal(isoWeekOf('2021/01/04'), '2021-W01');
    assert.equal(isoWeekOf('2024/12/30'), '2025-W01');
    const ds = decideRetention(days('2020-12-21', 21), { keep: 1, daily: 0, weekly: 3, monthly: 0 });
    // Sundays end ISO weeks: 2020/12/27 (W52), 2021/01/03 (W53), 2021/01/10 (W01 newest = 01/10).
    assert.deepEqual(kept(ds), ['2020/12/27', '2021/01/03', '2021/01/10']);
  });

  it('monthly keeps the newest of each of the last N months, across a year end', () => {
    const ds = decideRetention(days('2023-11-20', 60), { keep: 1, daily: 0, weekly: 0, monthly: 3 });
    assert.deepEqual(kept(ds), ['2023/11/30', '2023/12/31', '2024/01/18']);
  });

  it('a daylight-saving change moves nothing: buckets are the folder dates', () => {
    // Europe/Berlin and US clocks change on 2024-03-31 and 2024-03-10: week and day buckets stay calendar days.
    const ds = decideRetention(days('2024-03-04', 28), { keep: 1, daily: 2, weekly: 4, monthly: 0 });
    assert.deepEqual(kept(ds), ['2024/03/10', '2024/03/17', '2024/03/24', '2024/03/30', '2024/03/31']);
  });

  it('a copy is kept when any rule keeps it; copies that do not count never fill a rule', () => {
    const es = days('2024-01-01', 10).map((e, i) => (i >= 7 ? { ...e, state: 'suspicious' as const } : e));
    const ds = decideRetention(es, { keep: 2, daily: 3, weekly: 0, monthly: 0 });
    // The 3 newest are suspicious: the daily rule reaches back over them to the good copies of days 5-7.
    assert.deepEqual(kept(ds), ['2024/01/05', '2024/01/06', '2024/01/07', '2024/01/08', '2024/01/09', '2024/01/10']);
    assert.deepEqual(ds.filter((d) => d.entry.state === 'suspicious').map((d) => d.delete), [false, false, false]);
  });

  it('the table names the rules that keep each copy only when calendar rules are on', () => {
    const ds = decideRetention(days('2024-01-01', 3), { keep: 1, daily: 2, weekly: 0, monthly: 0 });
    const text = formatRetentionTable('svn/dybsvn', { keep: 1, daily: 2, weekly: 0, monthly: 0 }, ds);
    assert.match(text, /^svn\/dybsvn: keep 1 verified, daily 2, weekly 0, monthly 0, 1 of 3 to delete$/m);
    assert.match(text, /2024\/01\/03\/104701\/dybsvn-2\.tar\.gz  \[kept: newest 1, daily\]$/m);
    assert.doesNotMatch(formatRetentionTable('svn/dybsvn', 1, decideRetention(days('2024-01-01', 3), 1)), /kept:/);
  });
});

test('the newest restore-proven copy is never deleted, whatever else holds', () => {
  const es = entries('vvvvv').map((e, i) => (i === 1 ? { ...e, pinned: true } : e));
  const ds = decideRetention(es, 2);
  assert.equal(ds.map((d) => (d.delete ? 'D' : '.')).join(''), 'D.D..');
  assert.deepEqual(ds[1]!.keptBy, ['proven']);
  assert.match(formatRetentionTable('svn/dybsvn', 2, ds), /dybsvn-1\.tar\.gz  \[kept: newest restore-proven\]$/m);
});
