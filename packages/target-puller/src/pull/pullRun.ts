/**
 * One `pull` run (SPEC section 5): take the target's lock, list the selected
 * days on the source, plan against the target's files and the ledger, move
 * up to `concurrency` tarballs at once under one bandwidth budget, record
 * everything in the ledger, and stop cleanly at the run deadline. A run never
 * hangs: every network wait has a timeout and the deadline bounds the rest.
 */
import { existsSync } from 'node:fs';
import pRetry from 'p-retry';
import {
  AltError, formatDuration, humanSize, type Config, type Logger,
} from '@altbackup/shared';
import { throttleFor } from './bandwidth.js';
import { Ledger } from '../ledger/ledger.js';
import { acquireLock, type HeldLock } from '../target/lock.js';
import { bytesToFetch, makePlan, type Plan, type PlanItem, type TargetState } from './plan.js';
import { BarProgress, progressFor } from './progress.js';
import { retryOptions, shortCause } from '../source/retryPolicy.js';
import { AllSourcesFailed, SourceClient, clientOptionsFrom, showSource } from '../source/sourceClient.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { describeFailure, isRetryable, unwrapRetryError } from '../source/sourceFailure.js';
import { readTargetState, removeStrays } from '../target/targetFiles.js';
import { transferTarball, type TransferOutcome } from './transfer.js';

export interface PullOptions {
  config: Config;
  days: readonly string[];
  dryRun: boolean;
  json: boolean;
  log: Logger;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface PullSummary {
  days: readonly string[];
  files: number;
  fetched: number;
  resumed: number;
  skipped: number;
  never: number;
  pending: number;
  failed: number;
  aborted: number;
  bytes: number;
  durationMs: number;
}

/** Why the run was cut short: the deadline or a signal. */
export class RunStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStopped';
  }
}

export function summarize(plan: Plan, outcomes: readonly TransferOutcome[], days: readonly string[], durationMs: number): PullSummary {
  const count = (a: PlanItem['action']) => plan.items.filter((i) => i.action === a).length;
  return {
    days,
    files: plan.items.length,
    fetched: outcomes.filter((o) => o.result === 'ok').length,
    resumed: outcomes.filter((o) => o.result === 'ok' && o.resumedFrom > 0).length,
    skipped: count('skip'),
    never: count('never'),
    pending: plan.pending.length,
    failed: outcomes.filter((o) => o.result === 'failed' || o.result === 'mismatch').length,
    aborted: outcomes.filter((o) => o.result === 'aborted').length,
    bytes: outcomes.reduce((n, o) => n + o.bytesFetched, 0),
    durationMs,
  };
}

export function summaryLine(s: PullSummary): string {
  return `pull: ${s.files} tarball(s) listed: ${s.fetched} fetched (${s.resumed} resumed), ${s.skipped} already verified, ${s.never} purged earlier, ${s.pending} pending on the source, ${s.failed} failed, ${s.aborted} stopped; ${humanSize(s.bytes)} transferred in ${formatDuration(s.durationMs)}`;
}

export function planLine(i: PlanItem): string {
  const what = i.action === 'resume' ? `resume@${i.offset}` : i.action;
  return `${what.padEnd(8)} ${i.entry.path}  ${humanSize(i.entry.size)}  (${i.reason}${i.conflict ? `; WARNING ${i.conflict}` : ''})`;
}

export function outcomeLine(o: TransferOutcome): string {
  const secs = Math.max(0.001, (o.endedAt - o.startedAt) / 1000);
  const size = `${humanSize(o.dna.size)} in ${formatDuration(o.endedAt - o.startedAt)} (${humanSize(o.bytesFetched / secs)}/s)`;
  switch (o.result) {
    case 'ok': return `${o.resumedFrom > 0 ? 'resumed' : 'fetched'} ${o.path}  ${size}${o.resumedFrom > 0 ? `, from byte ${o.resumedFrom}` : ''}, ${o.attempts} attempt(s), verified md5 ${o.dna.dig}`;
    case 'aborted': return `stopped ${o.path}  ${o.error}`;
    default: return `FAILED  ${o.path}  ${o.error}`;
  }
}

/** Runs `fn` over items with at most `n` at once, in order of start. */
async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return results;
}

function listingFailure(e: unknown): AltError {
  const err = unwrapRetryError(e);
  if (err instanceof AltError) return err;
  const line = describeFailure(err, 'listing the source failed');
  return new AltError(err instanceof AllSourcesFailed ? 'sources-unreachable' : 'listing-failed', line);
}

export async function pullRun(opts: PullOptions): Promise<{ summary: PullSummary; plan: Plan; outcomes: TransferOutcome[] }> {
  const { config, log } = opts;
  const started = Date.now();
  const root = requireTargetRoot(config);
  const clientOptions = clientOptionsFrom(config);
  const stop = new AbortController();
  const deadline = setTimeout(
    () => stop.abort(new RunStopped(`the run deadline of ${formatDuration(config.target.deadline)} passed`)),
    config.target.deadline,
  );
  const onSignal = (sig: NodeJS.Signals) => stop.abort(new RunStopped(`interrupted by ${sig}`));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let lock: HeldLock | null = null;
  let ledger: Ledger | null = null;
  let runId: number | null = null;
  const client = new SourceClient(clientOptions, log);
  try {
    if (!opts.dryRun) lock = acquireLock(root);
    const ledgerPath = ledgerPathOf(config);
    if (!opts.dryRun || existsSync(ledgerPath)) ledger = Ledger.open(ledgerPath);
    if (!opts.dryRun && ledger) runId = ledger.startRun('pull', opts.days);

    log.info({ days: opts.days, sources: clientOptions.sources.map(showSource), root }, `pull: listing ${opts.days.join(', ')} on ${clientOptions.sources.map(showSource).join(', ')}`);
    const retry = retryOptions(config, stop.signal);
    let lastListingError: unknown = null;
    const listing = await pRetry(() => client.listing(opts.days, config.wanted, stop.signal), {
      ...retry,
      shouldRetry: (e) => isRetryable(e, stop.signal),
      onFailedAttempt: (e) => {
        lastListingError = e;
        if (!stop.signal.aborted) log.warn({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft }, `listing attempt ${e.attemptNumber} failed (${shortCause(e)})`);
      },
    }).catch((e: unknown) => {
      if (stop.signal.aborted) {
        const last = lastListingError ? ` (last failure: ${listingFailure(lastListingError).message})` : '';
        throw new AltError('deadline', `${(stop.signal.reason as Error).message} while listing the source; nothing was pulled${last}`);
      }
      throw listingFailure(e);
    });

    for (const bad of listing.invalid) {
      log.warn({ path: bad.path }, `${bad.path}: the source does not serve it (${bad.problem}); fix its sidecar on the source`);
    }
    const { entries, pending } = listing;
    const states = new Map<string, TargetState>();
    for (const e of entries) states.set(e.path, await readTargetState(root, e.path));
    const plan = makePlan(entries, pending, (p) => states.get(p), ledger?.purgedTarballs() ?? new Set());
    for (const i of plan.items) {
      log.debug({ path: i.entry.path, action: i.action, offset: i.offset }, i.reason);
      if (i.conflict) log.warn({ path: i.entry.path }, `${i.entry.path}: ${i.conflict}; the target copy is replaced only once the source's verifies`);
    }

    if (opts.dryRun) {
      if (opts.json) opts.out.write(JSON.stringify({ plan: plan.items.map((i) => ({ path: i.entry.path, action: i.action, offset: i.offset, size: i.entry.size, reason: i.reason, conflict: i.conflict })), pending: plan.pending, bytes: bytesToFetch(plan) }, null, 2) + '\n');
      else {
        for (const i of plan.items) opts.out.write(planLine(i) + '\n');
        for (const p of plan.pending) opts.out.write(`pending  ${p}  (no sidecar yet on the source)\n`);
        opts.out.write(`dry run: would transfer ${humanSize(bytesToFetch(plan))}; nothing was fetched\n`);
      }
      return { summary: summarize(plan, [], opts.days, Date.now() - started), plan, outcomes: [] };
    }

    for (const e of entries) {
      for (const f of await removeStrays(root, e.path, states.get(e.path)!)) log.info({ file: f }, `removed ${f} left by an interrupted run`);
    }
    const work = plan.items.filter((i) => i.action === 'fetch' || i.action === 'resume');
    log.info({ transfers: work.length, bytes: bytesToFetch(plan) }, `pull: ${work.length} to transfer (${humanSize(bytesToFetch(plan))}), ${plan.items.length - work.length} already done or purged, ${plan.pending.length} pending`);
    const progress = progressFor(log, opts.err, !opts.json);
    // Info lines written between the bars would tear them apart; the per-file
    // lines are printed once the bars are done, and a log file keeps them all.
    const fileLog = progress instanceof BarProgress && !config.log_file ? log.child({}, { level: 'warn' }) : log;
    const throttle = throttleFor(config.target.bwlimit);
    const outcomes = await pool(work, config.target.concurrency, async (item) => {
      if (stop.signal.aborted) {
        const now = Date.now();
        return {
          path: item.entry.path, result: 'aborted', dna: item.entry.dna, etag: null, sourceUrl: null, bytesFetched: 0, resumedFrom: item.offset,
          attempts: 0, startedAt: now, endedAt: now, error: `not started: ${(stop.signal.reason as Error).message}`, quarantined: [],
        } satisfies TransferOutcome;
      }
      progress.start(item.entry.path, item.entry.size, item.offset);
      const o = await transferTarball(item, {
        root, client, log: fileLog, throttle, signal: stop.signal, retry, checkpointEvery: config.target.checkpoint,
        onProgress: (p, held, total) => progress.update(p, held, total),
        onVerified: (v) => ledger?.recordVerification(runId, {
          path: v.path, expectedMd5: v.expected.dig, expectedSize: v.expected.size, actualMd5: v.actual.dig, actualSize: v.actual.size, ok: v.ok,
        }),
      });
      progress.stop(item.entry.path);
      ledger?.recordTransfer(runId, { ...o, size: o.dna.size, md5: o.dna.dig });
      const line = outcomeLine(o);
      if (o.result === 'ok') fileLog.info({ path: o.path, bytes: o.bytesFetched, attempts: o.attempts }, line);
      else fileLog.error({ path: o.path, result: o.result }, line);
      return o;
    });
    progress.end();

    const summary = summarize(plan, outcomes, opts.days, Date.now() - started);
    if (opts.json) {
      opts.out.write(JSON.stringify({ summary, outcomes, skipped: plan.items.filter((i) => i.action === 'skip').map((i) => i.entry.path), never: plan.items.filter((i) => i.action === 'never').map((i) => i.entry.path), pending: plan.pending }, null, 2) + '\n');
    } else {
      for (const o of outcomes) opts.out.write(outcomeLine(o) + '\n');
      opts.out.write(summaryLine(summary) + '\n');
    }
    log.info({ summary }, summaryLine(summary));

    const failed = outcomes.filter((o) => o.result === 'failed' || o.result === 'mismatch');
    const stopped = outcomes.filter((o) => o.result === 'aborted');
    let error: AltError | null = null;
    if (stopped.length > 0) {
      error = new AltError('deadline', `${(stop.signal.reason as Error).message}; ${stopped.length} tarball(s) not pulled yet (${stopped.map((o) => o.path).join(', ')}): their .part files are kept and the next run resumes them`);
    } else if (failed.length > 0) {
      error = new AltError('pull-failed', failed.length === 1
        ? `${failed[0]!.path}: ${failed[0]!.error}`
        : `${failed.length} tarballs failed: ${failed.map((o) => `${o.path}: ${o.error}`).join('; ')}`);
    }
    ledger?.endRun(runId!, error ? (stopped.length > 0 ? 'aborted' : 'failed') : 'ok', { files: summary.fetched, bytes: summary.bytes, error: error?.message ?? null });
    runId = null;
    if (error) throw error;
    return { summary, plan, outcomes };
  } catch (e) {
    if (ledger && runId !== null) ledger.endRun(runId, stop.signal.aborted ? 'aborted' : 'failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    clearTimeout(deadline);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await client.close().catch(() => undefined);
    ledger?.close();
    lock?.release();
  }
}
