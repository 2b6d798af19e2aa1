/**
 * The result table: one row per compared figure, printed on the terminal and
 * written as Markdown with the date and the machine it was measured on.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Row {
  /** Scenario number (1-7), as in the issue. */
  id: number;
  measure: string;
  altbackup: string;
  comparison: string;
  /** altbackup / comparison (median of per-run ratios), null when not measured. */
  ratio: number | null;
  target: string;
  /** null: not measured (tool not available or failed; see note). */
  met: boolean | null;
  /** Why altbackup's figure is missing (the same for every row of a measure). */
  why?: string;
  note?: string;
}

export const HEADERS = ['#', 'measure', 'altbackup', 'comparison', 'ratio', 'target', 'met?'] as const;

export function cells(r: Row): string[] {
  return [
    String(r.id),
    r.measure,
    r.altbackup,
    r.comparison,
    r.ratio === null || !Number.isFinite(r.ratio) ? '-' : r.ratio.toFixed(2),
    r.target,
    r.met === null ? 'n/a' : r.met ? 'yes' : 'NO',
  ];
}

export function textTable(rows: readonly Row[]): string {
  const all = [HEADERS.slice(), ...rows.map(cells)];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Each measure's missing-figure reason once, then every row's own note. */
export function notes(rows: readonly Row[]): string[] {
  const out: string[] = [];
  const said = new Set<string>();
  for (const r of rows) {
    if (r.why && !said.has(`${r.id} ${r.why}`)) {
      said.add(`${r.id} ${r.why}`);
      out.push(`${r.id} altbackup ${r.altbackup}: ${r.why}`);
    }
    if (r.note) out.push(`${r.id} ${r.measure}: ${r.note}`);
  }
  return out;
}

export interface Machine {
  cores: number;
  memory: string;
  cpu: string;
  node: string;
  kernel: string;
  /** 1-minute load average when the bench started: other work skews figures. */
  load: number;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // /proc is Linux only; os.cpus() is the fallback.
  }
  return {
    cores: os.cpus().length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    cpu,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    load: os.loadavg()[0]!,
  };
}

export function formatSeconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-';
}

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : '-';
}

export function formatRate(bytesPerSec: number): string {
  return Number.isFinite(bytesPerSec) ? `${(bytesPerSec / 1e6).toFixed(0)} MB/s` : '-';
}

export function formatMB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(1)} MB` : '-';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${+(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${+(bytes / 2 ** 30).toFixed(2)} GiB`;
}

export interface ResultsDoc {
  date: Date;
  machine: Machine;
  mode: string;
  runs: number;
  wallMs: number;
  tools: string[];
  rows: readonly Row[];
  remarks: string[];
}

export function resultsMarkdown(d: ResultsDoc): string {
  const m = d.machine;
  return [
    '# altbackup benchmark results',
    '',
    `Measured ${d.date.toISOString().replace(/\.\d+Z$/, 'Z')} by \`npm run bench\` (${d.mode}, median of ${d.runs} runs per figure, ratios are medians of per-run pairs; the whole bench took ${formatSeconds(d.wallMs)}).`,
    '',
    `Machine: ${m.cores} cores, ${m.memory} memory, CPU ${m.cpu}, Node ${m.node}, ${m.kernel}; load average ${m.load.toFixed(2)} when the bench started.`,
    '',
    `Tools: ${d.tools.join('; ')}.`,
    '',
    markdownTable(d.rows),
    '',
    ...(notes(d.rows).length ? ['Notes:', '', ...notes(d.rows).map((n) => `- ${n}`), ''] : []),
    ...d.remarks.map((r) => `${r}\n`),
  ].join('\n');
}
