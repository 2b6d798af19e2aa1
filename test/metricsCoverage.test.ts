/**
 * The dashboard (deploy/grafana/altbackup.json) and the alert rules
 * (deploy/prometheus/altbackup.rules.yml) name only metrics that really
 * exist, and every metric that exists is documented in deploy/README.md.
 * "Exists" is what a real run exports: a sample tree served by
 * `altbackup-source serve`, pulled by `altbackup pull`, then the families
 * `altbackup status --prometheus` writes and the server's `/metrics` answers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { todayIn } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { makeSampleTree } from '@altbackup/sample-tree';
import { REPO, runTarget, startSource, type RunningServer } from './support/processes.js';
import { sampleTargetToml } from './support/sampleConfig.js';
import { alertRules } from './support/alertRules.js';

/** Metrics Prometheus makes itself for every scrape target. */
const PROMETHEUS_OWN = new Set(['up']);
/** PromQL words that look like names but are not metrics (aggregations may stand before their `by` list, not before `(`). */
const KEYWORDS = new Set(['sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool']);

/**
 * The metric names a PromQL expression reads: identifiers that are not
 * functions (followed by `(`), keywords, label names in `by (...)`-style
 * lists or label matchers, durations or numbers.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter((m) => !m[2] && !KEYWORDS.has(m[1]!)).map((m) => m[1]!);
  return [...new Set(names)];
}

/** Family names declared (`# TYPE`) in a Prometheus text exposition. */
const declared = (text: string) => [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(join(REPO, 'deploy', 'grafana', 'altbackup.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

describe('metrics named by the dashboard and the alert rules', () => {
  let dir: string;
  let server: RunningServer;
  let target: string[];
  let source: string[];
  before(async () => {
    dir = tempDir('metrics-coverage');
    await makeSampleTree({ root: join(dir, 'source'), days: 2, bulk: 16 * 1024, seed: 'metrics', end: todayIn({ timezone: 'UTC' }), pending: false });
    server = await startSource(['--root', join(dir, 'source'), '--log-level', 'warn']);
    const cfg = join(dir, 'altbackup.toml');
    await writeFile(cfg, sampleTargetToml(join(dir, 'target'), [server.url]));
    const pull = await runTarget(['pull', '--since', '2'], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 120_000 });
    assert.equal(pull.code, 0, pull.stderr);
    const prom = join(dir, 'altbackup.prom');
    const status = await runTarget(['status', '--prometheus', prom], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 60_000 });
    assert.ok(status.code === 0 || status.code === 1, status.stderr);
    target = declared(await readFile(prom, 'utf8'));
    source = declared(await (await fetch(`${server.url}/metrics`)).text());
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads metric names out of PromQL, not functions, keywords or labels', () => {
    assert.deepEqual(metricNames('sum by (route, status) (rate(altbackup_source_requests_total{job="x"}[5m]))'), ['altbackup_source_requests_total']);
    assert.deepEqual(metricNames('time() - a_seconds > ignoring(name) group_left b_seconds and ignoring(name) (c > 0)'), ['a_seconds', 'b_seconds', 'c']);
  });

  it('exports the families of both programs from a real run', () => {
    assert.ok(target.includes('altbackup_last_run_bytes') && target.includes('altbackup_last_verified_timestamp_seconds'), target.join(' '));
    assert.ok(source.includes('altbackup_source_requests_total'), source.join(' '));
  });

  for (const [what, exprs] of [['dashboard', dashboardExprs], ['alert rules', () => alertRules().map((r) => r.expr)]] as const) {
    it(`the ${what} name only metrics that are exported`, () => {
      const exported = new Set([...target, ...source, ...PROMETHEUS_OWN]);
      const list = exprs();
      assert.ok(list.length > 5, `${what}: too few expressions`);
      for (const expr of list) {
        const names = metricNames(expr);
        assert.ok(names.length > 0, `${what}: ${expr} names no metric`);
        for (const name of names) assert.ok(exported.has(name), `${what}: ${expr} names ${name}, which neither status --prometheus nor /metrics exports`);
      }
    });
  }

  it('documents every exported metric in deploy/README.md', () => {
    const guide = readFileSync(join(REPO, 'deploy', 'README.md'), 'utf8');
    const undocumented = [...target, ...source].filter((name) => !new RegExp(`\`${name}(\\{[^}]*\\})?\``).test(guide));
    assert.deepEqual(undocumented, []);
  });
});
