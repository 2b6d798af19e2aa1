import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRow } from '../ledger/ledger.js';
import type { LedgerHistory, TransferRow } from '../ledger/ledger.js';
import { reportData } from './reportData.js';
import { formatValue, loadChartAssets, reportHtml, scriptSafe } from './reportHtml.js';

const T0 = Date.UTC(2013, 4, 29, 13, 0, 0);
const SVN = 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz';
const TRAC = 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz';
const SETUP = 'folders/svnsetup/2013/05/28/104701/svnsetup.tar.gz';

function run(id: number, started: number, ended: number | null, result: RunRow['result'], command = 'pull'): RunRow {
  return { id, command, started_at: started, ended_at: ended, result, error: result === 'failed' ? 'boom' : null, pid: 1, days: '', files: 2, bytes: 0 };
}

function transfer(id: number, runId: number, path: string, over: Partial<TransferRow> = {}): TransferRow {
  return { id, run_id: runId, path, size: 1000, md5: null, bytes_fetched: 1000, resumed_from: 0, attempts: 1, started_at: T0, ended_at: T0 + 1000, result: 'ok', error: null, ...over };
}

const ROWS: LedgerHistory = {
  runs: [
    run(1, T0, T0 + 10_000, 'ok'),
    run(2, T0 + 86_400_000, T0 + 86_400_000 + 4_000, 'failed'),
    run(3, T0 + 2 * 86_400_000, null, 'running'),
    run(4, T0, T0 + 1000, 'ok', 'check_target'),
  ],
  transfers: [
    transfer(1, 1, SVN, { size: 2_400_000, bytes_fetched: 1_400_000, resumed_from: 1_000_000, attempts: 3 }),
    transfer(2, 1, SETUP, { size: 7300, bytes_fetched: 7300 }),
    transfer(3, 2, TRAC, { size: 1_500_000, bytes_fetched: 500, attempts: 2, result: 'failed', error: 'timed out' }),
  ],
  verifications: [
    { id: 1, run_id: 4, path: TRAC, actual_size: 1_500_000, ok: 1, at: T0 + 3_600_000 },
    { id: 2, run_id: 4, path: SVN, actual_size: 2_400_000, ok: 0, at: T0 + 3_600_000 },
    { id: 3, run_id: 4, path: SVN, actual_size: 2_400_000, ok: 1, at: T0 + 86_400_000 },
  ],
};

const data = reportData(ROWS, { names: ['dybsvn', 'svnsetup'], timezone: 'UTC', now: T0 + 3 * 86_400_000 });
const chart = (id: string) => data.charts.find((c) => c.id === id)!;

describe('reportData', () => {
  it('plots every good tarball once, a chart per wanted name, a series per subfold, at its backup time', () => {
    assert.deepEqual(data.charts.map((c) => c.id), ['sizes-dybsvn', 'sizes-svnsetup', 'durations', 'throughput', 'resumes', 'verifications']);
    assert.deepEqual(chart('sizes-dybsvn').series, [
      { name: 'svn/dybsvn', points: [{ x: Date.UTC(2013, 4, 29, 10, 47, 1), y: 2_400_000, label: SVN }] },
      { name: 'tracs/dybsvn', points: [{ x: Date.UTC(2013, 4, 29, 10, 47, 1), y: 1_500_000, label: TRAC }] },
    ]);
    assert.deepEqual(chart('sizes-svnsetup').series, [
      { name: 'folders/svnsetup', points: [{ x: Date.UTC(2013, 4, 28, 10, 47, 1), y: 7300, label: SETUP }] },
    ]);
  });

  it('summarizes finished pull runs only: duration, bytes, throughput, resumes and retries', () => {
    assert.deepEqual(data.runs.map((r) => [r.id, r.result, r.durationS, r.bytesFetched, r.throughput, r.resumes, r.retries]), [
      [1, 'ok', 10, 1_407_300, 140_730, 1, 2],
      [2, 'failed', 4, 500, 125, 0, 1],
    ]);
    assert.deepEqual(chart('durations').categories, ['#1', '#2']);
    assert.deepEqual(chart('durations').series[0]!.points.map((p) => p.y), [10, 4]);
    assert.deepEqual(chart('resumes').series.map((s) => [s.name, s.points.map((p) => p.y)]), [['resumes', [1, 0]], ['retries', [2, 1]]]);
  });

  it('counts verification results per day', () => {
    const v = chart('verifications');
    assert.deepEqual(v.categories, ['2013/05/29', '2013/05/30']);
    assert.deepEqual(v.series.map((s) => [s.name, s.points.map((p) => p.y)]), [['verified', [1, 1]], ['mismatch', [1, 0]]]);
  });

  it('keeps the latest finished pull run with its transfers', () => {
    assert.equal(data.latest!.run.id, 2);
    assert.deepEqual(data.latest!.transfers.map((t) => t.id), [3]);
  });
});

describe('reportHtml', () => {
  const assets = { js: 'var uPlot = function () {};', css: '.uplot{}', version: '9.9.9' };

  it('embeds every chart as JSON with a plot container, and inlines the chart library', () => {
    const html = reportHtml(data, { ledgerFile: '/x', host: 'h' }, assets);
    for (const c of data.charts) {
      const m = new RegExp(`<script type="application/json" id="data-${c.id}">([^<]*)</script>`).exec(html);
      assert.deepEqual(JSON.parse(m![1]!), c);
      assert.ok(html.includes(`<div class="plot" id="plot-${c.id}"></div>`));
    }
    assert.ok(html.includes('<script>var uPlot = function () {};</script>'));
    assert.ok(html.includes('charts by uPlot 9.9.9'));
  });

  it('reads the real uPlot build from node_modules', () => {
    const real = loadChartAssets();
    assert.match(real.version, /^1\.\d+\.\d+$/);
    assert.match(real.js, /var uPlot=/);
    assert.match(real.css, /\.uplot/);
  });

  it('says so when there is no pull run', () => {
    const empty = reportData({ runs: [], transfers: [], verifications: [] }, { names: [], timezone: 'UTC', now: T0 });
    assert.match(reportHtml(empty, { ledgerFile: '/x', host: 'h' }, assets), /No pull run recorded/);
  });

  it('escapes text and keeps embedded JSON from closing its script element', () => {
    const evilRows = { ...ROWS, transfers: ROWS.transfers.map((t) => ({ ...t, error: '</script><b>x' })) };
    const evil = reportData(evilRows, { names: ['dybsvn', 'svnsetup'], timezone: 'UTC', now: T0 });
    const html = reportHtml(evil, { ledgerFile: '/x<y>', host: 'h&' }, assets);
    assert.ok(!html.includes('</script><b>'));
    assert.ok(html.includes('/x&lt;y&gt;') && html.includes('h&amp;'));
    assert.equal(scriptSafe('a</script>b<!--c'), 'a<\\/script>b<\\!--c');
  });

  it('references nothing outside the file and forbids fetching', () => {
    const html = reportHtml(data, { ledgerFile: '/x', host: 'h' }, loadChartAssets());
    assert.ok(!/\s(src|href)=/i.test(html), 'no src/href attributes');
    assert.match(html, /Content-Security-Policy" content="default-src 'none';/);
  });
});

describe('formatValue', () => {
  it('shows binary sizes, rates, durations and counts', () => {
    assert.equal(formatValue(1.5 * 1024 ** 3, 'bytes'), '1.5G');
    assert.equal(formatValue(1_531_229_474, 'bytes'), '1.43G');
    assert.equal(formatValue(3 * 1024 ** 2, 'bytes/s'), '3M/s');
    assert.equal(formatValue(90, 'seconds'), '90.0s');
    assert.equal(formatValue(0, 'bytes'), '0');
    assert.equal(formatValue(2, 'count'), '2');
  });
});
