import { AltError, operatorLine, selectDays, type CommandContext } from '@altbackup/shared';
import { listExtracted } from '../trac/purgeExtracted.js';
import { extractBaseOf, requireTargetRoot, wantedTracs } from '../target/targetDirs.js';
import { formatSlaveTable, queryTracdb, reportRows, staleBefore, utcDateTime, windowStart, type Window } from '../trac/examineTracdb.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireTargetRoot(ctx.config);
  const base = extractBaseOf(ctx.config);
  const dayArgs = { day: ctx.opts.day as string | undefined, since: ctx.opts.since as string | undefined };
  const days = selectDays(dayArgs, { timezone: ctx.config.timezone });
  const tracs = await wantedTracs([root, base], ctx.config.wanted);
  if (tracs.length === 0) {
    throw new AltError('no-trac', `no wanted Trac under ${root}/tracs or ${base}/tracs (wanted ${JSON.stringify(ctx.config.wanted.join(' '))}): pull and extract_tracdb first, or fix --wanted`);
  }
  const w: Window = { now: Math.floor(Date.now() / 1000), windowDays: ctx.config.target.window_days, staleDays: ctx.config.target.stale_days };
  const reports: unknown[] = [];
  let failures = 0;
  for (const trac of tracs) {
    // Oldest first, so with several runs on one day the newest, the day's state, is set last.
    const newestOfDay = new Map((await listExtracted(base, trac, new Set(days))).map((db) => [db.day, db]));
    for (const day of days) {
      const db = newestOfDay.get(day);
      try {
        if (!db) {
          throw new AltError('not-extracted', `no extracted trac.db for tracs/${trac} on ${day} under ${base}: run \`altbackup extract_tracdb --day ${day}\` first`);
        }
        const rows = reportRows(await queryTracdb(db.abs, windowStart(w)), w);
        if (ctx.opts.json) {
          reports.push({
            trac, day, time: db.time, file: db.abs, now: w.now, window_days: w.windowDays, stale_days: w.staleDays,
            since: windowStart(w), stale_before: staleBefore(w), slaves: rows,
          });
        } else {
          ctx.out.write(`tracs/${trac} ${day} ${db.time}: ${db.abs}\n`);
          ctx.out.write(`${rows.length} slave(s) with builds whose revision time is since ${utcDateTime(windowStart(w))} UTC (${w.windowDays} days); STALE: last start before ${utcDateTime(staleBefore(w))} UTC (${w.staleDays} days)\n`);
          ctx.out.write(formatSlaveTable(rows));
        }
      } catch (e) {
        failures++;
        ctx.err.write(`altbackup examine_tracdb: ${operatorLine(e)}\n`);
      }
    }
  }
  if (ctx.opts.json) ctx.out.write(JSON.stringify(reports, null, 2) + '\n');
  return failures ? 1 : 0;
}
