import { AltError, commandDays, digestFiles, isWanted, type CommandContext, type FileDigest } from '@altbackup/shared';
import { scanDays } from '../localScan.js';
import { checkCounts, countLine, judgeTarball, summaryLine, tarballLine } from '../sourceCheck.js';
import { requireRoot } from '../sourceRoot.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const { config } = ctx;
  const root = requireRoot(config);
  const days = commandDays(ctx);
  const entries = (await scanDays(root, days)).filter((e) => isWanted(e.name, config.wanted));
  const toDigest = entries.filter((e) => e.state === 'complete');
  const digests = new Map<string, FileDigest | { error: string }>();
  for (const r of await digestFiles(toDigest.map((e) => e.abs))) {
    digests.set(r.path, 'digest' in r ? r.digest : { error: r.error.code ?? r.error.message });
  }
  const tarballs = entries.map((e) => judgeTarball(e, digests.get(e.abs) ?? null));
  const counts = checkCounts(entries, days, config.wanted, config.expect);
  const summary = summaryLine(tarballs, counts, days);
  const failures = tarballs.filter((t) => t.verdict !== 'ok').length + counts.filter((c) => !c.ok).length;
  if (ctx.opts.json) {
    ctx.out.write(JSON.stringify({ root, days, ok: failures === 0, tarballs, counts, summary }, null, 2) + '\n');
  } else {
    for (const t of tarballs) ctx.out.write(tarballLine(t) + '\n');
    for (const c of counts) ctx.out.write(countLine(c) + '\n');
    if (entries.length === 0) ctx.out.write(`no tarballs${config.wanted.length ? ` matching wanted ${config.wanted.join(',')}` : ''} under ${root} for ${days.join(', ')}\n`);
    ctx.out.write(summary + '\n');
  }
  if (failures > 0) {
    const first = tarballs.find((t) => t.verdict !== 'ok');
    const firstLine = first ? tarballLine(first) : countLine(counts.find((c) => !c.ok)!);
    throw new AltError('check-failed', `${failures} problem${failures === 1 ? '' : 's'} under ${root} (first: ${firstLine.replace(/\s+/, ' ')}); see the lines above`);
  }
}
