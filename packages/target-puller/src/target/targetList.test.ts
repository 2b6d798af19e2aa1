import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSourceList } from '../source/sourceListing.js';
import { formatTargetList, type ListRow } from './targetList.js';

const MD5 = 'a'.repeat(32);
describe('formatting', () => {
  it('target: one line per tarball, reason for anything not verified, and a total', () => {
    const rows: ListRow[] = [
      { path: 'svn/dybsvn/2024/05/02/104701/dybsvn-1.tar.gz', size: 2048, mtime: '2024-05-02T10:47:01.000Z', state: 'verified', sidecar: { dig: MD5, size: 2048 }, partSize: null, why: 'digest checked' },
      { path: 'tracs/dybsvn/2024/05/02/104701/dybsvn.tar.gz', size: 10, mtime: '', state: 'in-progress', sidecar: null, partSize: 10, why: '.part 10' },
    ];
    assert.equal(formatTargetList(rows), [
      'verified      2.0K  2024-05-02 10:47  svn/dybsvn/2024/05/02/104701/dybsvn-1.tar.gz',
      'in-progress     10                    tracs/dybsvn/2024/05/02/104701/dybsvn.tar.gz  (.part 10)',
      'total 2.1K in 2 tarball(s): 1 verified, 0 unverified, 1 in progress, 0 mismatch',
    ].join('\n') + '\n');
    assert.equal(formatTargetList([]), 'no tarballs\n');
  });
  it('source: size, mtime, md5, path; pending marked', () => {
    const text = formatSourceList({
      source: 'http://src',
      complete: [{ path: 'svn/dybsvn/2024/05/02/104701/dybsvn-1.tar.gz', catfold: 'svn', subfold: 'dybsvn', day: '2024/05/02', time: '104701', name: 'dybsvn-1.tar.gz', size: 3000, mtime: '2024-05-02T10:47:01Z', dna: { dig: MD5, size: 3000 }, etag: '"x"' }],
      pending: ['tracs/dybsvn/2024/05/02/104701/dybsvn.tar.gz'],
    });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], `  3.0K  2024-05-02 10:47  ${MD5}  svn/dybsvn/2024/05/02/104701/dybsvn-1.tar.gz`);
    assert.match(lines[1]!, /\(pending: no sidecar yet\)\s+tracs\/dybsvn\/2024\/05\/02\/104701\/dybsvn\.tar\.gz$/);
    assert.equal(lines[2], 'source http://src: 1 complete (3.0K), 1 pending');
  });
});
