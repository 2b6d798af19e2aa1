import { AltError, humanSize, selectDays, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { restoreCopy } from '../restore/restoreCopy.js';
import { ledgerPathOf, requireExistingTargetRoot, scratchRootOf } from '../target/targetDirs.js';
import { stopOnSignals } from './signals.js';

/**
 * `restore` takes the folder as the word after it: `altbackup restore
 * svn/dybsvn --to DIR`. The runner hands over every word as a command, so
 * this command is given the words after `restore` (program.ts marks it).
 */
export async function run(ctx: CommandContext): Promise<number | void> {
  const folder = ctx.args?.[0];
  const to = ctx.opts.to as string | undefined;
  if (!folder || !to) throw new AltError('usage', 'restore needs a folder and --to DIR: altbackup restore svn/dybsvn --to /var/scm/repos/dybsvn');
  const day = ctx.opts.day ? selectDays({ day: ctx.opts.day as string }, { timezone: ctx.config.timezone })[0]! : null;
  const root = requireExistingTargetRoot(ctx.config);
  const t = ctx.config.target;
  const signals = stopOnSignals();
  const ledger = Ledger.open(ledgerPathOf(ctx.config));
  try {
    const r = await ledger.run('restore', day ? [day] : [], (rec) => restoreCopy({
      root, folder, to, day, scratchRoot: scratchRootOf(ctx.config), minFree: t.min_free, timeoutMs: t.restore_timeout, signal: signals.signal,
    }, ledger, rec), (x) => ({ result: 'ok', files: 1, bytes: x.bytes }));
    ctx.out.write(`restored ${r.tarball} into ${r.to}: ${r.what}, ${humanSize(r.bytes)} unpacked; ${r.proof}\n`);
    ctx.out.write(`to put it in service: ${r.next}\n`);
  } finally {
    ledger.close();
    signals.release();
  }
}
