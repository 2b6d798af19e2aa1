/**
 * One `pull` run (SPEC section 5): take the target's lock, list the selected
 * days on the source, plan against the target's files and the ledger, move
 * up to `concurrency` tarballs at once under one bandwidth budget, record
 * everything in the ledger, and stop cleanly at the run deadline. A run never
 * hangs: every network wait has a timeout and the deadline bounds the rest.
 *
 * A dry run takes no lock and writes nothing, but reads the ledger and the
 * files exactly as the real run would, so its plan is the real run's plan.
 * The command prints; this module only decides, does and logs.
 */
import { join } from 'node:path';
import pRetry from 'p-retry';
import { AltError, formatDuration, humanSize, partPathOf, type Config, type Logger } from '@altbackup/shared';
import { Ledger, type LatestCheck, type RunRecorder } from '../ledger/ledger.js';
import { retryOptions, shortCause } from '../source/retryPolicy.js';
import { SourceClient, clientOptionsFrom, showSource, type SourceListing } from '../source/sourceClient.js';
import { isRetryable, sourceError } from '../source/sourceFailure.js';
import { acquireLock, type HeldLock } from '../target/lock.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { readCopy, removeStrays } from '../target/targetFiles.js';
import { throttleFor } from './bandwidth.js';
import { readPartMeta } from './part/partMeta.js';
import { bytesToFetch, makePlan, type Plan, type PlanItem, type TargetState } from './plan.js';
import type { Progress } from './progress.js';
import { notStarted, transferTarball, type TransferOutcome } from './transfer.js';

export interface PullOptions {
  config: Config;
  days: readonly string[];
  dryRun: boolean;
  log: Logger;
  /** Aborted by the command (SIGINT, SIGTERM): the run stops as at its deadline. */
  signal?: AbortSignal;
  /** Told about each file's bytes; none: progress is only logged at the end. */
  progress?: Progress;
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

export interface PullResult {
  plan: Plan;
  /** Empty for a dry run. */
  outcomes: TransferOutcome[];
  summary: PullSummary;
  /** Listed paths the source cannot serve (unreadable sidecar on the source). */
  invalid: { path: string; problem: string }[];
  /** Why the run failed, after every transfer was tried and recorded; null when it did not. */
  error: AltError | null;
}

function summarize(plan: Plan, outcomes: readonly TransferOutcome[], days: readonly string[], durationMs: number): PullSummary {
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

/** The target's files for every listed path, with the ledger's latest check of each. */
async function targetStates(root: string, listing: SourceListing, checks: ReadonlyMap<string, LatestCheck>): Promise<Map<string, TargetState>> {
  const states = new Map<string, TargetState>();
  for (const e of listing.entries) {
    const copy = await readCopy(root, e.path);
    const partMeta = copy.partSize !== null || (copy.exists && copy.sidecar === null) ? await readPartMeta(partPathOf(join(root, e.path))) : null;
    states.set(e.path, { copy, partMeta, lastCheck: checks.get(e.path) });
  }
  return states;
}

/** Why the run stopped (deadline or signal), for the operator. */
function stopReason(signal: AbortSignal): string {
  const r = signal.reason as unknown;
  return r instanceof Error ? r.message : String(r);
}

export async function pullRun(opts: PullOptions): Promise<PullResult> {
  const { config, log } = opts;
  const started = Date.now();
  const root = requireTargetRoot(config);
  const clientOptions = clientOptionsFrom(config);
  const lock: HeldLock | null = opts.dryRun ? null : acquireLock(root);
  const ledger = (() => {
    try {
      return Ledger.forCommand(ledgerPathOf(config), opts.dryRun);
    } catch (e) {
      lock?.release();
      throw e;
    }
  })();
  // The deadline and the command's signal stop the run the same way; the reason is the operator's line.
  const stopper = new AbortController();
  const stop = stopper.signal;
  const timer = setTimeout(() => stopper.abort(new AltError('deadline', `the run deadline of ${formatDuration(config.target.deadline)} passed`)), config.target.deadline);
  const onSignal = () => stopper.abort(opts.signal!.reason);
  if (opts.signal?.aborted) onSignal();
  else opts.signal?.addEventListener('abort', onSignal, { once: true });
  const stopped = () => stopReason(stop);
  const client = new SourceClient(clientOptions, log);
  try {
    return await ledger.run('pull', opts.days, (rec) => pullWith(rec), (r) => ({
      result: r.error ? (r.summary.aborted > 0 || r.error.code === 'deadline' ? 'aborted' : 'failed') : 'ok',
      files: r.summary.fetched,
      bytes: r.summary.bytes,
      error: r.error?.message ?? null,
    }));
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onSignal);
    await client.close().catch(() => undefined);
    ledger.close();
    lock?.release();
  }

  async function pullWith(rec: RunRecorder): Promise<PullResult> {
    const sources = clientOptions.sources.map(showSource);
    log.info({ days: opts.days, sources, root }, `pull: listing ${opts.days.join(', ')} on ${sources.join(', ')}`);
    const retry = retryOptions(config, stop);
    let lastListingError: unknown = null;
    const listing = await pRetry(() => client.listing(opts.days, config.wanted, stop), {
      ...retry,
      shouldRetry: (e) => isRetryable(e, stop),
      onFailedAttempt: (e) => {
        lastListingError = e;
        if (!stop.aborted) log.warn({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft }, `listing attempt ${e.attemptNumber} failed (${shortCause(e)})`);
      },
    }).catch((e: unknown) => {
      if (stop.aborted) {
        const last = lastListingError ? ` (last failure: ${sourceError(lastListingError, 'listing the source').message})` : '';
        throw new AltError('deadline', `${stopped()} while listing the source; nothing was pulled${last}`);
      }
      throw sourceError(e, 'listing the source');
    });

    for (const bad of listing.invalid) {
      log.warn({ path: bad.path }, `${bad.path}: the source does not serve it (${bad.problem}); fix its sidecar on the source`);
    }
    const states = await targetStates(root, listing, ledger.latestChecks());
    const plan = makePlan(listing.entries, listing.pending, (p) => states.get(p), ledger.purgedTarballs());
    for (const i of plan.items) {
      log.debug({ path: i.entry.path, action: i.action, offset: i.offset }, i.reason);
      if (i.conflict) log.warn({ path: i.entry.path }, `${i.entry.path}: ${i.conflict}; the target copy is replaced only once the source's verifies`);
    }
    if (opts.dryRun) return { plan, outcomes: [], summary: summarize(plan, [], opts.days, Date.now() - started), invalid: listing.invalid, error: null };

    for (const e of listing.entries) {
      for (const f of await removeStrays(root, e.path, states.get(e.path)!.copy)) log.info({ file: f }, `removed ${f} left by an interrupted run`);
    }
    const work = plan.items.filter((i) => i.action === 'fetch' || i.action === 'resume');
    log.info({ transfers: work.length, bytes: bytesToFetch(plan) }, `pull: ${work.length} to transfer (${humanSize(bytesToFetch(plan))}), ${plan.items.length - work.length} already done or purged, ${plan.pending.length} pending`);
    const throttle = throttleFor(config.target.bwlimit);
    const outcomes = await pool(work, config.target.concurrency, async (item) => {
      if (stop.aborted) return notStarted(item, stopped());
      opts.progress?.start(item.entry.path, item.entry.size, item.offset);
      const o = await transferTarball(item, {
        root, client, log, throttle, signal: stop, retry, checkpointEvery: config.target.checkpoint,
        onProgress: (p, held, total) => opts.progress?.update(p, held, total),
        onDigest: (v) => rec.verification({
          path: v.path, expectedMd5: v.expected.dig, expectedSize: v.expected.size, actualMd5: v.actual.dig, actualSize: v.actual.size, ok: v.ok,
        }),
      });
      opts.progress?.stop(item.entry.path);
      rec.transfer({ ...o, size: o.dna.size, md5: o.dna.dig });
      if (o.result === 'ok') log.info({ path: o.path, bytes: o.bytesFetched, attempts: o.attempts }, outcomeLine(o));
      else log.error({ path: o.path, result: o.result }, outcomeLine(o));
      return o;
    });
    opts.progress?.end();

    const summary = summarize(plan, outcomes, opts.days, Date.now() - started);
    log.info({ summary }, summaryLine(summary));
    return { plan, outcomes, summary, invalid: listing.invalid, error: runError(outcomes, stop.aborted ? stopped() : null) };
  }
}

/** The run's failure, from its outcomes: stopped transfers first (they resume), then failed ones. */
function runError(outcomes: readonly TransferOutcome[], stoppedBy: string | null): AltError | null {
  const failed = outcomes.filter((o) => o.result === 'failed' || o.result === 'mismatch');
  const stopped = outcomes.filter((o) => o.result === 'aborted');
  if (stopped.length > 0) {
    return new AltError('deadline', `${stoppedBy ?? 'the run was stopped'}; ${stopped.length} tarball(s) not pulled yet (${stopped.map((o) => o.path).join(', ')}): their .part files are kept and the next run resumes them`);
  }
  if (failed.length === 0) return null;
  return new AltError('pull-failed', failed.length === 1
    ? `${failed[0]!.path}: ${failed[0]!.error}`
    : `${failed.length} tarballs failed: ${failed.map((o) => `${o.path}: ${o.error}`).join('; ')}`);
}
