/**
 * `altbackup report` as an operator runs it: a ledger with a known history,
 * the CLI writes the HTML, and every chart's embedded data is checked
 * against the ledger rows (expected values computed here, independently of
 * the report code). Then the page is opened in headless Debian Chromium
 * (playwright-core): no console error, no request leaves the file, every
 * drawn uPlot chart holds the ledger's points, and a screenshot goes to
 * test/out/report.png for review.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '@altbackup/target-puller';
import { tempDir } from '@altbackup/shared/testing';
import { REPO, runTarget } from './support/processes.js';

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
let reportFile: string;

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

describe('altbackup report', () => {
  const runs = history();
  before(async () => {
    dir = tempDir('report');
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
    reportFile = join(dir, 'report.html');
    const r = await runTarget(['report', '--out', reportFile], { env: { ALTBACKUP_CONFIG: cfg } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*report\.html \(10 pull runs\)/);
    html = await readFile(reportFile, 'utf8');
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

  it('has a plot container for every chart and the chart library inlined', () => {
    const charts = chartsOf(html);
    assert.deepEqual([...charts.keys()], ['sizes-dybsvn', 'sizes-svnsetup', 'durations', 'throughput', 'resumes', 'verifications']);
    for (const id of charts.keys()) assert.ok(html.includes(`<div class="plot" id="plot-${id}"></div>`), id);
    assert.match(html, /<script>\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v1\.\d+\.\d+\) \*\/\nvar uPlot=/);
  });

  it('shows the latest finished run with its transfers', () => {
    const table = /<table class="transfers" id="latest-transfers">([\s\S]*?)<\/table>/.exec(html)![1]!;
    for (const t of runs.at(-1)!.transfers) assert.ok(table.includes(t.path), t.path);
    assert.match(/<table class="summary" id="latest-run">([\s\S]*?)<\/table>/.exec(html)![1]!, /<th>run<\/th><td>#19<\/td>/);
  });

  it('is self-contained: no external reference, no executable script', () => {
    assert.ok(!/\s(src|href)=/i.test(html));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    // Scripts: one JSON block per chart, then uPlot and the drawing code, nothing loaded.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
    assert.deepEqual(scripts, [...[...chartsOf(html).keys()].map((id) => ` type="application/json" id="data-${id}"`), '', '']);
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

  const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  it('opens in headless Chromium without console errors or requests, and every chart holds the ledger points', { skip: chromiumPath ? false : 'Debian chromium is not installed (apt-get install chromium)' }, async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (req) => { if (!req.url().startsWith('file:')) problems.push(`request: ${req.url()}`); });
      await page.goto(pathToFileURL(reportFile).href, { waitUntil: 'load' });
      const drawn = await page.evaluate(() => {
        const charts = (globalThis as unknown as { altbackupCharts: Record<string, { data: (number | null)[][]; series: { label: string }[] }> }).altbackupCharts;
        return Object.fromEntries(Object.entries(charts).map(([id, u]) => [id, { data: u.data.map((col) => [...col]), labels: u.series.map((s) => s.label) }]));
      });
      assert.deepEqual(problems, []);
      assert.deepEqual(Object.keys(drawn), ['sizes-dybsvn', 'sizes-svnsetup', 'durations', 'throughput', 'resumes', 'verifications']);
      // Sizes: x is the backup time in seconds, one column per subfold.
      const backupSec = (path: string) => {
        const [, , y, m, d, t] = path.split('/');
        return Date.UTC(Number(y), Number(m) - 1, Number(d), Number(t!.slice(0, 2)), Number(t!.slice(2, 4)), Number(t!.slice(4, 6))) / 1000;
      };
      const good = runs.flatMap((r) => r.transfers.filter((t) => t.result === 'ok'));
      const svn = good.filter((t) => t.path.startsWith('svn/'));
      const trac = good.filter((t) => t.path.startsWith('tracs/'));
      const xs = [...new Set([...svn, ...trac].map((t) => backupSec(t.path)))].sort((a, b) => a - b);
      const col = (list: typeof good) => xs.map((x) => list.find((t) => backupSec(t.path) === x)?.size ?? null);
      assert.deepEqual(drawn['sizes-dybsvn']!.data, [xs, col(svn), col(trac)]);
      assert.deepEqual(drawn['sizes-dybsvn']!.labels.slice(1), ['svn/dybsvn', 'tracs/dybsvn']);
      const setup = good.filter((t) => t.path.startsWith('folders/'));
      assert.deepEqual(drawn['sizes-svnsetup']!.data, [setup.map((t) => backupSec(t.path)), setup.map((t) => t.size)]);
      const idx = runs.map((_, i) => i);
      assert.deepEqual(drawn.durations!.data, [idx, runs.map((r) => r.ms / 1000)]);
      const throughput = runs.map((r) => r.transfers.reduce((s, t) => s + t.fetched, 0) / (r.ms / 1000));
      drawn.throughput!.data[1]!.forEach((v, i) => assert.ok(Math.abs(v! - throughput[i]!) < 1e-6));
      assert.deepEqual(drawn.resumes!.data, [idx, runs.map((r) => r.transfers.filter((t) => t.resumedFrom > 0).length), runs.map((r) => r.transfers.reduce((s, t) => s + t.attempts - 1, 0))]);
      const verified = runs.map((r) => r.transfers.filter((t) => t.result === 'ok').length - (r === runs[3] ? 1 : 0));
      assert.deepEqual(drawn.verifications!.data, [idx, verified, runs.map((r) => (r === runs[3] ? 1 : 0))]);
      // Every chart really drew on a canvas of a sensible size.
      const canvases = await page.$$eval('.plot canvas', (els) => els.map((e) => [(e as unknown as { width: number }).width, (e as unknown as { height: number }).height]));
      assert.equal(canvases.length, 6);
      assert.ok(canvases.every(([w, h]) => w! >= 320 && h! >= 100), JSON.stringify(canvases));
      await mkdir(join(REPO, 'test', 'out'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'test', 'out', 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
