import { humanSize, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { formatRetentionTable } from '../retention/retention.js';
import { extractBaseOf, ledgerPathOf } from '../target/targetDirs.js';
import { purgeExtracted, type ExtractedPurge } from '../trac/purgeExtracted.js';

const sum = (results: readonly ExtractedPurge[], key: 'deleted' | 'bytes') => results.reduce((n, r) => n + r[key], 0);

export async function run(ctx: CommandContext): Promise<number | void> {
  const dryRun = ctx.opts['dry-run'] === true;
  const opts = { base: extractBaseOf(ctx.config), keep: ctx.config.target.keep_extracted, wanted: ctx.config.wanted, dryRun };
  const ledger = Ledger.forCommand(ledgerPathOf(ctx.config), dryRun);
  let results: ExtractedPurge[] | null;
  try {
    results = await ledger.run('purge_extracted', [], (rec) => purgeExtracted(opts, rec),
      (r) => ({ result: 'ok', files: sum(r ?? [], 'deleted'), bytes: sum(r ?? [], 'bytes') }));
  } finally {
    ledger.close();
  }
  if (results === null) {
    ctx.out.write(`nothing extracted under ${opts.base}\n`);
    return 0;
  }
  const deleted = sum(results, 'deleted');
  const bytes = sum(results, 'bytes');
  if (ctx.opts.json) {
    ctx.out.write(JSON.stringify({
      dryRun, keep: opts.keep, base: opts.base,
      tracs: results.map((r) => ({ trac: r.trac, entries: r.decisions.map((d) => ({ index: d.index, path: d.entry.path, size: d.entry.size, delete: d.delete })), folders: r.folders })),
      deleted, bytes,
    }, null, 2) + '\n');
    return 0;
  }
  let s = '';
  for (const r of results) {
    s += formatRetentionTable(`tracs/${r.trac}`, opts.keep, r.decisions, 'extracted');
    for (const f of r.folders) s += `  empty folder ${f}\n`;
  }
  s += `${dryRun ? 'dry run: would delete' : 'deleted'} ${deleted} extracted trac.db (${humanSize(bytes)})\n`;
  ctx.out.write(s);
  return 0;
}
