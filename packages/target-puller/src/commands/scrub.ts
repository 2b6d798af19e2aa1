import { AltError, formatDuration, humanSize, operatorLine, type CommandContext } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { scrub, type ScrubEvent } from '../scrub/scrub.js';
import { ledgerPathOf, requireExistingTargetRoot } from '../target/targetDirs.js';

function eventLine(e: ScrubEvent): string {
  return `${e.result === 'ok' ? 'ok      ' : e.result === 'corrupt' ? 'CORRUPT ' : 'UNREADABLE'} ${humanSize(e.size).padStart(6)}  ${e.path}${e.result === 'ok' ? '' : `  (${e.detail})`}`;
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const root = requireExistingTargetRoot(ctx.config);
  const t = ctx.config.target;
  const ledger = Ledger.open(ledgerPathOf(ctx.config));
  try {
    const report = await ledger.run('scrub', [], (rec) => scrub({
      root, wanted: ctx.config.wanted, maxBytes: t.scrub_max_bytes, maxDurationMs: t.scrub_max_duration, intervalMs: t.scrub_interval,
    }, ledger, rec), (r) => {
      const bad = r.events.filter((e) => e.result !== 'ok');
      return { result: bad.length ? 'failed' : 'ok', files: r.events.length, bytes: r.bytesRead, error: bad[0] ? `${bad[0].path}: ${bad[0].detail}` : null };
    });
    if (ctx.opts.json) ctx.out.write(JSON.stringify(report, null, 2) + '\n');
    else {
      for (const e of report.events) ctx.out.write(eventLine(e) + '\n');
      ctx.out.write(`scrub: ${report.events.length} of ${report.total.files} copies read (${humanSize(report.bytesRead)} of ${humanSize(report.total.bytes)}, budget ${humanSize(report.budget)}), ${report.left} left for later runs; the whole mirror is read within ${formatDuration(t.scrub_interval)}\n`);
    }
    const bad = report.events.filter((e) => e.result !== 'ok');
    for (const e of bad) {
      const what = e.result === 'corrupt' ? 'corrupt at rest' : 'unreadable';
      ctx.err.write(`altbackup scrub: ${operatorLine(new AltError('corrupt', `${e.path} is ${what}: ${e.detail}; nothing deleted: it no longer counts toward keep, and the next pull moves it to quarantine and fetches it again`))}\n`);
    }
    return bad.length ? 1 : 0;
  } finally {
    ledger.close();
  }
}
