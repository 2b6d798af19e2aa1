import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogEntry } from './catalog.js';
import { listingJson, listingText, parseListingQuery, selectEntries } from './listing.js';

const ctx = { timezone: 'UTC', now: new Date('2024-01-03T12:00:00Z'), knownCatfolds: ['svn', 'tracs'], acceptsJson: false };

function entry(path: string, state: CatalogEntry['state']): CatalogEntry {
  const [catfold, subfold, y, m, d, time, name] = path.split('/') as string[];
  return {
    path, catfold: catfold!, subfold: subfold!, day: `${y}/${m}/${d}`, time: time!, name: name!,
    size: 1_600_000_000, mtimeMs: Date.UTC(2024, 0, 3, 10, 50), ino: 1, etag: '"1-2-3"', state,
    dna: state === 'complete' ? { dig: 'ab'.repeat(16), size: 1_600_000_000 } : null, problem: state === 'invalid' ? 'x.dna: bad' : null,
  };
}

test('query: days, since, wanted, catfold, format and one-line errors', () => {
  assert.deepEqual(parseListingQuery({}, ctx), { days: ['2024/01/03'], wanted: [], catfolds: null, format: 'text' });
  assert.deepEqual(parseListingQuery({ day: '2024-01-02', wanted: 'dybsvn,svnsetup', catfold: 'svn', format: 'json' }, ctx),
    { days: ['2024/01/02'], wanted: ['dybsvn', 'svnsetup'], catfolds: ['svn'], format: 'json' });
  assert.deepEqual(parseListingQuery({ since: '2' }, { ...ctx, acceptsJson: true }).days, ['2024/01/02', '2024/01/03']);
  assert.equal(parseListingQuery({ day: '-1' }, ctx).days[0], '2024/01/02');
  assert.throws(() => parseListingQuery({ day: '2024/13/01' }, ctx), /^QueryError: day= "2024\/13\/01" is not a calendar date$/);
  assert.throws(() => parseListingQuery({ catfold: 'folders' }, ctx), /unknown catfold "folders": this root has svn, tracs/);
  assert.throws(() => parseListingQuery({ format: 'xml' }, ctx), /format=/);
  assert.throws(() => parseListingQuery({ day: ['a', 'b'] }, ctx), /once/);
  assert.throws(() => parseListingQuery({ token: 'x' }, ctx), /unknown parameter "token"/);
  assert.throws(() => parseListingQuery({ day: '2024/01/01', since: '3' }, ctx), /either/);
});

test('selection and both renderings keep pending and invalid apart', () => {
  const day = [
    entry('svn/dybsvn/2024/01/03/104701/dybsvn-5.tar.gz', 'complete'),
    entry('svn/dybaux/2024/01/03/104701/dybaux-5.tar.gz', 'complete'),
    entry('tracs/dybsvn/2024/01/03/104701/dybsvn.tar.gz', 'pending'),
    entry('tracs/env/2024/01/03/104701/env.tar.gz', 'invalid'),
  ];
  const s = selectEntries((d) => (d === '2024/01/03' ? day : []), { days: ['2024/01/03'], wanted: ['dybsvn', 'env'], catfolds: null });
  assert.deepEqual(s.complete.map((e) => e.name), ['dybsvn-5.tar.gz']);
  assert.deepEqual(s.pending.map((e) => e.name), ['dybsvn.tar.gz']);
  assert.deepEqual(s.invalid.map((e) => e.name), ['env.tar.gz']);
  const json = listingJson(['2024/01/03'], s);
  assert.deepEqual(Object.keys(json.tarballs[0]!), ['path', 'catfold', 'subfold', 'day', 'time', 'name', 'size', 'mtime', 'dna', 'etag']);
  assert.equal(json.tarballs[0]!.mtime, '2024-01-03T10:50:00.000Z');
  assert.equal(json.pending[0]!.dna, null);
  assert.equal(json.invalid[0]!.problem, 'x.dna: bad');
  const text = listingText(['2024/01/03'], s);
  assert.match(text, /^1\.5G {2}2024-01-03 10:50:00 {2}abab\S+ {2}svn\/dybsvn\/2024\/01\/03\/104701\/dybsvn-5\.tar\.gz$/m);
  assert.match(text, /pending \(no sidecar yet\)\s+tracs\/dybsvn\//);
  assert.match(text, /INVALID sidecar\s+tracs\/env\//);
  assert.match(text, /^# 1 complete, 1 pending, 1 invalid; 2024\/01\/03$/m);
  const onlySvn = selectEntries(() => day, { days: ['2024/01/03'], wanted: [], catfolds: ['svn'] });
  assert.equal(onlySvn.complete.length, 2);
  assert.equal(onlySvn.pending.length, 0);
});
