import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bytesIn, contiguousPrefix, isRangeList, mergeRanges, missingRanges, pieceSizeFor, piecesOf } from './ranges.js';

const MiB = 1 << 20;

describe('byte ranges of a segmented download', () => {
  it('merges touching and overlapping ranges and drops empty ones', () => {
    assert.deepEqual(mergeRanges([[10, 20], [0, 5], [5, 8], [15, 30], [40, 40]]), [[0, 8], [10, 30]]);
  });

  it('the missing ranges are the complement within the size', () => {
    assert.deepEqual(missingRanges(100, []), [[0, 100]]);
    assert.deepEqual(missingRanges(100, [[0, 100]]), []);
    assert.deepEqual(missingRanges(100, [[0, 10], [20, 30], [90, 100]]), [[10, 20], [30, 90]]);
    assert.deepEqual(missingRanges(100, [[5, 10]]), [[0, 5], [10, 100]]);
  });

  it('counts bytes and the prefix without a gap', () => {
    assert.equal(bytesIn([[0, 10], [20, 25]]), 15);
    assert.equal(contiguousPrefix([[0, 10], [10, 12], [20, 25]]), 12);
    assert.equal(contiguousPrefix([[3, 10]]), 0);
    assert.equal(contiguousPrefix([]), 0);
  });

  it('cuts missing ranges into pieces in file order, none longer than the piece size', () => {
    assert.deepEqual(piecesOf([[0, 25], [30, 35]], 10), [[0, 10], [10, 20], [20, 25], [30, 35]]);
  });

  it('piece size: about four per stream, between 1 and 32 MiB', () => {
    assert.equal(pieceSizeFor(1024 * MiB, 4), 32 * MiB);
    assert.equal(pieceSizeFor(100 * MiB, 4), 7 * MiB);
    assert.equal(pieceSizeFor(3 * MiB, 4), MiB);
  });

  it('a range list read back from .part.meta must be sorted, apart and within the size', () => {
    assert.ok(isRangeList([[0, 10], [20, 30]], 30));
    assert.ok(isRangeList([], 30));
    assert.ok(!isRangeList([[0, 10], [10, 20]], 30), 'touching ranges are written merged');
    assert.ok(!isRangeList([[20, 30], [0, 10]], 30));
    assert.ok(!isRangeList([[0, 31]], 30));
    assert.ok(!isRangeList([[5, 5]], 30));
    assert.ok(!isRangeList([[0, '10']], 30));
    assert.ok(!isRangeList({ 0: [0, 1] }, 30));
  });
});
