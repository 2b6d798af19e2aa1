/**
 * `status`: the health of the mirror against expectations (SPEC section 3).
 * Facts come from statusFacts.ts, the verdict from healthCheck.ts; this
 * module only prints them (aligned table or --json), writes the optional
 * Prometheus textfile and turns "unhealthy" into exit 1 with one stderr line
 * per reason.
 */
import { AltError, commandDays, ExitCode, formatDuration, humanSize, localDateTime, reasonOf, renderMetrics, todayIn, writeFileAtomic, type CommandContext } from '@altbackup/shared';
import { ageMs, assessHealth, type Health, type StatusFacts } from '../status/healthCheck.js';
import { statusMetrics } from '../status/promTextfile.js';
import { gatherStatusFacts } from '../status/statusFacts.js';

function alignTable(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function statusText(f: StatusFacts, h: Health): string {
  const day = f.days.at(-1)!;
  const dayLabel = day === todayIn({ timezone: f.timezone, now: new Date(f.now) }) ? 'TODAY' : day;
  const rows: string[][] = [['NAME', 'NEWEST', 'SIZE', 'AGE', dayLabel, 'ON TARGET', 'IN PROGRESS', 'PENDING']];
  for (const n of f.names) {
    const count = n.dayCounts.find((d) => d.day === day)?.count ?? 0;
    rows.push([
      n.name,
      n.newest ? `${n.newest.day} ${n.newest.time}` : '-',
      n.newest ? humanSize(n.newest.size) : '-',
      n.newest ? formatDuration(ageMs(f, n.newest)) : '-',
      n.expected === null ? String(count) : `${count}/${n.expected}`,
      String(n.verified),
      String(n.inProgress.length),
      n.pending === null ? '?' : String(n.pending.length),
    ]);
  }
  const lines = alignTable(rows);
  const section = (title: string, items: string[]) => {
    if (items.length > 0) lines.push('', `${title}:`, ...items.map((i) => `  ${i}`));
  };
  section('in progress', f.names.flatMap((n) => n.inProgress.map((p) =>
    `${p.path}  ${humanSize(p.bytes)}${p.size ? ` of ${humanSize(p.size)} (${Math.floor((100 * p.bytes) / Math.max(p.size, 1))}%)` : ''}`)));
  section('pending on the source (no sidecar yet)', f.names.flatMap((n) => (n.pending ?? []).map((p) => p.path)));
  section('ready on the source, not on the target yet', f.names.flatMap((n) => (n.notPulled ?? []).map((p) => p.path)));
  section('outstanding mismatches', f.mismatches.map((m) => `${m.path}  md5 ${m.actualMd5 ?? '?'} size ${m.actualSize ?? '?'}, sidecar ${m.expectedMd5 ?? '?'} size ${m.expectedSize ?? '?'}`));
  section('restore proofs (newest per series)', f.names.flatMap((n) => n.series.map((x) =>
    `${x.series}  ${x.proven ? `${x.proven.path} proven ${formatDuration(Math.max(0, f.now - x.proven.at))} ago` : 'never proven'}${x.newestState === 'restore-failed' ? `; NEWEST FAILED: ${x.newestPath}` : ''}`)));
  lines.push('');
  if (f.oldestScrub) lines.push(`oldest read: ${f.oldestScrub.path}, ${f.oldestScrub.at > 0 ? `${formatDuration(Math.max(0, f.now - f.oldestScrub.at))} ago` : 'never since it was stored'} (scrub_interval ${formatDuration(f.scrubIntervalMs)})`);
  lines.push(f.source.known ? `source: ${f.source.url} answered` : `source: pending unknown (${f.source.error})`);
  const r = f.lastRun;
  lines.push(r
    ? `last pull: #${r.id} ${r.result}, started ${localDateTime(r.startedAt, f.timezone)}, took ${r.durationMs === null ? '?' : formatDuration(r.durationMs)}, ${r.files} files, ${humanSize(r.bytes)}${r.error ? `: ${r.error}` : ''}`
    : 'last pull: none recorded');
  if (f.running) lines.push(`pull running: #${f.running.id} pid ${f.running.pid} since ${localDateTime(f.running.startedAt, f.timezone)}`);
  lines.push(h.healthy ? 'status: healthy' : `status: UNHEALTHY (${h.reasons.length} reason${h.reasons.length === 1 ? '' : 's'})`);
  return lines.join('\n') + '\n';
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const { config } = ctx;
  const days = commandDays(ctx);
  const facts = await gatherStatusFacts(config, { days, log: ctx.log });
  const health = assessHealth(facts);
  ctx.out.write(ctx.opts.json ? JSON.stringify({ ...health, ...facts }, null, 2) + '\n' : statusText(facts, health));
  if (!facts.source.known && config.target.sources.length > 0) ctx.log.warn({ error: facts.source.error }, 'status: pending items unknown');
  const promFile = ctx.opts.prometheus as string | undefined;
  if (promFile) {
    try {
      await writeFileAtomic(promFile, renderMetrics(statusMetrics(facts, health)));
    } catch (e) {
      throw new AltError('prometheus-write', `cannot write metrics file ${promFile}: ${reasonOf(e)}; check that its folder exists and is writable`);
    }
  }
  for (const reason of health.reasons) ctx.err.write(`${ctx.program.name} status: ${reason}\n`);
  return health.healthy ? ExitCode.ok : ExitCode.failed;
}
