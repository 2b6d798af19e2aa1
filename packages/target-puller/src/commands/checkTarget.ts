import { commandDays, type CommandContext } from '@altbackup/shared';
import { checkTarget, formatReport, reportJson } from '../check/checkTarget.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const days = ctx.opts.all === true
    ? 'all'
    : commandDays(ctx);
  const report = await checkTarget(ctx.config, { days }, ctx.log);
  ctx.out.write(ctx.opts.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : formatReport(report));
  for (const p of report.problems) ctx.err.write(`altbackup check_target: ${p}\n`);
  ctx.log.info({ tarballs: report.tarballs.length, problems: report.problems.length }, 'check_target done');
  return report.problems.length ? 1 : 0;
}
