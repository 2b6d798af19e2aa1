import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restoreShapeOf, verifyRanges } from './proof.js';

describe('verifyRanges', () => {
  it('covers 0..youngest exactly once, in order, with ranges of near-equal length', () => {
    for (const youngest of [0, 1, 2, 3, 7, 299, 1500, 20550]) {
      for (const parts of [1, 2, 3, 4]) {
        const r = verifyRanges(youngest, parts);
        assert.equal(r[0]![0], 0);
        assert.equal(r.at(-1)![1], youngest);
        for (let i = 1; i < r.length; i++) assert.equal(r[i]![0], r[i - 1]![1] + 1, `${youngest}/${parts}: ${JSON.stringify(r)}`);
        for (const [a, b] of r) assert.ok(a <= b, `${youngest}/${parts}: empty range in ${JSON.stringify(r)}`);
        const lengths = r.map(([a, b]) => b - a + 1);
        assert.ok(Math.max(...lengths) - Math.min(...lengths) <= 1, `${youngest}/${parts}: ${lengths}`);
      }
    }
  });

  it('never makes more ranges than revisions', () => {
    assert.deepEqual(verifyRanges(0, 4), [[0, 0]]);
    assert.deepEqual(verifyRanges(1, 4), [[0, 0], [1, 1]]);
    assert.deepEqual(verifyRanges(1500, 2), [[0, 750], [751, 1500]]);
  });
});

describe('restoreShapeOf', () => {
  it('reads the kind from the catfold and the promised revision from an svn name', () => {
    assert.deepEqual(restoreShapeOf({ catfold: 'svn', name: 'dybsvn-20550.tar.gz' }), { kind: 'svn', top: 'dybsvn-20550', revision: 20550 });
    assert.deepEqual(restoreShapeOf({ catfold: 'tracs', name: 'dybsvn.tar.gz' }), { kind: 'trac', top: 'dybsvn', revision: null });
    assert.deepEqual(restoreShapeOf({ catfold: 'folders', name: 'svnsetup.tar.gz' }), { kind: 'folder', top: 'svnsetup', revision: null });
  });
});
