import { AltError, commandDays, humanSize, operatorLine, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { checkRestore, type RestoreEvent } from '../restore/checkRestore.js';
import { ledgerPathOf, requireExistingTargetRoot, scratchRootOf } from '../target/targetDirs.js';
import { stopOnSignals } from './signals.js';

function eventLine(e: RestoreEvent): string {
  const secs = `${(e.ms / 1000).toFixed(1)}s`;
  switch (e.result) {
    case 'ok': return `proven   ${e.path}  (${e.kind}: ${e.detail}, ${secs})`;
    case 'skipped': return `skipped  ${e.path}  (${e.detail})`;
    default: return `FAILED   ${e.path}  (${e.kind}: ${e.detail}, ${secs})`;
  }
}

/** `--oldest N`: a whole number of tarballs. */
function oldestOf(ctx: CommandContext): number | null {
  const v = ctx.opts.oldest as string | undefined;
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new AltError('usage', `--oldest ${JSON.stringify(v)} must be a whole number of tarballs, 1 or more`);
  return Number(v);
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const oldest = oldestOf(ctx);
  const root = requireExistingTargetRoot(ctx.config);
  const t = ctx.config.target;
  const days = ctx.opts.all === true || oldest !== null ? 'all' : commandDays(ctx);
  const signals = stopOnSignals();
  const ledger = Ledger.open(ledgerPathOf(ctx.config));
  try {
    const report = await ledger.run('check_restore', days === 'all' ? [] : days, (rec) => checkRestore({
      root, days, oldest, wanted: ctx.config.wanted, scratchRoot: scratchRootOf(ctx.config), minFree: t.min_free, timeoutMs: t.restore_timeout, signal: signals.signal,
    }, ledger, rec), (r) => {
      const failed = r.events.filter((e) => e.result === 'failed' || e.result === 'timeout');
      return { result: failed.length ? 'failed' : 'ok', files: r.events.filter((e) => e.result === 'ok').length, bytes: r.bytes, error: failed[0] ? `${failed[0].path}: ${failed[0].detail}` : null };
    });
    for (const s of report.swept) ctx.log.info({ folder: s }, `removed ${s}, the scratch space of a run that was killed`);
    if (ctx.opts.json) ctx.out.write(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const e of report.events) ctx.out.write(eventLine(e) + '\n');
      const n = (r: RestoreEvent['result']) => report.events.filter((e) => e.result === r).length;
      ctx.out.write(`check_restore: ${n('ok')} proven, ${n('failed') + n('timeout')} failed, ${n('skipped')} skipped; ${humanSize(report.bytes)} of archives read\n`);
    }
    const failed = report.events.filter((e) => e.result === 'failed' || e.result === 'timeout');
    for (const e of failed) ctx.err.write(`altbackup check_restore: ${operatorLine(new AltError('restore-failed', `${e.path}: ${e.detail}: the copy's MD5 matches, but it does not restore; check the source's backup job`))}\n`);
    return failed.length ? 1 : 0;
  } finally {
    ledger.close();
    signals.release();
  }
}
