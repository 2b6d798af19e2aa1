/**
 * Gathers what `status` judges: the target's files (the shared tree scan),
 * the ledger (last pull, outstanding mismatches, a pull still running) and,
 * when a source answers within a short bound, its listing (pending items).
 * Reads only: a missing ledger is no history, not something to create.
 */
import {
  baseNameOf, compareByPath, parseTarballPath, scanTree, seriesOf, wantedNameOf, type Config, type FoundTarball, type Logger,
} from '@altbackup/shared';
import { backupTimeMs } from './backupTime.js';
import type {
  ChangeFact, InProgressFact, ListedFact, MismatchFact, NameFacts, RunFact, SeriesFact, SourceFact, StatusFacts, SuspiciousFact, TarballFact,
} from './healthCheck.js';
import { Ledger, type LatestCheck, type SourceChangeRow } from '../ledger/ledger.js';
import { sourceProblem } from '../source/sourceFailure.js';
import { fetchListing } from '../source/sourceListing.js';
import { readLockHolder } from '../target/lockHolder.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';
import { evidenceOf, verifyFound, type LedgerEvidence } from '../target/targetFiles.js';
import { isIntact, type Verification } from '../target/verification.js';

/**
 * What status needs of the source listing (source/sourceListing.ts
 * `fetchListing` returns a superset): complete tarballs, and the paths
 * without sidecar yet.
 */
export interface StatusListing {
  /** The source URL that answered. */
  source: string;
  complete: readonly { path: string; size: number }[];
  pending: readonly string[];
}

/** Fetches the source listing for the days; rejects when no source answers. */
export type ListSource = (days: readonly string[], signal: AbortSignal) => Promise<StatusListing>;

export interface GatherOptions {
  days: readonly string[];
  now?: number;
  /** How to ask the source; default: `fetchListing` when sources are configured, else pending items are unknown. */
  listSource?: ListSource;
  /** Bound on the whole listing fetch; status never waits longer for the source (default `target.listing_timeout`). */
  listTimeoutMs?: number;
  log?: Logger;
}

/**
 * The names status reports on: the wanted prefixes, else the `[expect]`
 * names, else every tarball's name without its revision (`dybsvn-20550` -> `dybsvn`).
 */
export function statusNames(config: Config, found: readonly { name: string }[]): string[] {
  if (config.wanted.length > 0) return [...config.wanted];
  if (Object.keys(config.expect).length > 0) return Object.keys(config.expect);
  const stems = new Set(found.map((t) => baseNameOf(t.name)));
  return [...stems].sort();
}

interface LedgerFacts {
  lastRun: RunFact | null;
  running: StatusFacts['running'];
  evidence: LedgerEvidence;
  openChanges: SourceChangeRow[];
}

function readLedgerFacts(file: string, root: string): LedgerFacts {
  const ledger = Ledger.read(file);
  try {
    const run = ledger.lastRun('pull');
    const lastRun: RunFact | null = run ? {
      id: run.id, result: run.result, startedAt: run.started_at, endedAt: run.ended_at,
      durationMs: run.ended_at === null ? null : run.ended_at - run.started_at,
      files: run.files, bytes: run.bytes, ...ledger.runEffort(run.id), error: run.error,
    } : null;
    // The pull lock decides whether a pull runs (as for check_target); the
    // ledger row only names it. A row left 'running' by a killed pull is not.
    const holder = readLockHolder(root);
    const live = ledger.runningRuns('pull').find((r) => holder !== null && r.pid === holder.pid);
    return { lastRun, running: live ? { id: live.id, pid: live.pid, startedAt: live.started_at } : null, evidence: evidenceOf(ledger), openChanges: ledger.openSourceChanges() };
  } finally {
    ledger.close();
  }
}

/** A copy the verification rule calls corrupt (its latest current check failed): an outstanding mismatch. */
function mismatchOf(path: string, v: Verification, check: LatestCheck | undefined): MismatchFact | null {
  if (v.state !== 'corrupt' || !check) return null;
  return { path, expectedMd5: check.expectedMd5, actualMd5: check.actualMd5, expectedSize: check.expectedSize, actualSize: check.actualSize };
}

function listSourceOf(config: Config, log: Logger | undefined): ListSource | undefined {
  if (config.target.sources.length === 0 || !log) return undefined;
  return (days, signal) => fetchListing(config, { days, wanted: config.wanted }, log, signal);
}

async function readSource(listSource: ListSource | undefined, days: readonly string[], listTimeoutMs: number): Promise<{ fact: SourceFact; listing: StatusListing | null }> {
  if (!listSource) return { fact: { known: false, url: null, error: 'no source configured' }, listing: null };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${listTimeoutMs} ms`));
    }, listTimeoutMs);
  });
  try {
    const listing = await Promise.race([listSource(days, controller.signal), timeout]);
    return { fact: { known: true, url: listing.source, error: null }, listing };
  } catch (e) {
    return { fact: { known: false, url: null, error: `source listing failed: ${sourceProblem(e, 'listing the source').cause}` }, listing: null };
  } finally {
    clearTimeout(timer);
  }
}

function tarballFact(t: FoundTarball, timezone: string): TarballFact {
  return { path: t.path, day: t.day, time: t.time, size: t.size, backupMs: backupTimeMs(t.day, t.time, timezone) };
}

/** Facts of one name; `names` are all reported names (a listed tarball belongs to its longest prefix). */
/** Each series among `copies` (intact ones with their states): its newest copy and newest proven copy. */
function seriesFacts(copies: readonly FoundTarball[], states: ReadonlyMap<string, Verification>): SeriesFact[] {
  const by = new Map<string, FoundTarball[]>();
  for (const t of [...copies].sort(compareByPath)) {
    const v = states.get(t.path);
    if (!v || !isIntact(v.state)) continue;
    const list = by.get(seriesOf(t)) ?? [];
    list.push(t);
    by.set(seriesOf(t), list);
  }
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([series, list]) => {
    const newest = list.at(-1)!;
    const proven = [...list].reverse().find((t) => states.get(t.path)!.restoreProvenAt !== null);
    return {
      series,
      newestPath: newest.path,
      newestState: states.get(newest.path)!.state,
      newestWhy: states.get(newest.path)!.why,
      proven: proven ? { path: proven.path, at: states.get(proven.path)!.restoreProvenAt! } : null,
    };
  });
}

/** The intact copy read longest ago; a copy never read since its pull counts from then. */
function oldestScrubOf(copies: readonly FoundTarball[], states: ReadonlyMap<string, Verification>): { path: string; at: number } | null {
  let oldest: { path: string; at: number } | null = null;
  for (const t of copies) {
    const v = states.get(t.path);
    if (!v || !isIntact(v.state)) continue;
    const at = v.checkedAt ?? 0;
    if (!oldest || at < oldest.at) oldest = { path: t.path, at };
  }
  return oldest;
}

export function nameFacts(
  name: string, names: readonly string[], config: Config, days: readonly string[], found: readonly FoundTarball[], listing: StatusListing | null,
  states: ReadonlyMap<string, Verification> = new Map(),
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
    series: seriesFacts(verified, states),
  };
}

/** An alarm stays while the target still holds the copy it is about (the operator has not acted). */
function outstandingChanges(open: readonly SourceChangeRow[], states: ReadonlyMap<string, Verification>): ChangeFact[] {
  return open.filter((c) => states.get(c.path)?.dna?.dig === c.oldMd5).map((c) => ({
    path: c.path, heldMd5: c.oldMd5, heldSize: c.oldSize, newMd5: c.newMd5, newSize: c.newSize, sourceUrl: c.sourceUrl, at: c.at,
  }));
}

/** The series whose newest intact copy is suspicious. */
function suspiciousNewest(found: readonly FoundTarball[], states: ReadonlyMap<string, Verification>, evidence: LedgerEvidence): SuspiciousFact[] {
  const newest = new Map<string, FoundTarball>();
  for (const t of [...found].sort(compareByPath)) if (isIntact(states.get(t.path)!.state)) newest.set(seriesOf(t), t);
  return [...newest.values()].filter((t) => states.get(t.path)!.state === 'suspicious').map((t) => {
    const s = evidence.suspicions.get(t.path)!;
    return { path: t.path, size: t.size, previousPath: s.previousPath, previousSize: s.previousSize };
  });
}

export async function gatherStatusFacts(config: Config, opts: GatherOptions): Promise<StatusFacts> {
  const root = requireTargetRoot(config);
  const now = opts.now ?? Date.now();
  const listSource = opts.listSource ?? listSourceOf(config, opts.log);
  const [scanned, source] = await Promise.all([
    scanTree(root, { includePartOnly: true }),
    readSource(listSource, opts.days, opts.listTimeoutMs ?? config.target.listing_timeout),
  ]);
  const { evidence, openChanges, ...ledger } = readLedgerFacts(ledgerPathOf(config), root);
  // A tarball with a sidecar counts only if its bytes are intact by the
  // verification rule. One that is an outstanding mismatch stays in the
  // counts: that reason line already explains it.
  const withSidecar = scanned.filter((t) => t.exists && t.hasSidecar);
  const states = await verifyFound(withSidecar, evidence);
  const mismatches = withSidecar.flatMap((t) => mismatchOf(t.path, states.get(t.path)!, evidence.checks.get(t.path)) ?? []);
  const reported = new Set(mismatches.map((m) => m.path));
  const found = scanned.filter((t) => !(t.exists && t.hasSidecar) || isIntact(states.get(t.path)!.state) || reported.has(t.path));
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
    restoreMaxAgeMs: config.target.restore_max_age,
    scrubIntervalMs: config.target.scrub_interval,
    oldestScrub: oldestScrubOf(withSidecar, states),
    names: names.map((n) => nameFacts(n, names, config, opts.days, byName.get(n)!, source.listing, states)),
    ...ledger,
    mismatches,
    changes: outstandingChanges(openChanges, states),
    suspicious: suspiciousNewest(withSidecar, states, evidence),
    source: source.fact,
  };
}
