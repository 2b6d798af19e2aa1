/** `check_target`'s table and JSON. */
import { humanSize } from '@altbackup/shared';
import { tally, type CheckReport, type CheckState, type TarballCheck } from './verdict.js';

const LABEL: Record<CheckState, string> = {
  ok: 'ok', mismatch: 'MISMATCH', 'bad-sidecar': 'BAD-SIDECAR', unreadable: 'UNREADABLE',
  'in-progress': 'in progress', pending: 'pending', missing: 'MISSING', unknown: 'UNKNOWN',
};

export function formatReport(r: CheckReport): string {
  const lines: string[] = [];
  const sizeOf = (t: TarballCheck) => (t.size !== null ? humanSize(t.size) : t.partSize !== null ? humanSize(t.partSize) : '-');
  for (const t of r.tarballs) {
    lines.push(`${LABEL[t.state].padEnd(11)} ${sizeOf(t).padStart(6)}  ${t.path}${t.detail && t.state !== 'ok' ? `  (${t.detail})` : ''}`);
  }
  for (const c of r.counts) lines.push(`${c.shortfall ? 'SHORT' : 'count'} ${c.day} ${c.name}: ${tally(c)} of ${c.expected} expected`);
  const n = (s: CheckState) => r.tarballs.filter((t) => t.state === s).length;
  const days = r.days === 'all' ? 'all days' : r.days.length === 1 ? r.days[0] : `${r.days[0]}..${r.days[r.days.length - 1]}`;
  const source = r.source.kind === 'ok' ? `source ${r.source.source}` : r.source.kind === 'unreachable' ? 'source unreachable' : 'source not asked';
  const bad = n('mismatch') + n('bad-sidecar') + n('unreadable');
  lines.push(`check_target ${days}: ${r.tarballs.length} tarball(s): ${n('ok')} ok, ${bad} bad, ${n('in-progress')} in progress, ` +
    `${n('pending')} pending, ${n('missing') + n('unknown')} missing; ${source}; ` +
    (r.problems.length ? `${r.problems.length} problem(s)` : 'all good'));
  return lines.join('\n') + '\n';
}

export function reportJson(r: CheckReport): unknown {
  const source = r.source.kind === 'ok'
    ? { kind: 'ok', source: r.source.source, complete: [...r.source.complete].sort(), pending: [...r.source.pending].sort() }
    : r.source;
  return { ok: r.problems.length === 0, days: r.days, source, lock: r.lock, tarballs: r.tarballs, counts: r.counts, problems: r.problems };
}

