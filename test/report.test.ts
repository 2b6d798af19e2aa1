/**
 * `altbackup report` as an operator runs it: a ledger with a known history,
 * the CLI writes the HTML, and every chart's embedded data and drawn marks
 * are checked against the ledger rows (computed here independently of the
 * report code). Opening the page in headless Chromium (playwright-core) is
 * not done here: neither is installed in this workspace yet.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '@altbackup/target-puller';
import { runTarget } from './support/processes.js';

interface ChartJson {
  id: string;
  categories: string[];
  series: { name: string; points: { x: number; y: number; label: string }[] }[];
}

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2024, 2, 1, 13, 0, 0);
let dir: string;
let target: string;
let html: string;

interface RunSpec { started: number; ms: number; result: 'ok' | 'failed'; transfers: { path: string; size: number; fetched: number; resumedFrom: number; attempts: number; result: 'ok' | 'failed' }[] }

/** Ten days of pulls: growing svn dumps, a resumed Trac tarball, a failed day. */
function history(): RunSpec[] {
  const out: RunSpec[] = [];
  for (let d = 0; d < 10; d++) {
    const day = new Date(T0 + d * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '/');
    const failed = d === 6;
    out.push({
      started: T0 + d * DAY_MS,
      ms: 600_000 + d * 45_000,
      result: failed ? 'failed' : 'ok',
      transfers: [
        { path: `svn/dybsvn/${day}/104701/dybsvn-${20_500 + d}.tar.gz`, size: 2_400_000_000 + d * 1_000_000, fetched: 2_400_000_000 + d * 1_000_000, resumedFrom: 0, attempts: 1, result: 'ok' },
        { path: `tracs/dybsvn/${day}/104701/dybsvn.tar.gz`, size: 1_530_000_000 + d * 200_000, fetched: d % 3 === 1 ? 400_000_000 : 1_530_000_000 + d * 200_000, resumedFrom: d % 3 === 1 ? 1_130_000_000 + d * 200_000 : 0, attempts: d % 3 === 1 ? 3 : 1, result: failed ? 'failed' : 'ok' },
        { path: `folders/svnsetup/${day}/104701/svnsetup.tar.gz`, size: 7300 + d, fetched: 7300 + d, resumedFrom: 0, attempts: 1, result: 'ok' },
      ],
    });
  }
  return out;
}

function chartsOf(page: string): Map<string, ChartJson> {
  const out = new Map<string, ChartJson>();
  for (const m of page.matchAll(/<script type="application\/json" id="data-([^"]+)">([^<]*)<\/script>/g)) out.set(m[1]!, JSON.parse(m[2]!));
  return out;
}

function marksOf(page: string, id: string): [string, number, number][] {
  const section = new RegExp(`<section class="chart" id="chart-${id}">([\\s\\S]*?)</section>`).exec(page)![1]!;
  return [...section.matchAll(/class="mark"[^>]*data-series="([^"]*)" data-x="([^"]*)" data-y="([^"]*)"/g)].map((m) => [m[1]!, Number(m[2]), Number(m[3])]);
}

describe('altbackup report', () => {
  const runs = history();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'altbackup-report-'));
    target = join(dir, 'target');
    await mkdir(target);
    const ledger = Ledger.open(join(target, '.altbackup', 'ledger.sqlite'));
    try {
      for (const r of runs) {
        const id = ledger.startRun('pull', [], r.started);
        for (const t of r.transfers) {
          ledger.recordTransfer(id, { path: t.path, size: t.size, md5: null, etag: '"e"', sourceUrl: 'http://127.0.0.1:1', bytesFetched: t.fetched, resumedFrom: t.resumedFrom, attempts: t.attempts, startedAt: r.started, endedAt: r.started + r.ms, result: t.result, error: t.result === 'ok' ? null : 'idle timeout' });
        }
        ledger.endRun(id, r.result, { files: r.transfers.filter((t) => t.result === 'ok').length, error: r.result === 'ok' ? null : 'transfer failed' }, r.started + r.ms);
        const check = ledger.startRun('check_target', [], r.started + 3 * 3_600_000);
        for (const [i, t] of r.transfers.entries()) {
          if (t.result !== 'ok') continue;
          ledger.recordVerification(check, { path: t.path, expectedMd5: null, expectedSize: t.size, actualMd5: null, actualSize: i === 0 && r === runs[3] ? t.size - 1 : t.size, ok: !(i === 0 && r === runs[3]) }, r.started + 3 * 3_600_000);
        }
        ledger.endRun(check, 'ok', {}, r.started + 3 * 3_600_000 + 1000);
      }
      ledger.startRun('pull', [], T0 + 20 * DAY_MS);
    } finally {
      ledger.close();
    }
    const cfg = join(dir, 'altbackup.toml');
    await writeFile(cfg, `timezone = "UTC"\nwanted = ["dybsvn", "svnsetup"]\n[target]\nroot = ${JSON.stringify(target)}\n`);
    const out = join(dir, 'report.html');
    const r = await runTarget(['report', '--out', out], { env: { ALTBACKUP_CONFIG: cfg } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*report\.html \(10 pull runs\)/);
    html = await readFile(out, 'utf8');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds every good tarball size of the ledger, by wanted name', () => {
    const charts = chartsOf(html);
    const want = new Map<string, [string, number][]>();
    for (const r of runs) {
      for (const t of r.transfers) {
        if (t.result !== 'ok') continue;
        const name = t.path.includes('svnsetup') ? 'svnsetup' : 'dybsvn';
        want.set(name, [...(want.get(name) ?? []), [t.path, t.size]]);
      }
    }
    for (const [name, expected] of want) {
      const chart = charts.get(`sizes-${name}`)!;
      const got = chart.series.flatMap((s) => s.points.map((p) => [p.label, p.y] as [string, number]));
      assert.deepEqual(got.sort(), expected.sort(), name);
      assert.deepEqual(chart.series.map((s) => s.name), name === 'dybsvn' ? ['svn/dybsvn', 'tracs/dybsvn'] : ['folders/svnsetup']);
      assert.equal(marksOf(html, `sizes-${name}`).length, expected.length);
    }
  });

  it('holds every finished pull run: duration, throughput, resumes and retries', () => {
    const charts = chartsOf(html);
    assert.deepEqual(charts.get('durations')!.categories, runs.map((_, i) => `#${2 * i + 1}`));
    assert.deepEqual(charts.get('durations')!.series[0]!.points.map((p) => p.y), runs.map((r) => r.ms / 1000));
    const throughput = runs.map((r) => r.transfers.reduce((s, t) => s + t.fetched, 0) / (r.ms / 1000));
    charts.get('throughput')!.series[0]!.points.forEach((p, i) => assert.ok(Math.abs(p.y - throughput[i]!) < 1e-6));
    const resumes = charts.get('resumes')!.series;
    assert.deepEqual(resumes.map((s) => s.name), ['resumes', 'retries']);
    assert.deepEqual(resumes[0]!.points.map((p) => p.y), runs.map((r) => r.transfers.filter((t) => t.resumedFrom > 0).length));
    assert.deepEqual(resumes[1]!.points.map((p) => p.y), runs.map((r) => r.transfers.reduce((s, t) => s + t.attempts - 1, 0)));
  });

  it('holds the verification results per day', () => {
    const v = chartsOf(html).get('verifications')!;
    assert.equal(v.categories.length, 10);
    const good = runs.map((r) => r.transfers.filter((t) => t.result === 'ok').length - (r === runs[3] ? 1 : 0));
    assert.deepEqual(v.series.map((s) => [s.name, s.points.map((p) => p.y)]), [['verified', good], ['mismatch', runs.map((r) => (r === runs[3] ? 1 : 0))]]);
  });

  it('draws exactly the embedded points in every chart', () => {
    const charts = chartsOf(html);
    assert.deepEqual([...charts.keys()], ['sizes-dybsvn', 'sizes-svnsetup', 'durations', 'throughput', 'resumes', 'verifications']);
    for (const [id, c] of charts) {
      assert.deepEqual(marksOf(html, id), c.series.flatMap((s) => s.points.map((p) => [s.name, p.x, p.y])), id);
    }
  });

  it('shows the latest finished run with its transfers', () => {
    const table = /<table class="transfers" id="latest-transfers">([\s\S]*?)<\/table>/.exec(html)![1]!;
    for (const t of runs.at(-1)!.transfers) assert.ok(table.includes(t.path), t.path);
    assert.match(/<table class="summary" id="latest-run">([\s\S]*?)<\/table>/.exec(html)![1]!, /<th>run<\/th><td>#19<\/td>/);
  });

  it('is self-contained: no external reference, no executable script', () => {
    assert.ok(!/\s(src|href)=/i.test(html));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.ok([...html.matchAll(/<script([^>]*)>/g)].every((m) => m[1] === ` type="application/json" id="data-${/id="data-([^"]+)"/.exec(m[1]!)![1]}"`));
  });

  it('fails clearly without --out or without a ledger', async () => {
    const noOut = await runTarget(['report', '--target', target]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /report needs --out FILE\.html/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const noLedger = await runTarget(['report', '--target', empty, '--out', join(dir, 'x.html')]);
    assert.equal(noLedger.code, 1);
    assert.match(noLedger.stderr, /no-ledger: no ledger at .*ledger\.sqlite/);
  });
});
