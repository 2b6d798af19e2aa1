import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { suspicionOf, type SeriesCopy } from './plausibility.js';

const P = (d: number) => `svn/dybsvn/2024/03/${String(d).padStart(2, '0')}/104701/dybsvn-${d}.tar.gz`;
const md5 = 'a'.repeat(32);

describe('suspicionOf', () => {
  const good: SeriesCopy[] = [{ path: P(1), size: 1000, state: 'verified' }, { path: P(2), size: 1100, state: 'verified' }];
  it('marks a copy under the percentage of the newest verified older copy', () => {
    assert.deepEqual(suspicionOf({ path: P(3), size: 500, md5 }, good, 50), { path: P(3), size: 500, md5, previousPath: P(2), previousSize: 1100 });
    assert.equal(suspicionOf({ path: P(3), size: 550, md5 }, good, 50), null, 'exactly half is not under half');
    assert.equal(suspicionOf({ path: P(3), size: 2000, md5 }, good, 50), null);
  });
  it('never takes a suspicious, corrupt or newer copy as the yardstick', () => {
    const run: SeriesCopy[] = [...good, { path: P(3), size: 10, state: 'suspicious' }, { path: P(4), size: 9, state: 'mismatch' }, { path: P(9), size: 1, state: 'verified' }];
    assert.equal(suspicionOf({ path: P(5), size: 12, md5 }, run, 50)?.previousPath, P(2));
  });
  it('has nothing to say without an earlier verified copy, or when turned off', () => {
    assert.equal(suspicionOf({ path: P(1), size: 1, md5 }, [], 50), null);
    assert.equal(suspicionOf({ path: P(3), size: 1, md5 }, good, 0), null);
  });
});
