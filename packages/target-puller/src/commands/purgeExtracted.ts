import { existsSync } from 'node:fs';
import { AltError, humanSize, type CommandContext } from '@altbackup/shared';
import { purgeExtracted, type ExtractedPurge } from '../trac/purgeExtracted.js';
import { Ledger } from '../ledger/ledger.js';
import { formatRetentionTable } from '../retention/retention.js';
import { extractBaseOf, ledgerPathOf, wantedTracs } from '../target/targetDirs.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const base = extractBaseOf(ctx.config);
  const keep = ctx.config.target.keep_extracted;
  const dryRun = ctx.opts['dry-run'] === true;
  if (!existsSync(base)) {
    ctx.out.write(`nothing extracted under ${base}\n`);
    return 0;
  }
  const tracs = await wantedTracs([base], ctx.config.wanted);
  const ledger = dryRun ? null : Ledger.open(ledgerPathOf(ctx.config));
  const runId = ledger?.startRun('purge_extracted') ?? null;
  const results: ExtractedPurge[] = [];
  try {
    for (const trac of tracs) {
      results.push(await purgeExtracted(base, trac, keep, dryRun, (db) => {
        ledger?.recordPurge(runId, { kind: 'extracted', path: db.path, size: db.size });
      }));
    }
  } catch (e) {
    if (runId !== null) ledger!.endRun(runId, 'failed', { error: (e as Error).message });
    ledger?.close();
    throw new AltError('purge-extracted-failed', `${base}: ${(e as Error).message}: check permissions, then run purge_extracted again`, 1, { cause: e });
  }
  const deleted = results.reduce((n, r) => n + r.deleted, 0);
  const bytes = results.reduce((n, r) => n + r.bytes, 0);
  if (runId !== null) ledger!.endRun(runId, 'ok', { files: deleted, bytes });
  ledger?.close();
  if (ctx.opts.json) {
    ctx.out.write(JSON.stringify({
      dryRun, keep, base,
      tracs: results.map((r) => ({ trac: r.trac, entries: r.decisions.map((d) => ({ index: d.index, path: d.entry.path, size: d.entry.size, delete: d.delete })), folders: r.folders })),
      deleted, bytes,
    }, null, 2) + '\n');
    return 0;
  }
  let s = '';
  for (const r of results) {
    s += formatRetentionTable(`tracs/${r.trac}`, keep, r.decisions, 'extracted');
    for (const f of r.folders) s += `  empty folder ${f}\n`;
  }
  s += `${dryRun ? 'dry run: would delete' : 'deleted'} ${deleted} extracted trac.db (${humanSize(bytes)})\n`;
  ctx.out.write(s);
  return 0;
}
