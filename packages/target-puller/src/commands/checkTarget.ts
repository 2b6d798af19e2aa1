import { commandDays, type CommandContext } from '@altbackup/shared';
import { checkTarget } from '../check/checkTarget.js';
import { formatReport, reportJson } from '../check/format.js';
import { Ledger } from '../ledger/ledger.js';
import { ledgerPathOf, requireExistingTargetRoot } from '../target/targetDirs.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const days = ctx.opts.all === true ? 'all' : commandDays(ctx);
  // Checked before the ledger is opened, which would create the root.
  requireExistingTargetRoot(ctx.config);
  const ledger = Ledger.open(ledgerPathOf(ctx.config));
  let report;
  try {
    ({ report } = await ledger.run('check_target', days === 'all' ? [] : days, (rec) => checkTarget(ctx.config, { days }, ctx.log, rec),
      (r) => ({ result: r.report.problems.length ? 'failed' : 'ok', files: r.files, bytes: r.bytes, error: r.report.problems[0] ?? null })));
  } finally {
    ledger.close();
  }
  ctx.out.write(ctx.opts.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : formatReport(report));
  for (const p of report.problems) ctx.err.write(`altbackup check_target: ${p}\n`);
  ctx.log.info({ tarballs: report.tarballs.length, problems: report.problems.length }, 'check_target done');
  return report.problems.length ? 1 : 0;
}
