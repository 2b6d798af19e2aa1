import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSourceList, formatTargetList, listState, type ListRow } from './targetList.js';

const MD5 = 'a'.repeat(32);
const file = { exists: true, size: 100, mtimeMs: 1_000, partSize: null };

describe('listState', () => {
  it('only a .part: in progress', () => {
    assert.equal(listState({ exists: false, size: 0, mtimeMs: 0, partSize: 50 }, null, undefined).state, 'in-progress');
  });
  it('a final file without sidecar: unverified, or in progress when a .part is beside it', () => {
    assert.equal(listState(file, null, undefined).state, 'unverified');
    assert.equal(listState({ ...file, partSize: 10 }, null, undefined).state, 'in-progress');
    assert.equal(listState(file, 'invalid', undefined).state, 'unverified');
  });
  it('sidecar size matching the file: verified, without a ledger', () => {
    assert.deepEqual(listState(file, { dig: MD5, size: 100 }, undefined), { state: 'verified', why: 'sidecar size matches' });
  });
  it('sidecar size differing from the file: mismatch', () => {
    assert.equal(listState(file, { dig: MD5, size: 101 }, undefined).state, 'mismatch');
  });
  it('the last ledger verification decides when it is newer than the file', () => {
    assert.equal(listState(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 100, at: 2_000 }).state, 'mismatch');
    assert.deepEqual(listState(file, { dig: MD5, size: 100 }, { ok: true, actualSize: 100, at: 2_000 }), { state: 'verified', why: 'digest checked' });
  });
  it('an old mismatch does not condemn a file replaced since', () => {
    assert.equal(listState(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 100, at: 500 }).state, 'verified');
    assert.equal(listState(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 99, at: 2_000 }).state, 'verified');
  });
});

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
