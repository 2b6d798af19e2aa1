import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bytesIn, contiguousPrefix, isRangeList, leadPieces, mergeRanges, missingRanges, pieceSizeFor, piecesOf, splitLead } from './ranges.js';

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

describe('leadPieces and splitLead', () => {
  it('the first missing range stays whole for the lead stream; the rest is cut into pieces', () => {
    assert.deepEqual(leadPieces([[0, 100], [150, 400]], 100), [[0, 100], [150, 250], [250, 350], [350, 400]]);
    assert.deepEqual(leadPieces([[10, 1000]], 100), [[10, 1000]]);
    assert.deepEqual(leadPieces([], 100), []);
  });

  it('a lead piece keeps about one piece from where it is; the rest tiles to its end', () => {
    assert.deepEqual(splitLead(30, 1000, 100, 50), { end: 130, rest: [[130, 230], [230, 330], [330, 430], [430, 530], [530, 630], [630, 730], [730, 830], [830, 930], [930, 1000]] });
    assert.deepEqual(splitLead(0, 1000, 100, 300), { end: 300, rest: [[300, 400], [400, 500], [500, 600], [600, 700], [700, 800], [800, 900], [900, 1000]] }, 'never closer than the margin');
    assert.equal(splitLead(950, 1000, 100, 10), null, 'nothing left to share');
  });
});
