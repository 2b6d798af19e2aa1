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
import { AltError, formatDuration, humanSize, parseTarballPath, partPathOf, scanTree, seriesOf, toAltError, type Config, type Logger } from '@altbackup/shared';
import { Ledger, type RunRecorder, type SuspicionRecord } from '../ledger/ledger.js';
import { retryOptions, shortCause } from '../source/retryPolicy.js';
import { SourceClient, clientOptionsFrom, showSource, type SourceListing } from '../source/sourceClient.js';
import { isRetryable, sourceError } from '../source/sourceFailure.js';
import { acquireLock, type HeldLock } from '../target/lock.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { SpaceBudget, type FreeSpace } from '../target/freeSpace.js';
import { evidenceOf, ledgerFactsOf, readCopy, removeStrays, verifyFound, type LedgerEvidence } from '../target/targetFiles.js';
import { throttleFor } from './bandwidth.js';
import { ConnectionSlots } from './connectionSlots.js';
import { readPartMeta } from './part/partMeta.js';
import { suspicionOf } from './plausibility.js';
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
  /** Paths whose changed version on the source the operator accepts (`--accept-changed`). */
  accept?: ReadonlySet<string>;
  /** Where free space is read; the target root's filesystem unless a test says otherwise. */
  freeSpace?: (dir: string) => Promise<FreeSpace>;
}

export interface PullSummary {
  days: readonly string[];
  files: number;
  fetched: number;
  resumed: number;
  skipped: number;
  never: number;
  changed: number;
  suspicious: number;
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
  /** Copies the source lists with other bytes than the target's verified ones: kept, not fetched. */
  changed: PlanItem[];
  /** `--accept-changed` paths the target holds no changed copy of: nothing was done for them. */
  notAccepted: string[];
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
    changed: count('changed'),
    suspicious: outcomes.filter((o) => o.suspicious !== null).length,
    pending: plan.pending.length,
    failed: outcomes.filter((o) => o.result === 'failed' || o.result === 'mismatch').length,
    aborted: outcomes.filter((o) => o.result === 'aborted').length,
    bytes: outcomes.reduce((n, o) => n + o.bytesFetched, 0),
    durationMs,
  };
}

export function summaryLine(s: PullSummary): string {
  const alarms = `${s.changed ? `, ${s.changed} CHANGED on the source` : ''}${s.suspicious ? `, ${s.suspicious} SUSPICIOUS` : ''}`;
  return `pull: ${s.files} tarball(s) listed: ${s.fetched} fetched (${s.resumed} resumed), ${s.skipped} already verified, ${s.never} purged earlier, ${s.pending} pending on the source, ${s.failed} failed, ${s.aborted} stopped${alarms}; ${humanSize(s.bytes)} transferred in ${formatDuration(s.durationMs)}`;
}

export function outcomeLine(o: TransferOutcome): string {
  const secs = Math.max(0.001, (o.endedAt - o.startedAt) / 1000);
  const size = `${humanSize(o.dna.size)} in ${formatDuration(o.endedAt - o.startedAt)} (${humanSize(o.bytesFetched / secs)}/s)`;
  const aside = o.setAside ? `, the copy it replaces kept as ${o.setAside}` : '';
  const suspicious = o.suspicious ? `; SUSPICIOUS: ${suspicionText(o.suspicious)}` : '';
  switch (o.result) {
    case 'ok': return `${o.resumedFrom > 0 ? 'resumed' : 'fetched'} ${o.path}  ${size}${o.resumedFrom > 0 ? `, from byte ${o.resumedFrom}` : ''}, ${o.attempts} attempt(s), verified md5 ${o.dna.dig}${aside}${suspicious}`;
    case 'aborted': return `stopped ${o.path}  ${o.error}`;
    default: return `FAILED  ${o.path}  ${o.error}`;
  }
}

export function suspicionText(x: SuspicionRecord): string {
  return `${humanSize(x.size)}, ${Math.round((100 * x.size) / Math.max(1, x.previousSize))}% of the last good copy ${x.previousPath} (${humanSize(x.previousSize)}); it does not count toward keep: check the source's backup job`;
}

/** A tarball the source lists but cannot serve (its sidecar is unreadable, or disagrees with the file): a backup that did not arrive. */
function invalidLine(bad: { path: string; problem: string }): string {
  return `${bad.path}: the source cannot serve it (${bad.problem}): fix the tarball or its sidecar on the source`;
}

/** One line per copy the source changed: both digests, and the operator's way out. */
export function changedLine(i: PlanItem): string {
  return `${i.entry.path}: ${i.reason}; the verified copy is kept; if the source's new version is right, run altbackup pull --accept-changed ${i.entry.path}`;
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
async function targetStates(root: string, listing: SourceListing, evidence: LedgerEvidence): Promise<Map<string, TargetState>> {
  const states = new Map<string, TargetState>();
  for (const e of listing.entries) {
    const copy = await readCopy(root, e.path);
    const partMeta = copy.partSize !== null || (copy.exists && copy.sidecar === null) ? await readPartMeta(partPathOf(join(root, e.path))) : null;
    states.set(e.path, { copy, partMeta, facts: ledgerFactsOf(e.path, evidence) });
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

    for (const bad of listing.invalid) log.error({ path: bad.path }, invalidLine(bad));
    const states = await targetStates(root, listing, evidenceOf(ledger));
    const accept = opts.accept ?? new Set<string>();
    const plan = makePlan(listing.entries, listing.pending, (p) => states.get(p), ledger.purgedTarballs(), accept);
    const changed = plan.items.filter((i) => i.action === 'changed');
    const notAccepted = [...accept].filter((p) => !plan.items.some((i) => i.entry.path === p && i.replaces?.aside === 'replaced')).sort();
    for (const i of plan.items) {
      log.debug({ path: i.entry.path, action: i.action, offset: i.offset }, i.reason);
      if (i.replaces) log.warn({ path: i.entry.path }, `${i.entry.path}: ${i.replaces.why}; the copy is moved aside to .altbackup/${i.replaces.aside}/ before the new one is fetched`);
    }
    for (const i of changed) {
      log.error({ path: i.entry.path, held: i.held, listed: i.entry.dna }, changedLine(i));
      rec.sourceChange({ path: i.entry.path, oldMd5: i.held?.dig ?? null, oldSize: i.held?.size ?? null, newMd5: i.entry.dna.dig, newSize: i.entry.size, sourceUrl: showSource(listing.source) });
    }
    if (opts.dryRun) {
      return { plan, outcomes: [], summary: summarize(plan, [], opts.days, Date.now() - started), invalid: listing.invalid, changed, notAccepted, error: null };
    }

    for (const e of listing.entries) {
      for (const f of await removeStrays(root, e.path, states.get(e.path)!.copy)) log.info({ file: f }, `removed ${f} left by an interrupted run`);
    }
    const work = plan.items.filter((i) => i.action === 'fetch' || i.action === 'resume');
    log.info({ transfers: work.length, bytes: bytesToFetch(plan) }, `pull: ${work.length} to transfer (${humanSize(bytesToFetch(plan))}), ${plan.items.length - work.length} already done or purged, ${plan.pending.length} pending`);
    const throttle = throttleFor(config.target.bwlimit);
    const space = new SpaceBudget(root, config.target.min_free, opts.freeSpace);
    const slots = new ConnectionSlots(config.target.max_connections);
    const outcomes = await pool(work, Math.min(config.target.concurrency, config.target.max_connections), async (item) => {
      if (stop.aborted) return notStarted(item, stopped());
      let reservation;
      try {
        reservation = await space.reserve(item.entry.size - item.offset);
      } catch (e) {
        const refused = { ...notStarted(item, ''), result: 'failed' as const, error: (toAltError(e) ?? (e as Error)).message };
        rec.transfer({ ...refused, size: refused.dna.size, md5: refused.dna.dig });
        log.error({ path: item.entry.path }, outcomeLine(refused));
        return refused;
      }
      opts.progress?.start(item.entry.path, item.entry.size, item.offset);
      // Each file in flight holds one connection slot; the pool never runs more files than there are slots.
      slots.tryTake();
      const o = await transferTarball(item, {
        root, client, log, throttle, signal: stop, retry, checkpointEvery: config.target.checkpoint,
        streams: config.target.streams, streamMinSize: config.target.stream_min_size, oneStreamRate: config.target.one_stream_rate, streamProbeMs: config.target.stream_probe, slots,
        onProgress: (p, held, total) => {
          reservation.stillNeeds(total - held);
          opts.progress?.update(p, held, total);
        },
        onDigest: (v) => rec.verification({
          path: v.path, expectedMd5: v.expected.dig, expectedSize: v.expected.size, actualMd5: v.actual.dig, actualSize: v.actual.size, ok: v.ok,
        }),
        onSetAside: (path, dest, r) => {
          if (r.aside === 'replaced') rec.resolveChanges(path, `accepted by the operator; the old copy is kept as ${dest}`);
        },
      }).finally(() => {
        reservation.release();
        slots.release();
      });
      opts.progress?.stop(item.entry.path);
      if (o.result === 'ok') o.suspicious = await judgePlausibility(o);
      rec.transfer({ ...o, size: o.dna.size, md5: o.dna.dig });
      if (o.result === 'ok') log.info({ path: o.path, bytes: o.bytesFetched, attempts: o.attempts }, outcomeLine(o));
      else log.error({ path: o.path, result: o.result }, outcomeLine(o));
      return o;
    });
    opts.progress?.end();

    const summary = summarize(plan, outcomes, opts.days, Date.now() - started);
    log.info({ summary }, summaryLine(summary));
    return { plan, outcomes, summary, invalid: listing.invalid, changed, notAccepted, error: runError(outcomes, changed, listing.invalid, stop.aborted ? stopped() : null) };

    /** The new copy against the earlier copies of its series on the target; a suspicion is recorded. */
    async function judgePlausibility(o: TransferOutcome): Promise<SuspicionRecord | null> {
      const ref = parseTarballPath(o.path)!;
      const series = (await scanTree(root, { catfolds: new Set([ref.catfold]) })).filter((t) => t.subfold === ref.subfold && seriesOf(t) === seriesOf(ref) && t.path !== o.path);
      const states = await verifyFound(series, evidenceOf(ledger));
      const x = suspicionOf({ path: o.path, size: o.dna.size, md5: o.dna.dig }, series.map((t) => ({ path: t.path, size: t.size, state: states.get(t.path)!.state })), config.target.min_size_percent);
      if (x) {
        rec.suspicion(x);
        log.warn({ path: o.path, size: x.size, previous: x.previousPath, previousSize: x.previousSize }, `${o.path}: SUSPICIOUS: ${suspicionText(x)}`);
      }
      return x;
    }
  }
}

/**
 * The run's failure, from its outcomes: stopped transfers first (they
 * resume), then copies the source changed (an alarm), then failed ones.
 */
function runError(outcomes: readonly TransferOutcome[], changed: readonly PlanItem[], invalid: readonly { path: string; problem: string }[], stoppedBy: string | null): AltError | null {
  const failed = outcomes.filter((o) => o.result === 'failed' || o.result === 'mismatch');
  const stopped = outcomes.filter((o) => o.result === 'aborted');
  if (stopped.length > 0) {
    return new AltError('deadline', `${stoppedBy ?? 'the run was stopped'}; ${stopped.length} tarball(s) not pulled yet (${stopped.map((o) => o.path).join(', ')}): their .part files are kept and the next run resumes them`);
  }
  const failures = [...invalid.map(invalidLine), ...failed.map((o) => `${o.path}: ${o.error}`)];
  if (changed.length > 0) {
    const also = failures.length ? `; also ${failures.length} failed: ${failures.join('; ')}` : '';
    return new AltError('source-changed', changed.length === 1
      ? changedLine(changed[0]!) + also
      : `${changed.length} verified copies changed on the source: ${changed.map(changedLine).join('; ')}${also}`);
  }
  if (failures.length === 0) return null;
  return new AltError('pull-failed', failures.length === 1 ? failures[0]! : `${failures.length} tarballs failed: ${failures.join('; ')}`);
}
