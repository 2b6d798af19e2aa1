import { commandDays, operatorLine, type CommandContext } from '@altbackup/shared';
import { extractBaseOf, requireTargetRoot } from '../target/targetDirs.js';
import { examineTracdb, formatSlaveTable, staleBefore, utcDateTime, windowStart, type Window } from '../trac/examineTracdb.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const w: Window = { now: Math.floor(Date.now() / 1000), windowDays: ctx.config.target.window_days, staleDays: ctx.config.target.stale_days };
  const results = await examineTracdb({ root: requireTargetRoot(ctx.config), base: extractBaseOf(ctx.config), days: commandDays(ctx), wanted: ctx.config.wanted, window: w });
  const reports: unknown[] = [];
  for (const r of results) {
    if (r.error) {
      ctx.err.write(`altbackup examine_tracdb: ${operatorLine(r.error)}\n`);
    } else if (ctx.opts.json) {
      reports.push({
        trac: r.trac, day: r.day, time: r.time, file: r.file, now: w.now, window_days: w.windowDays, stale_days: w.staleDays,
        since: windowStart(w), stale_before: staleBefore(w), slaves: r.slaves,
      });
    } else {
      ctx.out.write(`tracs/${r.trac} ${r.day} ${r.time}: ${r.file}\n`);
      ctx.out.write(`${r.slaves.length} slave(s) with builds whose revision time is since ${utcDateTime(windowStart(w))} UTC (${w.windowDays} days); STALE: last start before ${utcDateTime(staleBefore(w))} UTC (${w.staleDays} days)\n`);
      ctx.out.write(formatSlaveTable(r.slaves));
    }
  }
  if (ctx.opts.json) ctx.out.write(JSON.stringify(reports, null, 2) + '\n');
  return results.some((r) => r.error) ? 1 : 0;
}
