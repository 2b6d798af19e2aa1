import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth, type NameFacts, type StatusFacts } from './healthCheck.js';

const H = 3_600_000;
const NOW = Date.UTC(2013, 4, 29, 15, 30, 0);
const BACKUP = Date.UTC(2013, 4, 29, 10, 47, 1);

function name(over: Partial<NameFacts> = {}): NameFacts {
  return {
    name: 'dybsvn',
    expected: 2,
    newest: { path: 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz', day: '2013/05/29', time: '104701', size: 1531229474, backupMs: BACKUP },
    verified: 6,
    dayCounts: [{ day: '2013/05/29', count: 2 }],
    inProgress: [],
    pending: [],
    notPulled: [],
    series: [],
    ...over,
  };
}

function facts(over: Partial<StatusFacts> = {}): StatusFacts {
  return {
    now: NOW,
    timezone: 'UTC',
    days: ['2013/05/29'],
    maxAgeMs: 26 * H,
    restoreMaxAgeMs: 8 * 24 * H,
    scrubIntervalMs: 30 * 24 * H,
    oldestScrub: null,
    names: [name()],
    lastRun: { id: 3, result: 'ok', startedAt: NOW - 2 * H, endedAt: NOW - H, durationMs: H, files: 2, bytes: 4e9, resumes: 0, retries: 0, error: null },
    running: null,
    mismatches: [], changes: [], suspicious: [],
    source: { known: true, url: 'http://127.0.0.1:7878/', error: null },
    ...over,
  };
}

describe('assessHealth', () => {
  it('is healthy when everything is fresh, complete and verified', () => {
    assert.deepEqual(assessHealth(facts()), { healthy: true, reasons: [] });
  });

  it('flags a newest tarball older than max_age, measured from the backup time', () => {
    const old = name({ newest: { ...name().newest!, backupMs: NOW - 27 * H }, dayCounts: [{ day: '2013/05/29', count: 2 }] });
    const h = assessHealth(facts({ names: [old] }));
    assert.equal(h.healthy, false);
    assert.deepEqual(h.reasons, ['dybsvn: newest verified tarball tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz is 27.0h old (max_age 26.0h)']);
  });

  it('accepts an age just under max_age', () => {
    const edge = name({ newest: { ...name().newest!, backupMs: NOW - 26 * H } });
    assert.equal(assessHealth(facts({ names: [edge] })).healthy, true);
  });

  it('flags a name with no verified tarball at all', () => {
    const h = assessHealth(facts({ names: [name({ newest: null, verified: 0, expected: null, dayCounts: [{ day: '2013/05/29', count: 0 }] })] }));
    assert.deepEqual(h.reasons, ['dybsvn: no verified tarball on the target']);
  });

  it('flags a short count and says what is in progress and what is pending', () => {
    const short = name({
      dayCounts: [{ day: '2013/05/29', count: 0 }],
      inProgress: [{ path: 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz', day: '2013/05/29', bytes: 100, size: 200 }],
      pending: [{ path: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', day: '2013/05/29' }],
    });
    const h = assessHealth(facts({ names: [short], running: { id: 4, pid: 99, startedAt: NOW - H } }));
    assert.deepEqual(h.reasons, ['dybsvn: 0 of 2 expected tarballs verified for 2013/05/29 (1 in progress, pull running; 1 pending on the source)']);
  });

  it('says when a missing tarball is ready on the source but not pulled, or nowhere', () => {
    const notPulled = name({ dayCounts: [{ day: '2013/05/29', count: 1 }], notPulled: [{ path: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', day: '2013/05/29' }] });
    assert.match(assessHealth(facts({ names: [notPulled] })).reasons[0]!, /1 of 2 .*\(1 ready on the source, not pulled yet\)/);
    const nowhere = name({ dayCounts: [{ day: '2013/05/29', count: 1 }] });
    assert.match(assessHealth(facts({ names: [nowhere] })).reasons[0]!, /\(not on the source either\)/);
  });

  it('says pending is unknown when the source did not answer', () => {
    const short = name({ dayCounts: [{ day: '2013/05/29', count: 1 }], pending: null, notPulled: null });
    const h = assessHealth(facts({ names: [short], source: { known: false, url: null, error: 'source listing failed: timed out' } }));
    assert.deepEqual(h.reasons, ['dybsvn: 1 of 2 expected tarballs verified for 2013/05/29 (pending on the source unknown (source listing failed: timed out))']);
  });

  it('checks every selected day and ignores names without an expectation', () => {
    const days = name({ dayCounts: [{ day: '2013/05/28', count: 1 }, { day: '2013/05/29', count: 2 }] });
    const free = name({ name: 'svnsetup', expected: null, dayCounts: [{ day: '2013/05/28', count: 0 }, { day: '2013/05/29', count: 0 }] });
    const h = assessHealth(facts({ days: ['2013/05/28', '2013/05/29'], names: [days, free] }));
    assert.equal(h.reasons.length, 1);
    assert.match(h.reasons[0]!, /^dybsvn: 1 of 2 expected tarballs verified for 2013\/05\/28/);
  });

  it('flags an outstanding sidecar mismatch', () => {
    const m = { path: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', expectedMd5: 'a'.repeat(32), actualMd5: 'b'.repeat(32), expectedSize: 10, actualSize: 10 };
    const h = assessHealth(facts({ mismatches: [m] }));
    assert.equal(h.reasons.length, 1);
    assert.match(h.reasons[0]!, /^mismatch: svn\/dybsvn\/2013\/05\/29\/104701\/dybsvn-20550\.tar\.gz does not match its sidecar \(md5 b{32}, sidecar says a{32}\)/);
  });

  it('flags a failed last pull with its error', () => {
    const h = assessHealth(facts({ lastRun: { id: 7, result: 'failed', startedAt: NOW - 2 * H, endedAt: NOW - H, durationMs: H, files: 0, bytes: 0, resumes: 0, retries: 0, error: 'source-unreachable: no source answered' } }));
    assert.deepEqual(h.reasons, ['last pull run #7 failed at 2013-05-29T14:30:00.000Z: source-unreachable: no source answered']);
  });
});

describe('restore proofs', () => {
  const series = (over: Record<string, unknown> = {}) => ({
    series: 'svn/dybsvn/dybsvn', newestPath: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', newestState: 'verified', newestWhy: 'restore proven',
    proven: { path: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz', at: NOW - H }, ...over,
  });
  it('a series proven within restore_max_age is healthy', () => {
    assert.deepEqual(assessHealth(facts({ names: [name({ series: [series()] })] })).reasons, []);
  });
  it('a series without a proof, or with one older than restore_max_age, is unhealthy and says what to run', () => {
    assert.match(assessHealth(facts({ names: [name({ series: [series({ proven: null })] })] })).reasons[0]!, /svn\/dybsvn\/dybsvn has no restore proof: run altbackup check_restore/);
    assert.match(assessHealth(facts({ names: [name({ series: [series({ proven: { path: 'p', at: NOW - 9 * 24 * H } })] })] })).reasons[0]!, /newest restore proof of svn\/dybsvn\/dybsvn \(p\) is 216\.0h old \(restore_max_age 192\.0h\)/);
    assert.deepEqual(assessHealth(facts({ restoreMaxAgeMs: 0, names: [name({ series: [series({ proven: null })] })] })).reasons, [], 'restore_max_age 0 turns the rule off');
  });
  it('a newest copy that failed its restore proof is unhealthy, naming what failed', () => {
    const h = assessHealth(facts({ names: [name({ series: [series({ newestState: 'restore-failed', newestWhy: 'check_restore failed: youngest revision is 20549' })] })] }));
    assert.match(h.reasons[0]!, /the newest copy svn\/dybsvn\/2013\/05\/29\/104701\/dybsvn-20550\.tar\.gz does not restore \(check_restore failed: youngest revision is 20549\)/);
  });
});
