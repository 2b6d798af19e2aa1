import { commandDays, humanSize, operatorLine, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { extractBaseOf, ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { extractTracdb, type ExtractEvent } from '../trac/extractTracdb.js';

function eventLine(e: ExtractEvent): string {
  switch (e.kind) {
    case 'extracted': return `extracted ${e.tarball} -> ${e.out} (${humanSize(e.size)})`;
    case 'already': return `already extracted: ${e.out} (${humanSize(e.size)})`;
    case 'would-extract': return `would extract ${e.tarball} -> ${e.out}`;
    case 'failed': return operatorLine(e.error);
  }
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const dryRun = ctx.opts['dry-run'] === true;
  const opts = { root: requireTargetRoot(ctx.config), base: extractBaseOf(ctx.config), minFree: ctx.config.target.min_free, days: commandDays(ctx), wanted: ctx.config.wanted, dryRun };
  const ledger = Ledger.forCommand(ledgerPathOf(ctx.config), dryRun);
  try {
    const report = await ledger.run('extract_tracdb', opts.days, (rec) => extractTracdb(opts, ledger, rec),
      (r) => ({ result: r.failures ? 'failed' : 'ok', files: r.extracted, bytes: r.bytes }));
    for (const e of report.events) {
      if (e.kind === 'failed') {
        ctx.err.write(`altbackup extract_tracdb: ${eventLine(e)}\n`);
        // As the runner does: stderr already has the line; a log file gets it too.
        if (ctx.config.log_file) ctx.log.error({ code: e.error.code }, eventLine(e));
      } else {
        ctx.out.write(eventLine(e) + '\n');
        if (e.kind !== 'would-extract') ctx.log.info({ tarball: e.tarball, out: e.out, size: e.size, result: e.kind }, 'extract_tracdb');
      }
    }
    return report.failures ? 1 : 0;
  } finally {
    ledger.close();
  }
}
