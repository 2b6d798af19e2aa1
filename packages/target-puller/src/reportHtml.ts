/**
 * The report as one self-contained HTML page: inline CSS, charts drawn as
 * inline SVG, no script that runs and nothing fetched when opened (a CSP
 * meta forbids it). Each chart's series are also embedded as JSON
 * (`<script type="application/json" id="data-<chart>">`) and every mark
 * carries `data-series`/`data-x`/`data-y`, so tests and other tools can check
 * the plotted points against the ledger.
 */
import { addDays, formatDuration } from '@altbackup/shared';
import { backupTimeMs } from './backupTime.js';
import type { Chart, ReportData, RunSummary, Unit } from './reportData.js';

const W = 760;
const H = 280;
const M = { top: 28, right: 16, bottom: 46, left: 70 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const BYTE_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'];

function bytesBase(max: number): number {
  let k = 0;
  while (max >= 1024 ** (k + 1) && k < BYTE_UNITS.length - 1) k++;
  return k;
}

function fmtBytes(v: number, k = bytesBase(Math.abs(v))): string {
  const x = v / 1024 ** k;
  return `${Number.isInteger(x) ? x : x.toFixed(x < 10 ? 2 : 1)}${BYTE_UNITS[k]}`;
}

export function formatValue(v: number, unit: Unit, k?: number): string {
  if (v === 0) return '0';
  switch (unit) {
    case 'bytes': return fmtBytes(v, k);
    case 'bytes/s': return `${fmtBytes(v, k)}/s`;
    case 'seconds': return formatDuration(v * 1000);
    case 'count': return String(Math.round(v * 100) / 100);
  }
}

/** A round axis top and step covering `max` (binary steps for bytes). */
export function niceScale(max: number, unit: Unit, ticks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: unit === 'count' ? 4 : 1, step: unit === 'count' ? 1 : 0.25 };
  const base = unit === 'bytes' || unit === 'bytes/s' ? 1024 ** bytesBase(max) : 1;
  const rough = max / base / ticks;
  const pow = 10 ** Math.floor(Math.log10(rough));
  const mult = [1, 2, 2.5, 5, 10].find((m) => m * pow >= rough)!;
  let step = mult * pow * base;
  if (unit === 'count') step = Math.max(1, Math.ceil(step));
  return { top: Math.ceil(max / step) * step, step };
}

/** `2024-03-01`, or `03-01 10:00` with the time, in the site's timezone. */
function dateLabel(ms: number, timezone: string, withTime: boolean): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return withTime ? `${get('month')}-${get('day')} ${get('hour')}:${get('minute')}` : `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * Ticks at the site's midnights (every k days, at most 8 ticks), or every
 * few hours when the range is under two days.
 */
export function timeTicks(lo: number, hi: number, timezone: string): { ms: number; label: string }[] {
  const span = hi - lo;
  const out: { ms: number; label: string }[] = [];
  if (span < 2 * 86_400_000) {
    const stepH = [1, 2, 3, 6, 12].find((h) => span / (h * 3_600_000) <= 8) ?? 12;
    const step = stepH * 3_600_000;
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push({ ms: t, label: dateLabel(t, timezone, true) });
    return out;
  }
  const stepD = Math.max(1, Math.ceil(span / 86_400_000 / 8));
  let day = dateLabel(lo, timezone, false).replace(/-/g, '/');
  for (let i = 0; i < 10_000; i++) {
    const ms = backupTimeMs(day, '000000', timezone);
    if (ms > hi) break;
    if (ms >= lo) out.push({ ms, label: day.replace(/\//g, '-') });
    day = addDays(day, stepD);
  }
  return out;
}

const n = (v: number) => String(Math.round(v * 10) / 10);

export function chartSvg(chart: Chart, timezone: string): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(chart.title)}">`];
  const allPoints = chart.series.flatMap((s) => s.points);
  if (allPoints.length === 0) {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">no data in the ledger yet</text></svg>`);
    return out.join('');
  }
  // y axis
  const stackedMax = chart.stacked
    ? Math.max(...chart.categories.map((_, i) => chart.series.reduce((s, se) => s + (se.points.find((p) => p.x === i)?.y ?? 0), 0)))
    : Math.max(...allPoints.map((p) => p.y));
  const { top, step } = niceScale(stackedMax, chart.unit);
  const k = chart.unit === 'bytes' || chart.unit === 'bytes/s' ? bytesBase(top) : undefined;
  const yPos = (v: number) => M.top + ph - (v / top) * ph;
  out.push(`<g class="axis y">`);
  for (let v = 0; v <= top + step / 1e6; v += step) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${n(yPos(v))}" y2="${n(yPos(v))}" class="grid"/>`);
    out.push(`<text x="${M.left - 6}" y="${n(yPos(v) + 4)}" text-anchor="end">${escapeHtml(formatValue(v, chart.unit, k))}</text>`);
  }
  out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeHtml(chart.yLabel)}</text></g>`);
  // x axis
  let xPos: (x: number) => number;
  let band = 0;
  out.push(`<g class="axis x">`);
  if (chart.xKind === 'time') {
    let lo = Math.min(...allPoints.map((p) => p.x));
    let hi = Math.max(...allPoints.map((p) => p.x));
    if (hi - lo < 3_600_000) {
      lo -= 43_200_000;
      hi += 43_200_000;
    }
    const pad = (hi - lo) * 0.04;
    lo -= pad;
    hi += pad;
    xPos = (x) => M.left + ((x - lo) / (hi - lo)) * pw;
    for (const t of timeTicks(lo, hi, timezone)) {
      const x = xPos(t.ms);
      const anchor = x > W - M.right - 40 ? 'end' : 'middle';
      out.push(`<line x1="${n(x)}" x2="${n(x)}" y1="${M.top + ph}" y2="${M.top + ph + 4}"/>`);
      out.push(`<text x="${n(x)}" y="${M.top + ph + 18}" text-anchor="${anchor}">${escapeHtml(t.label)}</text>`);
    }
  } else {
    band = pw / Math.max(1, chart.categories.length);
    xPos = (i) => M.left + band * (i + 0.5);
    const every = Math.ceil(chart.categories.length / 12);
    chart.categories.forEach((c, i) => {
      if (i % every === 0) out.push(`<text x="${n(xPos(i))}" y="${M.top + ph + 18}" text-anchor="middle">${escapeHtml(c)}</text>`);
    });
  }
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 6}" text-anchor="middle" class="label">${escapeHtml(chart.xLabel)}</text></g>`);
  // marks
  const mark = (series: string, x: number, y: number, label: string) =>
    `data-series="${escapeHtml(series)}" data-x="${x}" data-y="${y}"><title>${escapeHtml(`${series}: ${label}: ${formatValue(y, chart.unit)}`)}</title>`;
  const base = new Map<number, number>();
  chart.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length]!;
    out.push(`<g class="series" data-name="${escapeHtml(s.name)}" fill="${color}" stroke="${color}">`);
    if (chart.kind === 'line') {
      if (s.points.length > 1) out.push(`<polyline fill="none" stroke-width="2" points="${s.points.map((p) => `${n(xPos(p.x))},${n(yPos(p.y))}`).join(' ')}"/>`);
      for (const p of s.points) out.push(`<circle class="mark" cx="${n(xPos(p.x))}" cy="${n(yPos(p.y))}" r="3.5" ${mark(s.name, p.x, p.y, p.label)}</circle>`);
    } else {
      const groups = chart.stacked ? 1 : chart.series.length;
      const bw = (band * 0.8) / groups;
      for (const p of s.points) {
        const below = chart.stacked ? base.get(p.x) ?? 0 : 0;
        const x0 = xPos(p.x) - band * 0.4 + (chart.stacked ? 0 : si * bw);
        const y1 = yPos(below + p.y);
        out.push(`<rect class="mark" x="${n(x0)}" y="${n(y1)}" width="${n(Math.max(1, bw - 1))}" height="${n(yPos(below) - y1)}" stroke="none" ${mark(s.name, p.x, p.y, p.label)}</rect>`);
        if (chart.stacked) base.set(p.x, below + p.y);
      }
    }
    out.push('</g>');
  });
  // legend
  chart.series.forEach((s, si) => {
    const x = M.left + si * 130;
    out.push(`<g class="legend"><rect x="${x}" y="8" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/><text x="${x + 14}" y="17">${escapeHtml(s.name)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** JSON safe inside a `<script>` element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function runRows(r: RunSummary, timezone: string): string[][] {
  return [
    ['run', `#${r.id}`],
    ['result', r.result],
    ['started', `${dateLabel(r.startedAt, timezone, false)} ${dateLabel(r.startedAt, timezone, true).slice(6)}`],
    ['duration', formatDuration(r.durationS * 1000)],
    ['files', String(r.files)],
    ['bytes fetched', formatValue(r.bytesFetched, 'bytes')],
    ['throughput', formatValue(r.throughput, 'bytes/s')],
    ['resumes / retries', `${r.resumes} / ${r.retries}`],
    ...(r.error ? [['error', r.error]] : []),
  ];
}

function latestRunHtml(data: ReportData): string {
  if (!data.latest) return '<p class="empty">No pull run recorded in the ledger yet.</p>';
  const { run, transfers } = data.latest;
  const summary = runRows(run, data.timezone).map(([k, v]) => `<tr><th>${escapeHtml(k!)}</th><td>${escapeHtml(v!)}</td></tr>`).join('');
  const head = '<tr><th>path</th><th>size</th><th>fetched</th><th>resumed from</th><th>attempts</th><th>result</th></tr>';
  const rows = transfers.map((t) => `<tr class="${t.result === 'ok' ? 'ok' : 'bad'}"><td>${escapeHtml(t.path)}</td><td>${t.size === null ? '' : escapeHtml(formatValue(t.size, 'bytes'))}</td><td>${escapeHtml(formatValue(t.bytes_fetched, 'bytes'))}</td><td>${t.resumed_from}</td><td>${t.attempts}</td><td>${escapeHtml(t.result)}${t.error ? `: ${escapeHtml(t.error)}` : ''}</td></tr>`).join('');
  return `<table class="summary" id="latest-run">${summary}</table>`
    + (transfers.length ? `<table class="transfers" id="latest-transfers">${head}${rows}</table>` : '<p class="empty">This run transferred nothing.</p>');
}

const CSS = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:820px;color:#222;padding:0 12px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin:28px 0 6px}
.meta{color:#666;margin-top:0}.empty{fill:#888;color:#888}
svg{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}
svg text{font-size:11px;fill:#444;stroke:none}svg .label{fill:#666}
svg line{stroke:#999}svg line.grid{stroke:#eee}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;font-size:13px}
table.summary th{background:#f6f6f6;width:140px}tr.bad td{background:#fdecea}
`;

export function reportHtml(data: ReportData, meta: { ledgerFile: string; host: string }): string {
  const generated = `${dateLabel(data.generatedAt, data.timezone, false)} ${dateLabel(data.generatedAt, data.timezone, true).slice(6)}`;
  const charts = data.charts.map((c) => [
    `<section class="chart" id="chart-${escapeHtml(c.id)}">`,
    `<h2>${escapeHtml(c.title)}</h2>`,
    chartSvg(c, data.timezone),
    `<script type="application/json" id="data-${escapeHtml(c.id)}">${scriptJson(c)}</script>`,
    '</section>',
  ].join('\n')).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>altbackup report ${escapeHtml(meta.host)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>altbackup report: ${escapeHtml(meta.host)}</h1>
<p class="meta">generated ${escapeHtml(generated)} (${escapeHtml(data.timezone)}) from ${escapeHtml(meta.ledgerFile)}; ${data.runs.length} finished pull run${data.runs.length === 1 ? '' : 's'}</p>
<section id="latest"><h2>Latest pull run</h2>
${latestRunHtml(data)}
</section>
${charts}
</body>
</html>
`;
}
