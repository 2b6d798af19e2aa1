/**
 * `pull` (alias `transfer`, the old tool's name): fetch the wanted tarballs
 * of the selected days that the target lacks, resumably and verified. The
 * run is announced to the `[notify]` webhook and command, which never change
 * its result.
 */
import { selectDays, type CommandContext } from '@altbackup/shared';
import { withNotifications } from '../notify.js';
import { pullRun, summaryLine } from '../pull/pullRun.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const days = selectDays(
    { day: ctx.opts.day as string | undefined, since: ctx.opts.since as string | undefined },
    { timezone: ctx.config.timezone },
  );
  const dryRun = Boolean(ctx.opts['dry-run']);
  const pullOnce = async (notes: { add(line: string): void }) => {
    const { summary } = await pullRun({
      config: ctx.config,
      days,
      dryRun,
      json: Boolean(ctx.opts.json),
      log: ctx.log,
      out: ctx.out,
      err: ctx.err,
    });
    notes.add(summaryLine(summary));
  };
  // A dry run changes nothing, so it tells nobody.
  if (dryRun) await pullOnce({ add() {} });
  else await withNotifications(ctx.config, ctx.log, 'pull', pullOnce);
}
