import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VerificationState } from '../target/verification.js';
import { decideRetention, formatRetentionTable, groupBySubfold, type RetentionEntry } from './retention.js';

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
