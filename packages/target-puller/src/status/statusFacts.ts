/**
 * Gathers what `status` judges: the target's files (the shared tree scan),
 * the ledger (last pull, outstanding mismatches, a pull still running) and,
 * when a source answers within a short bound, its listing (pending items).
 * Reads only: a missing ledger is no history, not something to create.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  AltError, parseTarballPath, scanTree, wantedNameOf, type Config, type FoundTarball,
} from '@altbackup/shared';
import { backupTimeMs } from './backupTime.js';
import type {
  InProgressFact, ListedFact, MismatchFact, NameFacts, RunFact, SourceFact, StatusFacts, TarballFact,
} from './healthCheck.js';
import { lastFinishedRun, readLedger } from '../ledger/ledger.js';
import { readLockHolder } from '../target/lockHolder.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { ledgerVerdicts, tarballStates, type LedgerVerdict } from '../target/targetList.js';

/**
 * What status needs of the source listing (sourceListing.ts `fetchListing`
 * returns a superset): complete tarballs, and the paths without sidecar yet.
 */
export interface SourceView {
  /** The source URL that answered. */
  source: string;
  complete: readonly { path: string; size: number }[];
  pending: readonly string[];
}

/** Fetches the source listing for the days; rejects when no source answers. */
export type ListSource = (days: readonly string[], signal: AbortSignal) => Promise<SourceView>;

export interface GatherOptions {
  days: readonly string[];
  now?: number;
  /** Omitted: pending items are unknown (no source configured). */
  listSource?: ListSource;
  /** Bound on the whole listing fetch; status never waits longer for the source. */
  listTimeoutMs: number;
}

/**
 * The names status reports on: the wanted prefixes, else the `[expect]`
 * names, else every tarball's name without its revision (`dybsvn-20550` -> `dybsvn`).
 */
export function statusNames(config: Config, found: readonly { name: string }[]): string[] {
  if (config.wanted.length > 0) return [...config.wanted];
  if (Object.keys(config.expect).length > 0) return Object.keys(config.expect);
  const stems = new Set(found.map((t) => t.name.replace(/\.tar\.gz$/, '').replace(/-\d+$/, '')));
  return [...stems].sort();
}

interface LedgerFacts {
  lastRun: RunFact | null;
  running: StatusFacts['running'];
  mismatches: MismatchFact[];
  /** The latest verification per path, for the same state rule as `ls`. */
  verdicts: Map<string, LedgerVerdict>;
}

/**
 * A failed verification is outstanding while its tarball still exists and
 * no later successful transfer replaced it; a later good verification
 * resolves it too, since only the latest verification per path counts.
 */
function readLedgerFacts(file: string, root: string): LedgerFacts {
  return readLedger<LedgerFacts>(file, { lastRun: null, running: null, mismatches: [], verdicts: new Map() }, (db) => {
    const run = lastFinishedRun(db, 'pull');
    const lastRun: RunFact | null = run ? {
      id: run.id, result: run.result, startedAt: run.started_at, endedAt: run.ended_at,
      durationMs: run.ended_at === null ? null : run.ended_at - run.started_at,
      files: run.files, bytes: run.bytes, error: run.error,
    } : null;
    const runningRows = db
      .prepare("SELECT id, pid, started_at FROM runs WHERE command = 'pull' AND result = 'running' ORDER BY id DESC")
      .all() as { id: number; pid: number; started_at: number }[];
    // The pull lock decides whether a pull runs (as for check_target); the
    // ledger row only names it. A row left 'running' by a killed pull is not.
    const holder = readLockHolder(root);
    const live = runningRows.find((r) => holder !== null && r.pid === holder.pid);
    const failed = db
      .prepare(`SELECT v.path, v.expected_md5, v.actual_md5, v.expected_size, v.actual_size, v.at FROM verifications v
                JOIN (SELECT path, MAX(id) AS id FROM verifications GROUP BY path) last ON v.id = last.id
                WHERE v.ok = 0 AND NOT EXISTS (
                  SELECT 1 FROM transfers t WHERE t.path = v.path AND t.result = 'ok' AND t.ended_at > v.at)
                ORDER BY v.path`)
      .all() as { path: string; expected_md5: string | null; actual_md5: string | null; expected_size: number | null; actual_size: number | null }[];
    const mismatches = failed
      .filter((v) => existsSync(isAbsolute(v.path) ? v.path : join(root, v.path)))
      .map((v) => ({ path: v.path, expectedMd5: v.expected_md5, actualMd5: v.actual_md5, expectedSize: v.expected_size, actualSize: v.actual_size }));
    return { lastRun, running: live ? { id: live.id, pid: live.pid, startedAt: live.started_at } : null, mismatches, verdicts: ledgerVerdicts(db) };
  });
}

async function readSource(opts: GatherOptions): Promise<{ fact: SourceFact; listing: SourceView | null }> {
  if (!opts.listSource) return { fact: { known: false, url: null, error: 'no source configured' }, listing: null };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${opts.listTimeoutMs} ms`));
    }, opts.listTimeoutMs);
  });
  try {
    const listing = await Promise.race([opts.listSource(opts.days, controller.signal), timeout]);
    return { fact: { known: true, url: listing.source, error: null }, listing };
  } catch (e) {
    const message = e instanceof AltError ? e.message : (e as Error).message;
    return { fact: { known: false, url: null, error: `source listing failed: ${message}` }, listing: null };
  } finally {
    clearTimeout(timer);
  }
}

function tarballFact(t: FoundTarball, timezone: string): TarballFact {
  return { path: t.path, day: t.day, time: t.time, size: t.size, backupMs: backupTimeMs(t.day, t.time, timezone) };
}

/** Facts of one name; `names` are all reported names (a listed tarball belongs to its longest prefix). */
export function nameFacts(
  name: string, names: readonly string[], config: Config, days: readonly string[], found: readonly FoundTarball[], listing: SourceView | null,
): NameFacts {
  const verified = found.filter((t) => t.exists && t.hasSidecar);
  const newest = verified.reduce<FoundTarball | null>((best, t) => {
    if (!best) return t;
    const a = `${t.day}/${t.time}/${t.path}`;
    const b = `${best.day}/${best.time}/${best.path}`;
    return a > b ? t : best;
  }, null);
  const listedSize = new Map((listing?.complete ?? []).map((e) => [e.path, e.size]));
  const inProgress: InProgressFact[] = found
    .filter((t) => t.partSize !== null || (t.exists && !t.hasSidecar))
    .map((t) => ({ path: t.path, day: t.day, bytes: t.partSize ?? t.size, size: listedSize.get(t.path) ?? null }));
  const here = new Set([...verified, ...inProgress].map((t) => t.path));
  const listed = (paths: readonly string[]): ListedFact[] => paths.flatMap((path) => {
    const ref = parseTarballPath(path);
    if (!ref || wantedNameOf(ref.name, names) !== name || here.has(path) || !days.includes(ref.day)) return [];
    return [{ path, day: ref.day }];
  });
  return {
    name,
    expected: config.expect[name] ?? null,
    newest: newest ? tarballFact(newest, config.timezone) : null,
    verified: verified.length,
    dayCounts: days.map((day) => ({ day, count: verified.filter((t) => t.day === day).length })),
    inProgress,
    pending: listing ? listed(listing.pending) : null,
    notPulled: listing ? listed(listing.complete.map((e) => e.path)) : null,
  };
}

export async function gatherStatusFacts(config: Config, opts: GatherOptions): Promise<StatusFacts> {
  const root = requireTargetRoot(config);
  const now = opts.now ?? Date.now();
  const [scanned, source] = await Promise.all([scanTree(root, { includePartOnly: true }), readSource(opts)]);
  const { verdicts, ...ledger } = readLedgerFacts(ledgerPathOf(config), root);
  // A tarball with a sidecar counts only if `ls` would call it verified
  // (sidecar readable, sizes agree). One the ledger reports as an outstanding
  // mismatch stays in the counts: that reason line already explains it.
  const states = await tarballStates(scanned.filter((t) => t.exists && t.hasSidecar), verdicts);
  const reported = new Set(ledger.mismatches.map((m) => m.path));
  const found = scanned.filter((t) => !(t.exists && t.hasSidecar) || states.get(t.path)?.state === 'verified' || reported.has(t.path));
  const names = statusNames(config, found);
  const byName = new Map<string, FoundTarball[]>(names.map((n) => [n, []]));
  for (const t of found) {
    const owner = wantedNameOf(t.name, names);
    if (owner) byName.get(owner)!.push(t);
  }
  return {
    now,
    timezone: config.timezone,
    days: [...opts.days],
    maxAgeMs: config.target.max_age,
    names: names.map((n) => nameFacts(n, names, config, opts.days, byName.get(n)!, source.listing)),
    ...ledger,
    source: source.fact,
  };
}
