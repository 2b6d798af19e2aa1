import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Dna } from '@altbackup/shared';
import type { SourceEntry } from '../source/listingBody.js';
import type { PartMeta } from './part/partMeta.js';
import { bytesToFetch, heldOf, makePlan, planTarball, type TargetState } from './plan.js';

const DIG = '1f3870be274f6c49b3e31a0c6728957f';
const OTHER = '0123456789abcdef0123456789abcdef';
const entry: SourceEntry = {
  path: 'tracs/dybsvn/2024/03/05/104701/dybsvn.tar.gz', catfold: 'tracs', subfold: 'dybsvn', day: '2024/03/05', time: '104701',
  name: 'dybsvn.tar.gz', size: 1_531_229_474, mtime: '2024-03-05T10:50:00Z', dna: { dig: DIG, size: 1_531_229_474 }, etag: '"e1"',
};
interface Held { finalSize?: number | null; sidecar?: Dna | 'invalid' | null; partSize?: number | null; partMeta?: PartMeta | null }
/** The target's files as the plan sees them, from the few facts a case names. */
const state = (s: Held): TargetState => ({
  copy: {
    exists: s.finalSize != null, size: s.finalSize ?? 0, mtimeMs: 0, partSize: s.partSize ?? null,
    sidecar: s.sidecar === 'invalid' ? { invalid: 'bad text' } : s.sidecar ?? null,
  },
  partMeta: s.partMeta ?? null,
});
const meta = (m: Partial<PartMeta> = {}): PartMeta => ({ etag: '"e1"', size: entry.size, dig: DIG, source: 'http://s', startedAt: 'x', hashed: null, ...m });

describe('planTarball', () => {
  it('fetches what the target lacks', () => {
    const p = planTarball(entry, state({}));
    assert.equal(p.action, 'fetch');
    assert.equal(p.offset, 0);
  });

  it('skips a verified tarball with the same dna', () => {
    assert.equal(planTarball(entry, state({ finalSize: entry.size, sidecar: { dig: DIG, size: entry.size } })).action, 'skip');
  });

  it("resumes the old tool's truncated final file (1,147,682,816 of 1,531,229,474) at that offset", () => {
    const p = planTarball(entry, state({ finalSize: 1_147_682_816 }));
    assert.equal(p.action, 'resume');
    assert.equal(p.resumeFrom, 'final');
    assert.equal(p.offset, 1_147_682_816);
    assert.equal(p.ifRange, '"e1"');
  });

  it('resumes a .part with the ETag recorded when it started', () => {
    const p = planTarball(entry, state({ partSize: 10, partMeta: meta() }));
    assert.deepEqual([p.action, p.resumeFrom, p.offset, p.ifRange], ['resume', 'part', 10, '"e1"']);
  });

  it('resumes a segmented .part by the ranges its meta lists, not by its length; the checkpoint only within the prefix', () => {
    const cp = { offset: 64, state: '0'.repeat(32), file: '1:2' };
    const p = planTarball(entry, state({ partSize: 5000, partMeta: meta({ held: [[0, 1000], [3000, 5000]], hashed: cp }) }));
    assert.deepEqual([p.action, p.offset, p.ranges], ['resume', 3000, [[0, 1000], [3000, 5000]]]);
    assert.deepEqual(p.checkpoint, cp);
    const beyond = planTarball(entry, state({ partSize: 5000, partMeta: meta({ held: [[0, 32], [3000, 5000]], hashed: cp }) }));
    assert.equal(beyond.checkpoint, null, 'a state past the prefix covers bytes with a gap before them');
    const none = planTarball(entry, state({ partSize: 5000, partMeta: meta({ held: [] }) }));
    assert.deepEqual([none.action, none.ranges], ['fetch', []]);
  });

  it('resumes a .part without meta using the listed ETag (the digest check guards the bytes)', () => {
    const p = planTarball(entry, state({ partSize: 10 }));
    assert.deepEqual([p.action, p.ifRange], ['resume', '"e1"']);
  });

  it('restarts a .part started from another version of the file', () => {
    assert.equal(planTarball(entry, state({ partSize: 10, partMeta: meta({ etag: '"old"' }) })).action, 'fetch');
    assert.equal(planTarball(entry, state({ partSize: 10, partMeta: meta({ dig: OTHER }) })).action, 'fetch');
  });

  it('restarts an empty .part and one longer than the source', () => {
    assert.equal(planTarball(entry, state({ partSize: 0 })).action, 'fetch');
    assert.equal(planTarball(entry, state({ partSize: entry.size + 1 })).action, 'fetch');
    assert.equal(planTarball(entry, state({ finalSize: entry.size + 1 })).action, 'fetch');
  });

  it('continues the longer of a .part and a final name without sidecar', () => {
    assert.equal(planTarball(entry, state({ finalSize: 5, partSize: 10 })).resumeFrom, 'part');
    assert.equal(planTarball(entry, state({ finalSize: 10, partSize: 5 })).resumeFrom, 'final');
  });

  it('a complete final name without sidecar is resumed at its end, so it is only verified', () => {
    const p = planTarball(entry, state({ finalSize: entry.size }));
    assert.deepEqual([p.action, p.offset], ['resume', entry.size]);
  });

  it('never fetches over a copy the source now lists with other bytes: changed, kept as it is', () => {
    const p = planTarball(entry, state({ finalSize: 10, sidecar: { dig: OTHER, size: 10 } }));
    assert.equal(p.action, 'changed');
    assert.match(p.reason, /target holds md5 0123.* size 10, the source now lists md5 1f38/);
    assert.deepEqual(p.held, { dig: OTHER, size: 10 });
    assert.equal(p.replaces, null);
    // Even with a .part of either version beside it.
    assert.equal(planTarball(entry, state({ finalSize: 10, sidecar: { dig: OTHER, size: 10 }, partSize: 100, partMeta: meta() })).action, 'changed');
  });

  it('an accepted change fetches the new version from zero, the old copy going aside to replaced/', () => {
    const p = planTarball(entry, state({ finalSize: 10, sidecar: { dig: OTHER, size: 10 }, partSize: 100, partMeta: meta() }), false, true);
    assert.deepEqual([p.action, p.offset, p.replaces?.aside, p.replaces?.held], ['fetch', 0, 'replaced', { dig: OTHER, size: 10 }]);
  });

  it('a damaged target copy (size differs from its own sidecar) or an unreadable sidecar is repaired: the old copy goes to quarantine', () => {
    const damaged = planTarball(entry, state({ finalSize: 3, sidecar: { dig: DIG, size: entry.size } }));
    assert.deepEqual([damaged.action, damaged.replaces?.aside], ['fetch', 'quarantine']);
    assert.match(damaged.replaces!.why, /damaged .*file 3 bytes/);
    assert.match(planTarball(entry, state({ finalSize: entry.size, sidecar: 'invalid' })).replaces!.why, /unreadable sidecar/);
  });

  it('a repair with a .part in progress continues the .part', () => {
    const p = planTarball(entry, state({ finalSize: 3, sidecar: { dig: DIG, size: entry.size }, partSize: 100, partMeta: meta() }));
    assert.deepEqual([p.action, p.resumeFrom, p.offset], ['resume', 'part', 100]);
    assert.ok(p.replaces);
  });

  it('never fetches a tarball purge_target deleted', () => {
    assert.equal(planTarball(entry, state({}), true).action, 'never');
  });
});

describe('makePlan', () => {
  it('orders by path, keeps pending apart and counts the bytes left', () => {
    const b = { ...entry, path: 'svn/dybsvn/2024/03/05/104701/dybsvn-1.tar.gz', size: 100, dna: { dig: DIG, size: 100 } };
    const c = { ...entry, path: 'svn/dybaux/2024/03/05/104701/dybaux-1.tar.gz', size: 50, dna: { dig: DIG, size: 50 } };
    const states = new Map([[entry.path, state({ partSize: 1_000_000_000 })]]);
    const plan = makePlan([entry, b, c], ['z/y/2024/03/05/104701/p.tar.gz'], (p) => states.get(p), new Set([c.path]));
    assert.deepEqual(plan.items.map((i) => [i.entry.path, i.action]), [[c.path, 'never'], [b.path, 'fetch'], [entry.path, 'resume']]);
    assert.deepEqual(plan.pending, ['z/y/2024/03/05/104701/p.tar.gz']);
    assert.equal(bytesToFetch(plan), 100 + entry.size - 1_000_000_000);
  });
});

describe('heldOf', () => {
  it("takes the file's length as held only after a lone stream's in-order appends (tail)", () => {
    assert.deepEqual(heldOf([[0, 100]], true, 250), [[0, 250]]);
    assert.deepEqual(heldOf([], true, 250), [[0, 250]]);
    assert.deepEqual(heldOf([[0, 100]], false, 250), [[0, 100]]);
    // Something past a gap: the length says nothing, whatever the flag.
    assert.deepEqual(heldOf([[0, 100], [200, 240]], true, 250), [[0, 100], [200, 240]]);
    assert.deepEqual(heldOf([[50, 100]], true, 250), [[50, 100]]);
    // A range the file no longer reaches is not held, and then the tail is not believed either.
    assert.deepEqual(heldOf([[0, 300]], true, 250), []);
  });
});
