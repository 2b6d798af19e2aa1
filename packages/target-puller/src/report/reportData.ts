/**
 * The report's numbers: ledger rows in, chart series and the latest run's
 * table out. Pure, so what each chart shows is tested against the rows
 * without rendering anything.
 */
import { parseTarballPath, todayIn, wantedNameOf } from '@altbackup/shared';
import { backupTimeMs } from '../status/backupTime.js';
import type { LedgerHistory, TransferRow } from '../ledger/ledger.js';

export type Unit = 'bytes' | 'seconds' | 'bytes/s' | 'count';

export interface Point {
  x: number;
  y: number;
  /** Shown on hover: the tarball path or the run. */
  label: string;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface Chart {
  id: string;
  title: string;
  kind: 'line' | 'bar';
  /** time: x is Unix ms; category: x indexes `categories`. */
  xKind: 'time' | 'category';
  categories: string[];
  xLabel: string;
  yLabel: string;
  unit: Unit;
  series: Series[];
}

export interface RunSummary {
  id: number;
  result: string;
  startedAt: number;
  endedAt: number | null;
  durationS: number;
  files: number;
  bytesFetched: number;
  /** Bytes fetched per second of run time. */
  throughput: number;
  resumes: number;
  retries: number;
  error: string | null;
}

export interface ReportData {
  generatedAt: number;
  timezone: string;
  charts: Chart[];
  runs: RunSummary[];
  latest: { run: RunSummary; transfers: TransferRow[] } | null;
}

export interface ReportOptions {
  /** Names to group tarball sizes by (wanted prefixes); empty: the name without revision. */
  names: readonly string[];
  timezone: string;
  now: number;
}

/** Which series a tarball's size belongs to. */
function seriesNameOf(fileName: string, names: readonly string[]): string | null {
  if (names.length === 0) return fileName.replace(/\.tar\.gz$/, '').replace(/-\d+$/, '');
  return wantedNameOf(fileName, names);
}

/**
 * Tarball sizes over backup time, one chart per wanted name with a series
 * per `<catfold>/<subfold>` (an svn dump and a Trac tarball of the same name
 * differ in size by a factor, so one line would zigzag). Every path a pull
 * fetched successfully or a verification found good appears once, with its
 * latest known size.
 */
export function sizeCharts(rows: LedgerHistory, opts: ReportOptions): Chart[] {
  const sizes = new Map<string, { size: number; order: number }>();
  const note = (path: string, size: number | null, order: number) => {
    if (size === null) return;
    const prev = sizes.get(path);
    if (!prev || prev.order < order) sizes.set(path, { size, order });
  };
  for (const t of rows.transfers) if (t.result === 'ok') note(t.path, t.size, t.ended_at ?? t.started_at);
  for (const v of rows.verifications) if (v.ok === 1) note(v.path, v.actual_size, v.at);
  const byName = new Map<string, Map<string, Point[]>>();
  for (const [path, { size }] of sizes) {
    const ref = parseTarballPath(path);
    if (!ref) continue;
    const name = seriesNameOf(ref.name, opts.names);
    if (!name) continue;
    const bySubfold = byName.get(name) ?? new Map<string, Point[]>();
    const key = `${ref.catfold}/${ref.subfold}`;
    bySubfold.set(key, [...(bySubfold.get(key) ?? []), { x: backupTimeMs(ref.day, ref.time, opts.timezone), y: size, label: path }]);
    byName.set(name, bySubfold);
  }
  const names = opts.names.length > 0 ? [...opts.names] : [...byName.keys()].sort();
  return names.map((name) => ({
    id: `sizes-${name}`, title: `Tarball size: ${name}`, kind: 'line', xKind: 'time', categories: [],
    xLabel: 'backup time', yLabel: 'size', unit: 'bytes',
    series: [...(byName.get(name) ?? new Map<string, Point[]>()).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([subfold, points]) => ({ name: subfold, points: points.sort((a, b) => a.x - b.x || (a.label < b.label ? -1 : 1)) })),
  }));
}

export function summarizeRuns(rows: LedgerHistory): RunSummary[] {
  const byRun = new Map<number, TransferRow[]>();
  for (const t of rows.transfers) {
    if (t.run_id === null) continue;
    const list = byRun.get(t.run_id) ?? [];
    list.push(t);
    byRun.set(t.run_id, list);
  }
  return rows.runs
    .filter((r) => r.command === 'pull' && r.result !== 'running' && r.ended_at !== null)
    .sort((a, b) => a.id - b.id)
    .map((r) => {
      const ts = byRun.get(r.id) ?? [];
      const durationS = Math.max(0, (r.ended_at! - r.started_at) / 1000);
      const bytesFetched = ts.reduce((s, t) => s + t.bytes_fetched, 0);
      return {
        id: r.id,
        result: r.result,
        startedAt: r.started_at,
        endedAt: r.ended_at,
        durationS,
        files: r.files,
        bytesFetched,
        throughput: durationS > 0 ? bytesFetched / durationS : 0,
        resumes: ts.filter((t) => t.resumed_from > 0).length,
        retries: ts.reduce((s, t) => s + Math.max(0, t.attempts - 1), 0),
        error: r.error,
      };
    });
}

function runChart(id: string, title: string, runs: RunSummary[], unit: Unit, yLabel: string, series: [string, (r: RunSummary) => number][], kind: 'line' | 'bar' = 'bar'): Chart {
  return {
    id, title, kind, xKind: 'category', categories: runs.map((r) => `#${r.id}`), xLabel: 'pull run', yLabel, unit,
    series: series.map(([name, pick]) => ({
      name,
      points: runs.map((r, i) => ({ x: i, y: pick(r), label: `run #${r.id} (${r.result})` })),
    })),
  };
}

/** The site's calendar day of an instant, YYYY/MM/DD. */
function dayOf(ms: number, timezone: string): string {
  return todayIn({ timezone, now: new Date(ms) });
}

/** Verification results per day (the site's calendar day of the check): good and mismatched. */
export function verificationChart(rows: LedgerHistory, timezone: string): Chart {
  const days = [...new Set(rows.verifications.map((v) => dayOf(v.at, timezone)))].sort();
  const count = (day: string, ok: number) => rows.verifications.filter((v) => v.ok === ok && dayOf(v.at, timezone) === day).length;
  return {
    id: 'verifications', title: 'Verification results per day', kind: 'bar', xKind: 'category', categories: days,
    xLabel: 'day', yLabel: 'tarballs', unit: 'count',
    series: [
      { name: 'verified', points: days.map((d, i) => ({ x: i, y: count(d, 1), label: d })) },
      { name: 'mismatch', points: days.map((d, i) => ({ x: i, y: count(d, 0), label: d })) },
    ],
  };
}

export function reportData(rows: LedgerHistory, opts: ReportOptions): ReportData {
  const runs = summarizeRuns(rows);
  const last = runs.at(-1);
  return {
    generatedAt: opts.now,
    timezone: opts.timezone,
    charts: [
      ...sizeCharts(rows, opts),
      runChart('durations', 'Pull duration per run', runs, 'seconds', 'duration', [['duration', (r) => r.durationS]]),
      runChart('throughput', 'Pull throughput per run (bytes fetched / run time)', runs, 'bytes/s', 'throughput', [['throughput', (r) => r.throughput]], 'line'),
      runChart('resumes', 'Resumes and retries per run', runs, 'count', 'transfers', [['resumes', (r) => r.resumes], ['retries', (r) => r.retries]]),
      verificationChart(rows, opts.timezone),
    ],
    runs,
    latest: last ? { run: last, transfers: rows.transfers.filter((t) => t.run_id === last.id).sort((a, b) => a.id - b.id) } : null,
  };
}
