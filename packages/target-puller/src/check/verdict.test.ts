import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTarballPath, type FoundTarball } from '@altbackup/shared';
import { formatReport } from './format.js';
import { countExpectations, evaluate, unsidecaredState, verdictOf, type CheckFacts, type SourceKnowledge, type TarballFacts } from './verdict.js';

const DAY = '2024/05/02';
const SVN = `svn/dybsvn/${DAY}/104701/dybsvn-20552.tar.gz`;
const TRAC = `tracs/dybsvn/${DAY}/104701/dybsvn.tar.gz`;
const SETUP = `folders/svnsetup/${DAY}/104701/svnsetup.tar.gz`;
const MD5 = 'a'.repeat(32);

function found(path: string, over: Partial<FoundTarball> = {}): FoundTarball {
  return { ...parseTarballPath(path)!, abs: '/t/' + path, exists: true, size: 100, mtimeMs: 0, ino: 1, hasSidecar: true, partSize: null, ...over };
}

function good(path: string): TarballFacts {
  return { found: found(path), sidecar: { dig: MD5, size: 100 }, digest: { md5: MD5, size: 100 } };
}

const sourceOk = (complete: string[], pending: string[]): SourceKnowledge => ({ kind: 'ok', source: 'http://src', complete: new Set(complete), pending: new Set(pending) });
const holder = { pid: 4242, startedAt: '2024-05-02T11:00:00Z', host: 'elsewhere' };

function facts(over: Partial<CheckFacts>): CheckFacts {
  return { days: [DAY], wanted: ['dybsvn', 'svnsetup'], expect: {}, tarballs: [], source: { kind: 'none', why: 'no source configured to ask' }, lock: null, ...over };
}

describe('verdictOf', () => {
  it('ok only when md5 and size both match', () => {
    assert.equal(verdictOf({ dig: MD5, size: 100 }, { md5: MD5, size: 100 }).state, 'ok');
    assert.equal(verdictOf({ dig: MD5, size: 100 }, { md5: 'b'.repeat(32), size: 100 }).state, 'mismatch');
    assert.equal(verdictOf({ dig: MD5, size: 100 }, { md5: MD5, size: 99 }).state, 'mismatch');
  });
  it('names both sides of a mismatch', () => {
    const v = verdictOf({ dig: MD5, size: 100 }, { md5: 'b'.repeat(32), size: 100 });
    assert.match(v.detail, new RegExp(`sidecar says md5 ${MD5} size 100, file has md5 b{32} size 100`));
  });
  it('an invalid sidecar or an unreadable file is its own state', () => {
    assert.equal(verdictOf({ invalid: 'x.dna: not a dict' }, null).state, 'bad-sidecar');
    assert.equal(verdictOf({ dig: MD5, size: 1 }, { error: 'EIO' }).state, 'unreadable');
  });
});

describe('unsidecaredState', () => {
  const t = { path: TRAC, exists: true, partSize: null };
  it('a .part means in progress, whatever the source says', () => {
    const s = unsidecaredState({ ...t, partSize: 2048 }, sourceOk([TRAC], []), null);
    assert.equal(s.state, 'in-progress');
    assert.match(s.detail, /\.part holds 2\.0K; no pull is running: the next pull resumes it/);
  });
  it('listed as pending on the source means pending, even while a pull runs', () => {
    assert.equal(unsidecaredState(t, sourceOk([], [TRAC]), holder).state, 'pending');
  });
  it('a running pull means in progress and names the holder', () => {
    const s = unsidecaredState(t, sourceOk([TRAC], []), holder);
    assert.equal(s.state, 'in-progress');
    assert.match(s.detail, /pid 4242 on elsewhere, started 2024-05-02T11:00:00Z/);
  });
  it('complete on the source and no pull: missing, with the remedy', () => {
    const s = unsidecaredState(t, sourceOk([TRAC], []), null);
    assert.equal(s.state, 'missing');
    assert.match(s.detail, /source has it complete: run altbackup pull/);
  });
  it('source unreachable: unknown, not silently missing or pending', () => {
    const s = unsidecaredState(t, { kind: 'unreachable', error: 'ECONNREFUSED' }, null);
    assert.equal(s.state, 'unknown');
    assert.match(s.detail, /source unreachable: ECONNREFUSED/);
  });
  it('no source to ask: missing', () => {
    assert.equal(unsidecaredState(t, { kind: 'none', why: 'no source configured to ask' }, null).state, 'missing');
  });
});

describe('countExpectations', () => {
  const row = (path: string, state: 'ok' | 'pending' | 'in-progress' | 'mismatch') => {
    const ref = parseTarballPath(path)!;
    return { path, day: ref.day, name: ref.name, state, size: 1, partSize: null, expected: null, actual: null, detail: '', problem: false };
  };
  it('every known tarball counts; a failing one is tallied apart but reported on its own line, not as a shortfall', () => {
    const counts = countExpectations([DAY], [row(SVN, 'ok'), row(TRAC, 'pending'), row(SETUP, 'mismatch')], { dybsvn: 2, svnsetup: 1 }, ['dybsvn', 'svnsetup']);
    assert.deepEqual(counts, [
      { day: DAY, name: 'dybsvn', expected: 2, verified: 1, inProgress: 0, pending: 1, failing: 0, shortfall: 0 },
      { day: DAY, name: 'svnsetup', expected: 1, verified: 0, inProgress: 0, pending: 0, failing: 1, shortfall: 0 },
    ]);
  });
  it('a day with nothing falls short by the full count; names not wanted are not checked', () => {
    const counts = countExpectations(['2024/05/01'], [row(SVN, 'ok')], { dybsvn: 2, dybaux: 1 }, ['dybsvn']);
    assert.deepEqual(counts.map((c) => [c.name, c.shortfall]), [['dybsvn', 2]]);
  });
  it('groups by the longest wanted prefix', () => {
    const counts = countExpectations([DAY], [row(`svn/dybaux/${DAY}/104701/dybsvnx-1.tar.gz`, 'ok')], { dybsvn: 1, dybsvnx: 1 }, []);
    assert.deepEqual(counts.map((c) => [c.name, c.verified]), [['dybsvn', 0], ['dybsvnx', 1]]);
  });
});

describe('evaluate', () => {
  it('a good day passes with no problems', () => {
    const r = evaluate(facts({ tarballs: [good(SVN), good(SETUP)], expect: { svnsetup: 1 } }));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.tarballs.map((t) => t.state), ['ok', 'ok']);
    assert.match(formatReport(r), /2 tarball\(s\): 2 ok, 0 bad, 0 in progress, 0 pending, 0 missing; source not asked; all good/);
  });
  it('reports in progress, pending and missing distinctly; only missing is a problem', () => {
    const other = `svn/dybsvn/${DAY}/104701/dybsvn-20553.tar.gz`;
    const r = evaluate(facts({
      tarballs: [
        { found: found(SVN, { exists: false, size: 0, hasSidecar: false, partSize: 10 }), sidecar: null, digest: null },
        good(SETUP),
      ],
      source: sourceOk([SVN, SETUP, other], [TRAC]),
    }));
    assert.deepEqual(r.tarballs.map((t) => [t.path, t.state]), [
      [SETUP, 'ok'], [SVN, 'in-progress'], [other, 'missing'], [TRAC, 'pending'],
    ]);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, new RegExp(`^MISSING ${other}: not on the target; the source has it complete: run altbackup pull`));
  });
  it('while a pull runs, tarballs the target lacks are in progress, not missing', () => {
    const r = evaluate(facts({ tarballs: [good(SETUP)], source: sourceOk([SETUP, SVN], []), lock: holder }));
    assert.deepEqual(r.tarballs.map((t) => t.state), ['ok', 'in-progress']);
    assert.deepEqual(r.problems, []);
  });
  it('a mismatch, a bad sidecar and a count shortfall are each one problem line', () => {
    const r = evaluate(facts({
      tarballs: [
        { ...good(SVN), digest: { md5: 'c'.repeat(32), size: 100 } },
        { ...good(SETUP), sidecar: { invalid: 'x.dna: bad' } },
      ],
      expect: { dybsvn: 2, svnsetup: 1 },
    }));
    assert.equal(r.problems.length, 3);
    assert.match(r.problems[0]!, /^BAD SIDECAR folders\/svnsetup/);
    assert.match(r.problems[1]!, /^MISMATCH svn\/dybsvn\/.*: sidecar says md5 a{32} size 100, file has md5 c{32} size 100: delete it/);
    assert.match(r.problems[2]!, /^COUNT 2024\/05\/02 dybsvn: expected 2, found 0 verified \+ 1 failing: check the source's backup job/);
  });
  it('ignores source entries of other days and unwanted names; --all does not ask about absent ones', () => {
    const other = 'svn/dybaux/2024/05/02/104701/dybaux-1.tar.gz';
    const oldDay = 'svn/dybsvn/2024/05/01/104701/dybsvn-1.tar.gz';
    const r = evaluate(facts({ tarballs: [good(SVN)], source: sourceOk([SVN, other, oldDay], []) }));
    assert.deepEqual(r.tarballs.map((t) => t.path), [SVN]);
    const all = evaluate(facts({ days: 'all', tarballs: [good(SVN)], source: sourceOk([SVN, SETUP], []) }));
    assert.deepEqual(all.tarballs.map((t) => t.path), [SVN]);
  });
});
