/**
 * The report as one self-contained HTML file: uPlot (a small, maintained
 * canvas chart library) and its CSS are read from node_modules when the
 * report is written and inlined, each chart's series are embedded as JSON
 * (`<script type="application/json" id="data-<chart>">`), and a short inline
 * script draws them. A CSP meta forbids any fetch, so opening the file never
 * touches the network. The drawn uPlot instances are kept in
 * `window.altbackupCharts` so a browser test can compare them with the ledger.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatDuration, localDateTime } from '@altbackup/shared';
import type { TransferRow } from '../ledger/ledger.js';
import type { Chart, ReportData, RunSummary, Unit } from './reportData.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON or code safe inside a `<script>` element. */
export function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface ChartAssets {
  js: string;
  css: string;
  version: string;
}

/** uPlot's browser build and stylesheet, from wherever node resolves the package. */
export function loadChartAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  const read = (p: string) => readFileSync(require.resolve(p), 'utf8');
  const version = (JSON.parse(read('uplot/package.json')) as { version: string }).version;
  return { js: read('uplot/dist/uPlot.iife.min.js'), css: read('uplot/dist/uPlot.min.css'), version };
}

const BYTE_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

export function formatValue(v: number, unit: Unit): string {
  if (v === 0) return '0';
  if (unit === 'seconds') return formatDuration(v * 1000);
  if (unit === 'count') return String(Math.round(v * 100) / 100);
  let k = 0;
  while (Math.abs(v) >= 1024 ** (k + 1) && k < BYTE_UNITS.length - 1) k++;
  const x = v / 1024 ** k;
  const shown = Math.round(x * (x < 10 ? 100 : 10)) / (x < 10 ? 100 : 10);
  return `${shown}${BYTE_UNITS[k]}${unit === 'bytes/s' ? '/s' : ''}`;
}

/**
 * Draws every chart from its embedded JSON. Plain ES2017 run by the browser;
 * uPlot wants columns: x values, then one y column per series (null where a
 * series has no point), time in seconds.
 */
const DRAW = `
(function () {
  'use strict';
  var tz = document.body.getAttribute('data-timezone');
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  var UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];
  function bytes(v) {
    var k = 0;
    while (Math.abs(v) >= Math.pow(1024, k + 1) && k < UNITS.length - 1) k++;
    var x = v / Math.pow(1024, k);
    return String(Math.round(x * (x < 10 ? 100 : 10)) / (x < 10 ? 100 : 10)) + UNITS[k];
  }
  function duration(s) {
    if (s < 1) return Math.round(s * 1000) + 'ms';
    if (s < 120) return s.toFixed(1) + 's';
    if (s < 7200) return (s / 60).toFixed(1) + 'm';
    return (s / 3600).toFixed(1) + 'h';
  }
  function fmt(unit, v) {
    if (v === null || v === undefined) return '-';
    if (v === 0) return '0';
    if (unit === 'bytes') return bytes(v);
    if (unit === 'bytes/s') return bytes(v) + '/s';
    if (unit === 'seconds') return duration(v);
    return String(Math.round(v * 100) / 100);
  }
  function incrs(unit) {
    var out = [];
    if (unit === 'bytes' || unit === 'bytes/s') {
      for (var k = 0; k < 6; k++) [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].forEach(function (m) { out.push(m * Math.pow(1024, k)); });
      return out;
    }
    if (unit === 'seconds') {
      return [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800];
    }
    for (var e = unit === 'count' ? 0 : -3; e < 12; e++) [1, 2, 5].forEach(function (m) { out.push(m * Math.pow(10, e)); });
    return out;
  }
  function columns(c) {
    var xs;
    if (c.xKind === 'time') {
      var seen = {};
      c.series.forEach(function (s) { s.points.forEach(function (p) { seen[p.x] = true; }); });
      xs = Object.keys(seen).map(Number).sort(function (a, b) { return a - b; });
    } else {
      xs = c.categories.map(function (_, i) { return i; });
    }
    var data = [c.xKind === 'time' ? xs.map(function (x) { return x / 1000; }) : xs];
    c.series.forEach(function (s) {
      var at = {};
      s.points.forEach(function (p) { at[p.x] = p.y; });
      data.push(xs.map(function (x) { return x in at ? at[x] : null; }));
    });
    return data;
  }
  function draw(c, el) {
    var time = c.xKind === 'time';
    var n = c.series.length;
    var series = [{
      label: c.xLabel,
      value: function (u, v) {
        if (v === null || v === undefined) return '-';
        return time ? uPlot.fmtDate('{YYYY}-{MM}-{DD} {HH}:{mm}')(uPlot.tzDate(new Date(v * 1000), tz)) : (c.categories[v] || '');
      },
    }];
    c.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var one = { label: s.name, stroke: color, width: 2, spanGaps: true, value: function (u, v) { return fmt(c.unit, v); } };
      if (c.kind === 'bar') {
        one.fill = color + 'cc';
        one.points = { show: false };
        one.paths = uPlot.paths.bars({ size: [n > 1 ? 0.4 : 0.7, 60], align: n > 1 ? (i === 0 ? -1 : 1) : 0 });
      } else {
        one.points = { show: true, size: 7 };
      }
      series.push(one);
    });
    var xAxis = { label: c.xLabel };
    if (!time) {
      var longest = c.categories.reduce(function (m, l) { return Math.max(m, l.length); }, 1);
      var every = Math.max(1, Math.ceil((c.categories.length * (longest * 7 + 16)) / 680));
      xAxis.splits = function () { return c.categories.map(function (_, i) { return i; }).filter(function (i) { return i % every === 0; }); };
      xAxis.values = function (u, splits) { return splits.map(function (i) { return c.categories[i] || ''; }); };
    }
    var opts = {
      width: Math.max(320, Math.min(800, el.clientWidth || 800)),
      height: 280,
      series: series,
      scales: {
        x: time ? { time: true } : { time: false, range: [-0.6, Math.max(0, c.categories.length - 1) + 0.6] },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } },
      },
      axes: [xAxis, { label: c.yLabel, size: 72, incrs: incrs(c.unit), values: function (u, splits) { return splits.map(function (v) { return fmt(c.unit, v); }); } }],
    };
    if (time) opts.tzDate = function (ts) { return uPlot.tzDate(new Date(ts * 1000), tz); };
    return new uPlot(opts, columns(c), el);
  }
  window.altbackupCharts = {};
  Array.prototype.forEach.call(document.querySelectorAll('script[type="application/json"][id^="data-"]'), function (node) {
    var c = JSON.parse(node.textContent);
    var el = document.getElementById('plot-' + c.id);
    var points = c.series.reduce(function (sum, s) { return sum + s.points.length; }, 0);
    if (points === 0) {
      el.textContent = 'no data in the ledger yet';
      el.className += ' empty';
      return;
    }
    window.altbackupCharts[c.id] = draw(c, el);
  });
})();
`;

function runRows(r: RunSummary, timezone: string): [string, string][] {
  return [
    ['run', `#${r.id}`],
    ['result', r.result],
    ['started', localDateTime(r.startedAt, timezone)],
    ['duration', formatDuration(r.durationS * 1000)],
    ['files', String(r.files)],
    ['bytes fetched', formatValue(r.bytesFetched, 'bytes')],
    ['throughput', formatValue(r.throughput, 'bytes/s')],
    ['resumes / retries', `${r.resumes} / ${r.retries}`],
    ...(r.error ? [['error', r.error] as [string, string]] : []),
  ];
}

function transferRow(t: TransferRow): string {
  const cells = [
    t.path,
    t.size === null ? '' : formatValue(t.size, 'bytes'),
    formatValue(t.bytes_fetched, 'bytes'),
    String(t.resumed_from),
    String(t.attempts),
    t.result + (t.error ? `: ${t.error}` : ''),
  ];
  return `<tr class="${t.result === 'ok' ? 'ok' : 'bad'}">${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

function latestRunHtml(data: ReportData): string {
  if (!data.latest) return '<p class="empty">No pull run recorded in the ledger yet.</p>';
  const { run, transfers } = data.latest;
  const summary = runRows(run, data.timezone).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
  const head = '<tr><th>path</th><th>size</th><th>fetched</th><th>resumed from</th><th>attempts</th><th>result</th></tr>';
  return `<table class="summary" id="latest-run">${summary}</table>`
    + (transfers.length ? `<table class="transfers" id="latest-transfers">${head}${transfers.map(transferRow).join('')}</table>` : '<p class="empty">This run transferred nothing.</p>');
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:840px;color:#222;padding:0 12px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin:28px 0 6px}
.meta{color:#666;margin-top:0}.empty{color:#888;padding:12px 0}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}
table.summary th{background:#f6f6f6;width:140px}tr.bad td{background:#fdecea}
`;

export function reportHtml(data: ReportData, meta: { ledgerFile: string; host: string }, assets: ChartAssets = loadChartAssets()): string {
  const charts = data.charts.map((c: Chart) => [
    `<section class="chart" id="chart-${escapeHtml(c.id)}">`,
    `<h2>${escapeHtml(c.title)}</h2>`,
    `<div class="plot" id="plot-${escapeHtml(c.id)}"></div>`,
    `<script type="application/json" id="data-${escapeHtml(c.id)}">${scriptJson(c)}</script>`,
    '</section>',
  ].join('\n')).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>altbackup report ${escapeHtml(meta.host)}</title>
<style>${assets.css}</style>
<style>${CSS}</style>
</head>
<body data-timezone="${escapeHtml(data.timezone)}">
<h1>altbackup report: ${escapeHtml(meta.host)}</h1>
<p class="meta">generated ${escapeHtml(localDateTime(data.generatedAt, data.timezone))} (${escapeHtml(data.timezone)}) from ${escapeHtml(meta.ledgerFile)}; ${data.runs.length} finished pull run${data.runs.length === 1 ? '' : 's'}; charts by uPlot ${escapeHtml(assets.version)}</p>
<section id="latest"><h2>Latest pull run</h2>
${latestRunHtml(data)}
</section>
${charts}
<script>${scriptSafe(assets.js)}</script>
<script>${DRAW}</script>
</body>
</html>
`;
}
