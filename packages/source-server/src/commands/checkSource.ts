import { commandDays, type CommandContext } from '@altbackup/shared';
import { checkFailure, checkSource, countLine, tarballLine } from '../sourceCheck.js';
import { requireRoot } from '../sourceRoot.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const { config } = ctx;
  const r = await checkSource(requireRoot(config), commandDays(ctx), config.wanted, config.expect);
  if (ctx.opts.json) {
    ctx.out.write(JSON.stringify({ root: r.root, days: r.days, ok: r.failures === 0, tarballs: r.tarballs, counts: r.counts, summary: r.summary }, null, 2) + '\n');
  } else {
    for (const t of r.tarballs) ctx.out.write(tarballLine(t) + '\n');
    for (const c of r.counts) ctx.out.write(countLine(c) + '\n');
    if (r.tarballs.length === 0) ctx.out.write(`no tarballs${config.wanted.length ? ` matching wanted ${config.wanted.join(',')}` : ''} under ${r.root} for ${r.days.join(', ')}\n`);
    ctx.out.write(r.summary + '\n');
  }
  const failure = checkFailure(r);
  if (failure) throw failure;
}
