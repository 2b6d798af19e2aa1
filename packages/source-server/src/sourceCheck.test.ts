import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogEntry } from './catalog.js';
import { checkCounts, countLine, judgeTarball, summaryLine, tarballLine } from './sourceCheck.js';

const MD5 = '0123456789abcdef0123456789abcdef';

function entry(name: string, state: CatalogEntry['state'], day = '2024/01/03'): CatalogEntry {
  return {
    path: `svn/x/${day}/104701/${name}`, catfold: 'svn', subfold: 'x', day, time: '104701', name,
    size: 10, mtimeMs: 0, ino: 1, etag: '"e"', state, dna: state === 'complete' ? { dig: MD5, size: 10 } : null, problem: state === 'invalid' ? 'bad sidecar text' : null,
  };
}

test('tarball verdicts', () => {
  assert.equal(judgeTarball(entry('a.tar.gz', 'complete'), { md5: MD5, size: 10 }).verdict, 'ok');
  const mm = judgeTarball(entry('a.tar.gz', 'complete'), { md5: 'f'.repeat(32), size: 11 });
  assert.equal(mm.verdict, 'mismatch');
  assert.match(tarballLine(mm), /^MISMATCH {3}svn\/x\/2024\/01\/03\/104701\/a\.tar\.gz: size 11 on disk, sidecar says 10; md5 f{32} on disk, sidecar says 0123/);
  assert.equal(judgeTarball(entry('a.tar.gz', 'pending'), null).verdict, 'no-sidecar');
  assert.equal(judgeTarball(entry('a.tar.gz', 'invalid'), null).verdict, 'bad-sidecar');
  assert.equal(judgeTarball(entry('a.tar.gz', 'complete'), { error: 'EACCES' }).verdict, 'unreadable');
});

test('expected counts per day and wanted name; pending tarballs do not count', () => {
  const entries = [entry('dybsvn-1.tar.gz', 'complete'), entry('dybsvn.tar.gz', 'pending'), entry('svnsetup.tar.gz', 'complete')];
  const counts = checkCounts(entries, ['2024/01/03'], [], { dybsvn: 2, svnsetup: 1 });
  assert.deepEqual(counts.map((c) => [c.name, c.found, c.ok]), [['dybsvn', 1, false], ['svnsetup', 1, true]]);
  assert.equal(countLine(counts[0]!), 'SHORT      dybsvn 2024/01/03: 1 of 2 expected tarballs with sidecar');
  assert.deepEqual(checkCounts(entries, ['2024/01/03'], ['svnsetup'], { dybsvn: 2, svnsetup: 1 }).map((c) => c.name), ['svnsetup']);
  const t = [judgeTarball(entries[0]!, { md5: MD5, size: 10 }), judgeTarball(entries[1]!, null)];
  assert.equal(summaryLine(t, counts, ['2024/01/03']), 'check_source 2024/01/03: 1 ok, 0 mismatch, 1 without sidecar, 0 unreadable, 1 count shortfalls');
});
