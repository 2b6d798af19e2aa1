/**
 * `pull` (alias `transfer`, the old tool's name): fetch the wanted tarballs
 * of the selected days that the target lacks, resumably and verified.
 */
import { selectDays, type CommandDef } from '@altbackup/shared';
import { pullRun } from '../pullRun.js';

export const pullCommand: CommandDef = {
  name: 'pull',
  aliases: ['transfer'],
  summary: 'fetch the selected days\' wanted tarballs the target lacks: resumable, verified, one run at a time',
  async run(ctx) {
    const days = selectDays(
      { day: ctx.opts.day as string | undefined, since: ctx.opts.since as string | undefined },
      { timezone: ctx.config.timezone },
    );
    await pullRun({
      config: ctx.config,
      days,
      dryRun: Boolean(ctx.opts['dry-run']),
      json: Boolean(ctx.opts.json),
      log: ctx.log,
      out: ctx.out,
      err: ctx.err,
    });
  },
};
