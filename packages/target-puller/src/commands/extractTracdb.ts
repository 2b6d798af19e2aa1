import { AltError, commandDays, humanSize, operatorLine, scanTree, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { stateOf } from '../retention/purgeTarget.js';
import { extractBaseOf, ledgerPathOf, requireTargetRoot, wantedTracs } from '../target/targetDirs.js';
import { extractedPathOf, extractMember, tracdbMemberOf } from '../trac/extractTracdb.js';

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireTargetRoot(ctx.config);
  const base = extractBaseOf(ctx.config);
  const days = commandDays(ctx);
  const dryRun = ctx.opts['dry-run'] === true;
  const tracs = await wantedTracs([root], ctx.config.wanted);
  if (tracs.length === 0) {
    throw new AltError('no-trac', `no wanted Trac on the target: no ${root}/tracs/<name> folder matches wanted ${JSON.stringify(ctx.config.wanted.join(' '))}; pull first or fix --wanted`);
  }
  const ledger = dryRun ? null : Ledger.open(ledgerPathOf(ctx.config));
  const runId = ledger?.startRun('extract_tracdb', days) ?? null;
  let failures = 0;
  let extracted = 0;
  let bytes = 0;
  const report = (e: unknown) => {
    failures++;
    ctx.err.write(`altbackup extract_tracdb: ${operatorLine(e)}\n`);
    // As the runner does: stderr already has the line; a log file gets it too.
    if (ctx.config.log_file) ctx.log.error({ code: (e as AltError).code }, operatorLine(e));
  };
  try {
    const failedChecks = new Set(ledger?.latestVerifications().filter((v) => !v.ok).map((v) => v.path) ?? []);
    const found = await scanTree(root, { days: new Set(days), catfolds: new Set(['tracs']) });
    for (const trac of tracs) {
      const tarballs = found.filter((t) => t.subfold === trac && t.name === `${trac}.tar.gz`);
      for (const day of days) {
        if (!tarballs.some((t) => t.day === day)) {
          report(new AltError('no-tarball', `no tracs/${trac}/${day}/*/${trac}.tar.gz on the target (${root}): pull it first, or pick another --day`));
        }
      }
      for (const t of tarballs) {
        const out = extractedPathOf(base, t, trac);
        const { state, why } = await stateOf(t, failedChecks);
        if (state !== 'verified') {
          report(new AltError('tarball-unverified', `${t.path} is not verified (${why ?? state}): run pull or check_target first; nothing extracted`));
          ledger?.recordExtraction(runId, { tarballPath: t.path, outPath: out, size: null, result: 'failed', error: `unverified: ${why ?? state}` });
          continue;
        }
        if (dryRun) {
          ctx.out.write(`would extract ${t.path} -> ${out}\n`);
          continue;
        }
        try {
          const r = await extractMember(t.abs, tracdbMemberOf(trac), out, { label: t.path, base });
          ledger?.recordExtraction(runId, { tarballPath: t.path, outPath: out, size: r.size, result: r.result === 'extracted' ? 'ok' : 'skipped' });
          if (r.result === 'extracted') {
            extracted++;
            bytes += r.size;
            ctx.out.write(`extracted ${t.path} -> ${out} (${humanSize(r.size)})\n`);
          } else {
            ctx.out.write(`already extracted: ${out} (${humanSize(r.size)})\n`);
          }
          ctx.log.info({ tarball: t.path, out, size: r.size, result: r.result }, 'extract_tracdb');
        } catch (e) {
          ledger?.recordExtraction(runId, { tarballPath: t.path, outPath: out, size: null, result: 'failed', error: (e as Error).message });
          report(e);
        }
      }
    }
  } catch (e) {
    if (runId !== null) ledger!.endRun(runId, 'failed', { error: (e as Error).message });
    ledger?.close();
    throw e;
  }
  if (runId !== null) ledger!.endRun(runId, failures ? 'failed' : 'ok', { files: extracted, bytes });
  ledger?.close();
  return failures ? 1 : 0;
}
