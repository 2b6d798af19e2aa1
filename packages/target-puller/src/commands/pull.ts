/**
 * `pull` (alias `transfer`, the old tool's name): fetch the wanted tarballs
 * of the selected days that the target lacks, resumably and verified. This
 * command owns what a library must not: the signal handlers, the progress
 * bars and every line on stdout. The run is announced to the `[notify]`
 * webhook and command, which never change its result.
 */
import { AltError, commandDays, humanSize, parseTarballPath, type CommandContext } from '@altbackup/shared';
import { withNotifications } from '../notify.js';
import { bytesToFetch, type PlanItem } from '../pull/plan.js';
import { BarProgress, progressFor } from '../pull/progress.js';
import { outcomeLine, pullRun, summaryLine, type PullResult } from '../pull/pullRun.js';
import { stopOnSignals } from './signals.js';

function planLine(i: PlanItem): string {
  const what = i.action === 'resume' ? `resume@${i.offset}` : i.action;
  const note = i.replaces ? `; the copy there goes to .altbackup/${i.replaces.aside}/ first` : '';
  return `${what.padEnd(8)} ${i.entry.path}  ${humanSize(i.entry.size)}  (${i.reason}${note})`;
}

function dryRunText(r: PullResult): string {
  let s = '';
  for (const i of r.plan.items) s += planLine(i) + '\n';
  for (const p of r.plan.pending) s += `pending  ${p}  (no sidecar yet on the source)\n`;
  return s + `dry run: would transfer ${humanSize(bytesToFetch(r.plan))}; nothing was fetched\n`;
}

function dryRunJson(r: PullResult): unknown {
  return {
    plan: r.plan.items.map((i) => ({ path: i.entry.path, action: i.action, offset: i.offset, size: i.entry.size, reason: i.reason, replaces: i.replaces, held: i.held })),
    pending: r.plan.pending,
    bytes: bytesToFetch(r.plan),
  };
}

function runJson(r: PullResult): unknown {
  const paths = (a: PlanItem['action']) => r.plan.items.filter((i) => i.action === a).map((i) => i.entry.path);
  return { summary: r.summary, outcomes: r.outcomes, skipped: paths('skip'), never: paths('never'), pending: r.plan.pending };
}

/** `--accept-changed` paths: layout paths only, so a typo is a usage error rather than a silent no-op. */
function acceptedPaths(ctx: CommandContext): Set<string> {
  const given = (ctx.opts['accept-changed'] as string[] | undefined) ?? [];
  for (const p of given) {
    if (!parseTarballPath(p)) throw new AltError('usage', `--accept-changed ${JSON.stringify(p)} is not a tarball path such as svn/dybsvn/2024/03/05/104701/dybsvn-20550.tar.gz (see altbackup ls)`);
  }
  return new Set(given);
}

export async function run(ctx: CommandContext): Promise<number | void> {
  const days = commandDays(ctx);
  const accept = acceptedPaths(ctx);
  const dryRun = ctx.opts['dry-run'] === true;
  const json = ctx.opts.json === true;
  const pullOnce = async (notes: { add(line: string): void }) => {
    const signals = stopOnSignals();
    const progress = dryRun ? undefined : progressFor(ctx.log, ctx.err as NodeJS.WritableStream & { isTTY?: boolean }, !json);
    // Info lines written between the bars would tear them apart: while bars
    // are drawn only warnings reach the terminal, and the per-file lines are
    // printed once the bars are done (a log file keeps them all).
    const log = progress instanceof BarProgress && !ctx.config.log_file ? ctx.log.child({}, { level: 'warn' }) : ctx.log;
    let r: PullResult;
    try {
      r = await pullRun({ config: ctx.config, days, dryRun, log, signal: signals.signal, progress, accept });
    } finally {
      signals.release();
    }
    if (dryRun) ctx.out.write(json ? JSON.stringify(dryRunJson(r), null, 2) + '\n' : dryRunText(r));
    else if (json) ctx.out.write(JSON.stringify(runJson(r), null, 2) + '\n');
    else ctx.out.write([...r.outcomes.map(outcomeLine), summaryLine(r.summary)].join('\n') + '\n');
    for (const p of r.notAccepted) ctx.err.write(`altbackup pull: --accept-changed ${p}: the source lists no other version of a copy the target holds there; nothing done for it\n`);
    notes.add(summaryLine(r.summary));
    if (r.error) throw r.error;
  };
  // A dry run changes nothing, so it tells nobody.
  if (dryRun) await pullOnce({ add() {} });
  else await withNotifications(ctx.config, ctx.log, 'pull', pullOnce);
}
