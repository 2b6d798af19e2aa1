import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessHealth, type StatusFacts } from './healthCheck.js';
import { renderMetrics } from '@altbackup/shared';
import { statusMetrics } from './promTextfile.js';

const NOW = Date.UTC(2013, 4, 29, 15, 30, 0);

const FACTS: StatusFacts = {
  now: NOW,
  timezone: 'UTC',
  days: ['2013/05/29'],
  maxAgeMs: 26 * 3_600_000,
  restoreMaxAgeMs: 8 * 86_400_000,
  scrubIntervalMs: 30 * 86_400_000,
  oldestScrub: null,
  names: [
    {
      name: 'dybsvn', expected: 2, verified: 6, inProgress: [], pending: [], notPulled: [],
      newest: { path: 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz', day: '2013/05/29', time: '104701', size: 1531229474, backupMs: Date.UTC(2013, 4, 29, 10, 47, 1) },
      dayCounts: [{ day: '2013/05/29', count: 2 }], series: [],
    },
    { name: 'svnsetup', expected: null, verified: 0, newest: null, inProgress: [], pending: null, notPulled: null, dayCounts: [{ day: '2013/05/29', count: 0 }], series: [] },
  ],
  lastRun: { id: 3, result: 'ok', startedAt: NOW - 7_200_000, endedAt: NOW - 3_600_000, durationMs: 3_600_000, files: 2, bytes: 3_937_000_000, resumes: 1, retries: 2, error: null },
  running: null,
  mismatches: [], changes: [], suspicious: [],
  source: { known: true, url: 'http://127.0.0.1:7878/', error: null },
};

describe('statusMetrics', () => {
  const text = renderMetrics(statusMetrics(FACTS, assessHealth(FACTS)));
  const line = (prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix + ' ') || l.startsWith(prefix + '{'));

  it('has the per-name metrics of the issue, labelled by wanted name', () => {
    assert.deepEqual(line('altbackup_last_verified_timestamp_seconds'), [`altbackup_last_verified_timestamp_seconds{name="dybsvn"} ${Date.UTC(2013, 4, 29, 10, 47, 1) / 1000}`]);
    assert.deepEqual(line('altbackup_tarballs'), ['altbackup_tarballs{name="dybsvn"} 6', 'altbackup_tarballs{name="svnsetup"} 0']);
    assert.deepEqual(line('altbackup_expected_tarballs'), ['altbackup_expected_tarballs{name="dybsvn"} 2']);
    assert.deepEqual(line('altbackup_pending_tarballs'), ['altbackup_pending_tarballs{name="dybsvn"} 0']);
  });

  it('has the last run metrics and the overall health', () => {
    assert.deepEqual(line('altbackup_last_run_success'), ['altbackup_last_run_success 1']);
    assert.deepEqual(line('altbackup_last_run_duration_seconds'), ['altbackup_last_run_duration_seconds 3600']);
    assert.deepEqual(line('altbackup_last_run_bytes'), ['altbackup_last_run_bytes 3937000000']);
    assert.deepEqual(line('altbackup_last_run_resumed_transfers'), ['altbackup_last_run_resumed_transfers 1']);
    assert.deepEqual(line('altbackup_last_run_retries'), ['altbackup_last_run_retries 2']);
    assert.deepEqual(line('altbackup_pull_running_start_timestamp_seconds'), [], 'absent while no pull runs');
    assert.deepEqual(line('altbackup_healthy'), ['altbackup_healthy 0']);
    assert.deepEqual(line('altbackup_unhealthy_reasons'), ['altbackup_unhealthy_reasons 1']);
  });

  it('stays out of the source server namespace (altbackup_source_*)', () => {
    const names = statusMetrics(FACTS, assessHealth(FACTS)).map((f) => f.name);
    assert.ok(names.every((n) => n.startsWith('altbackup_') && !n.startsWith('altbackup_source_')), names.join(' '));
  });

  it('gives the running pull\'s start, for the alert on a pull running far longer than usual', () => {
    const running = renderMetrics(statusMetrics({ ...FACTS, running: { id: 4, pid: 1, startedAt: NOW - 60_000 } }, assessHealth(FACTS)));
    assert.match(running, new RegExp(`^altbackup_pull_running_start_timestamp_seconds ${(NOW - 60_000) / 1000}$`, 'm'));
    assert.match(running, /^altbackup_pull_running 1$/m);
  });

  it('follows the naming conventions: base units, _timestamp_seconds for times, no _total on gauges, bounded labels', () => {
    for (const f of statusMetrics(FACTS, assessHealth(FACTS))) {
      assert.equal(f.type, 'gauge', f.name);
      assert.doesNotMatch(f.name, /_total$|_(ms|milliseconds|minutes|hours|days|kb|mb|gb)$/, f.name);
      if (/timestamp/.test(f.name)) assert.match(f.name, /_timestamp_seconds$/);
      for (const s of f.samples) assert.deepEqual(Object.keys(s.labels ?? {}).filter((k) => k !== 'name'), [], f.name);
    }
  });

  it('omits the last run family when no pull is recorded', () => {
    const names = statusMetrics({ ...FACTS, lastRun: null }, assessHealth(FACTS)).map((f) => f.name);
    assert.ok(!names.includes('altbackup_last_run_success'));
  });
});
