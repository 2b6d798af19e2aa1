import { AltError, humanSize, operatorLine, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { acquireLock } from '../target/lock.js';
import { purgeTarget, type PurgeResult } from '../retention/purgeTarget.js';
import { formatRetentionTable, type RetentionPolicy } from '../retention/retention.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireTargetRoot(ctx.config);
  const dryRun = ctx.opts['dry-run'] === true;
  const t = ctx.config.target;
  const policy = { keep: t.keep, daily: t.keep_daily, weekly: t.keep_weekly, monthly: t.keep_monthly };
  // A pull writing a .part or renaming a tarball must not race the deletions.
  const lock = dryRun ? null : acquireLock(root);
  let result: PurgeResult;
  try {
    const ledger = Ledger.forCommand(ledgerPathOf(ctx.config), dryRun);
    try {
      result = await ledger.run('purge_target', [], (rec) => purgeTarget({ root, policy, wanted: ctx.config.wanted, dryRun }, ledger, rec),
        (r) => ({ result: r.failures.length ? 'failed' : 'ok', files: r.deleted, bytes: r.bytes, error: r.failures[0] ?? null }));
    } finally {
      ledger.close();
    }
  } finally {
    lock?.release();
  }
  ctx.out.write(ctx.opts.json ? JSON.stringify(purgeJson(result, policy, dryRun), null, 2) + '\n' : purgeText(result, policy, dryRun));
  for (const f of result.failures) ctx.err.write(`altbackup purge_target: ${operatorLine(new AltError('delete-failed', `${f}: check permissions, then run purge_target again`))}\n`);
  ctx.log.info({ deleted: result.deleted, bytes: result.bytes, folders: result.folders.length, dryRun }, 'purge_target done');
  return result.failures.length ? 1 : 0;
}

/** The text report; everything but the last line is the same for a dry run and a real one. */
function purgeText(r: PurgeResult, policy: RetentionPolicy, dryRun: boolean): string {
  let s = '';
  for (const c of r.lockedCatfolds) s += `${c}: LOCKED, skipped\n`;
  for (const sf of r.subfolds) s += formatRetentionTable(sf.subfold, policy, sf.decisions);
  s += `empty folders: ${r.folders.length}\n`;
  for (const f of r.folders) s += `  ${f}\n`;
  const verb = dryRun ? 'dry run: would delete' : 'deleted';
  s += `${verb} ${r.deleted} tarball(s) (${humanSize(r.bytes)}) and ${r.folders.length} empty folder(s)\n`;
  return s;
}

function purgeJson(r: PurgeResult, policy: RetentionPolicy, dryRun: boolean): unknown {
  return {
    dryRun,
    keep: policy.keep,
    policy,
    locked: r.lockedCatfolds,
    subfolds: r.subfolds.map((sf) => ({
      subfold: sf.subfold,
      entries: sf.decisions.map((d) => ({ index: d.index, path: d.entry.path, state: d.entry.state, why: d.entry.why, delete: d.delete, keptBy: d.keptBy })),
    })),
    folders: r.folders,
    deleted: r.deleted,
    bytes: r.bytes,
    failures: r.failures,
  };
}
