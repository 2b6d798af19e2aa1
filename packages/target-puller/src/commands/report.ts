/**
 * `report --out FILE.html`: plots of the ledger's history (SPEC section 3)
 * in one self-contained HTML file, written atomically so a web server or a
 * mail job never picks up half a page.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { AltError, reasonOf, usageError, writeFileAtomic, type CommandContext } from '@altbackup/shared';
import { readLedger, type RunRow } from '../ledger/ledger.js';
import { reportData, type LedgerRows, type TransferRow, type VerificationRow } from '../report/reportData.js';
import { reportHtml } from '../report/reportHtml.js';
import { ledgerPathOf } from '../target/targetDirs.js';

function readLedgerRows(db: Database.Database): LedgerRows {
  return {
    runs: db.prepare('SELECT * FROM runs ORDER BY id').all() as RunRow[],
    transfers: db.prepare('SELECT id, run_id, path, size, md5, bytes_fetched, resumed_from, attempts, started_at, ended_at, result, error FROM transfers ORDER BY id').all() as TransferRow[],
    verifications: db.prepare('SELECT id, run_id, path, actual_size, ok, at FROM verifications ORDER BY id').all() as VerificationRow[],
  };
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const out = ctx.opts.out as string | undefined;
  if (!out) throw usageError('usage', 'report needs --out FILE.html');
  const { config } = ctx;
  const file = ledgerPathOf(config);
  if (!existsSync(file)) {
    throw new AltError('no-ledger', `no ledger at ${file}: run a pull first, or point target.ledger / --ledger at the ledger file`);
  }
  const rows = readLedger(file, { runs: [], transfers: [], verifications: [] }, readLedgerRows);
  const data = reportData(rows, { names: config.wanted.length ? config.wanted : Object.keys(config.expect), timezone: config.timezone, now: Date.now() });
  try {
    await writeFileAtomic(out, reportHtml(data, { ledgerFile: file, host: hostname() }));
  } catch (e) {
    throw new AltError('report-write', `cannot write ${out}: ${reasonOf(e)}; check that its folder exists and is writable`);
  }
  ctx.log.info({ out, runs: data.runs.length }, 'report written');
  ctx.out.write(`wrote ${out} (${data.runs.length} pull runs)\n`);
}
