/**
 * `report --out FILE.html`: plots of the ledger's history (SPEC section 3)
 * in one self-contained HTML file, written atomically so a web server or a
 * mail job never picks up half a page.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { AltError, reasonOf, writeFileAtomic, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { reportData } from '../report/reportData.js';
import { reportHtml } from '../report/reportHtml.js';
import { ledgerPathOf } from '../target/targetDirs.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const out = ctx.opts.out as string | undefined;
  if (!out) throw new AltError('usage', 'report needs --out FILE.html');
  const { config } = ctx;
  const file = ledgerPathOf(config);
  if (!existsSync(file)) {
    throw new AltError('no-ledger', `no ledger at ${file}: run a pull first, or point target.ledger / --ledger at the ledger file`);
  }
  const ledger = Ledger.read(file);
  const history = (() => {
    try {
      return ledger.history();
    } finally {
      ledger.close();
    }
  })();
  const data = reportData(history, { names: config.wanted.length ? config.wanted : Object.keys(config.expect), timezone: config.timezone, now: Date.now() });
  try {
    await writeFileAtomic(out, reportHtml(data, { ledgerFile: file, host: hostname() }));
  } catch (e) {
    throw new AltError('report-write', `cannot write ${out}: ${reasonOf(e)}; check that its folder exists and is writable`);
  }
  ctx.log.info({ out, runs: data.runs.length }, 'report written');
  ctx.out.write(`wrote ${out} (${data.runs.length} pull runs)\n`);
}
