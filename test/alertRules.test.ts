/**
 * deploy/prometheus/altbackup.rules.yml: `promtool check rules` accepts it,
 * and `promtool test rules` runs, for every rule, series that make it fire
 * and series that must not. The cases are data here; the promtool test file
 * is written from them, with each expected summary taken from the rules file
 * (its `{{ $labels.x }}` filled in), so the texts live in one place.
 * Needs Debian `prometheus` (promtool); the test says so when it is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { tempDir } from '@altbackup/shared/testing';
import { alertRules, RULES_FILE, type Rule } from './support/alertRules.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const missing = promtool.error ? 'promtool is not installed: apt-get install -y prometheus (scripts/install-test-tools.sh)' : false;

const H = 3600;
/** The target's textfile series as node_exporter exports them. */
const T = { job: 'node', instance: 'target:9100' };
/** The source server's scrape. */
const S = { job: 'altbackup-source', instance: 'source:7878' };

interface Case {
  alert: string;
  /** What the case shows. */
  title: string;
  /** Series: metric name, labels, and either its value all along or 'fresh' (a timestamp refreshed at every scrape). */
  series: [string, Record<string, string>, number | 'fresh'][];
  evalAt: number;
  /** The labels of each alert expected at evalAt (besides alertname and the rule's own); empty: none fires. */
  fires: Record<string, string>[];
}

/**
 * Scrapes every minute, as node_exporter's usually are. Samples further
 * apart than Prometheus's 5-minute lookback would make a series vanish
 * between them and reset every `for:`.
 */
const STEP = 60;
const D = 24 * H;

const CASES: Case[] = [
  { alert: 'AltbackupMirrorStale', title: 'dybsvn 30 h old with max_age 26 h fires, dybaux 20 h old does not', evalAt: 30 * H,
    series: [['altbackup_last_verified_timestamp_seconds', { ...T, name: 'dybsvn' }, 0], ['altbackup_last_verified_timestamp_seconds', { ...T, name: 'dybaux' }, 10 * H], ['altbackup_max_age_seconds', T, 26 * H]],
    fires: [{ ...T, name: 'dybsvn' }] },
  { alert: 'AltbackupMirrorStale', title: 'a copy 20 h old is fine', evalAt: 20 * H,
    series: [['altbackup_last_verified_timestamp_seconds', { ...T, name: 'dybsvn' }, 0], ['altbackup_max_age_seconds', T, 26 * H]], fires: [] },
  { alert: 'AltbackupStatusStale', title: 'a textfile not refreshed for 28 h', evalAt: 28 * H,
    series: [['altbackup_status_timestamp_seconds', T, 0]], fires: [T] },
  { alert: 'AltbackupStatusStale', title: 'a textfile refreshed all along', evalAt: 28 * H,
    series: [['altbackup_status_timestamp_seconds', T, 'fresh']], fires: [] },
  { alert: 'AltbackupLastPullFailed', title: 'the last pull failed', evalAt: H, series: [['altbackup_last_run_success', T, 0]], fires: [T] },
  { alert: 'AltbackupLastPullFailed', title: 'the last pull succeeded', evalAt: H, series: [['altbackup_last_run_success', T, 1]], fires: [] },
  { alert: 'AltbackupSourceChangedTarball', title: 'one copy changed on the source', evalAt: H, series: [['altbackup_changed_on_source_tarballs', T, 1]], fires: [T] },
  { alert: 'AltbackupSourceChangedTarball', title: 'none changed', evalAt: H, series: [['altbackup_changed_on_source_tarballs', T, 0]], fires: [] },
  { alert: 'AltbackupCopyCorrupt', title: 'two corrupt copies', evalAt: H, series: [['altbackup_corrupt_tarballs', T, 2]], fires: [T] },
  { alert: 'AltbackupCopyCorrupt', title: 'no corrupt copy', evalAt: H, series: [['altbackup_corrupt_tarballs', T, 0]], fires: [] },
  { alert: 'AltbackupRestoreProofFailed', title: 'dybsvn failed its proof, dybaux did not', evalAt: H,
    series: [['altbackup_restore_failed', { ...T, name: 'dybsvn' }, 1], ['altbackup_restore_failed', { ...T, name: 'dybaux' }, 0]], fires: [{ ...T, name: 'dybsvn' }] },
  { alert: 'AltbackupRestoreProofFailed', title: 'every proof passed', evalAt: H, series: [['altbackup_restore_failed', { ...T, name: 'dybsvn' }, 0]], fires: [] },
  { alert: 'AltbackupRestoreProofStale', title: 'dybsvn never proven (0) with restore_max_age 1 d fires, dybaux proven 12 h ago does not', evalAt: 2 * D,
    series: [['altbackup_restore_proven_timestamp_seconds', { ...T, name: 'dybsvn' }, 0], ['altbackup_restore_proven_timestamp_seconds', { ...T, name: 'dybaux' }, 36 * H], ['altbackup_restore_max_age_seconds', T, D]],
    fires: [{ ...T, name: 'dybsvn' }] },
  { alert: 'AltbackupRestoreProofStale', title: 'restore_max_age 0 turns the rule off', evalAt: 2 * D,
    series: [['altbackup_restore_proven_timestamp_seconds', { ...T, name: 'dybsvn' }, 0], ['altbackup_restore_max_age_seconds', T, 0]], fires: [] },
  { alert: 'AltbackupScrubBehind', title: 'the oldest read 3 d ago with scrub_interval 2 d', evalAt: 3 * D,
    series: [['altbackup_scrub_oldest_timestamp_seconds', T, 0], ['altbackup_scrub_interval_seconds', T, 2 * D]], fires: [T] },
  { alert: 'AltbackupScrubBehind', title: 'the oldest read 1 d ago', evalAt: 3 * D,
    series: [['altbackup_scrub_oldest_timestamp_seconds', T, 2 * D], ['altbackup_scrub_interval_seconds', T, 2 * D]], fires: [] },
  { alert: 'AltbackupPullRunningLong', title: 'running 5 h when pulls take 1 h', evalAt: 5 * H,
    series: [['altbackup_pull_running_start_timestamp_seconds', T, 0], ['altbackup_status_timestamp_seconds', T, 'fresh'], ['altbackup_last_run_duration_seconds', T, H]], fires: [T] },
  { alert: 'AltbackupPullRunningLong', title: 'running 2 h when pulls take 1 h', evalAt: 2 * H,
    series: [['altbackup_pull_running_start_timestamp_seconds', T, 0], ['altbackup_status_timestamp_seconds', T, 'fresh'], ['altbackup_last_run_duration_seconds', T, H]], fires: [] },
  { alert: 'AltbackupSourceDown', title: 'the scrape fails', evalAt: 10 * 60, series: [['up', S, 0]], fires: [S] },
  { alert: 'AltbackupSourceDown', title: 'the scrape works', evalAt: 10 * 60, series: [['up', S, 1]], fires: [] },
  { alert: 'AltbackupSourceCatalogEmpty', title: 'no complete tarball listed', evalAt: 30 * 60,
    series: [['altbackup_source_catalog_tarballs', { ...S, state: 'complete' }, 0], ['altbackup_source_catalog_tarballs', { ...S, state: 'pending' }, 0]], fires: [{ ...S, state: 'complete' }] },
  { alert: 'AltbackupSourceCatalogEmpty', title: 'twelve complete tarballs', evalAt: 30 * 60,
    series: [['altbackup_source_catalog_tarballs', { ...S, state: 'complete' }, 12]], fires: [] },
];

/** A series selector in promtool's notation. */
const selector = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

/** The annotations an alert of `rule` with these labels carries: the rule's, `{{ $labels.x }}` filled in. */
function expectedAnnotations(rule: Rule, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? '')]));
}

function promtoolTests(rules: Rule[]): object {
  return {
    rule_files: [RULES_FILE],
    evaluation_interval: '1m',
    tests: CASES.map((c) => {
      const rule = rules.find((r) => r.alert === c.alert);
      assert.ok(rule, `no rule ${c.alert}`);
      return {
        name: `${c.alert}: ${c.title}`,
        interval: `${STEP}s`,
        input_series: c.series.map(([name, labels, v]) => {
          const samples = Math.ceil(c.evalAt / STEP) + 10;
          return { series: selector(name, labels), values: v === 'fresh' ? `0+${STEP}x${samples}` : `${v}+0x${samples}` };
        }),
        alert_rule_test: [{
          eval_time: `${c.evalAt}s`,
          alertname: c.alert,
          exp_alerts: c.fires.map((labels) => ({ exp_labels: { ...rule.labels, ...labels }, exp_annotations: expectedAnnotations(rule, { ...rule.labels, ...labels }) })),
        }],
      };
    }),
  };
}

describe('deploy/prometheus/altbackup.rules.yml', () => {
  let dir: string;
  before(() => {
    dir = tempDir('rules');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every rule a severity and a summary that says what to do', () => {
    for (const rule of alertRules()) {
      assert.match(rule.labels.severity ?? '', /^(critical|warning)$/, rule.alert);
      assert.ok((rule.annotations.summary ?? '').length > 60, `${rule.alert}: summary too short to say what to do`);
    }
  });

  it('has, for every rule, a case that fires and one that does not', () => {
    for (const rule of alertRules()) {
      const cases = CASES.filter((c) => c.alert === rule.alert);
      assert.ok(cases.some((c) => c.fires.length > 0), `${rule.alert} has no firing case`);
      assert.ok(cases.some((c) => c.fires.length === 0), `${rule.alert} has no case that must not fire`);
    }
    assert.deepEqual(CASES.filter((c) => !alertRules().some((r) => r.alert === c.alert)).map((c) => c.alert), [], 'cases of rules that do not exist');
  });

  it('passes promtool check rules', { skip: missing }, () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`SUCCESS: ${alertRules().length} rules found`));
  });

  it('passes promtool test rules: each case fires exactly the alerts it expects', { skip: missing }, async () => {
    const file = join(dir, 'altbackup.rules.test.yml');
    await writeFile(file, stringify(promtoolTests(alertRules())));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it('makes promtool fail a case whose expectation is wrong (the harness can fail)', { skip: missing }, async () => {
    const tests = promtoolTests(alertRules()) as { tests: { alert_rule_test: { exp_alerts: unknown[] }[] }[] };
    tests.tests = [tests.tests[0]!];
    tests.tests[0]!.alert_rule_test[0]!.exp_alerts = [];
    const file = join(dir, 'wrong.test.yml');
    await writeFile(file, stringify(tests));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, r.stdout);
  });
});
