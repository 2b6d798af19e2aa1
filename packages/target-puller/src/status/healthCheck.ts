/**
 * Is the off-site copy good? A pure decision over facts gathered elsewhere
 * (statusFacts.ts), so every rule is unit-tested without files or network.
 * Each reason is one operator line: what is wrong, where, and enough context
 * (in progress, pending on the source, not pulled yet) to know what to do.
 */
import { formatDuration } from '@altbackup/shared';

export interface TarballFact {
  path: string;
  day: string;
  time: string;
  size: number;
  /** When the backup ran (its day and HHMMSS folders in the site's timezone). */
  backupMs: number;
}

export interface InProgressFact {
  path: string;
  day: string;
  /** Bytes on the target so far (`.part`, or a final name still without sidecar). */
  bytes: number;
  /** Size the source announces, when the listing is known. */
  size: number | null;
}

export interface ListedFact {
  path: string;
  day: string;
}

export interface NameFacts {
  /** A wanted name (prefix). */
  name: string;
  /** Tarballs expected per day (`[expect]`), null when not configured. */
  expected: number | null;
  newest: TarballFact | null;
  /** Verified tarballs on the target, all days. */
  verified: number;
  /** Verified tarballs on each checked day. */
  dayCounts: { day: string; count: number }[];
  inProgress: InProgressFact[];
  /** On the source without sidecar yet; null when the source listing is unknown. */
  pending: ListedFact[] | null;
  /** Complete on the source, not verified on the target; null when unknown. */
  notPulled: ListedFact[] | null;
  /** Each series of the name (svn dump, Trac instance...), as its restore proofs stand. */
  series: SeriesFact[];
}

/** One series (`<catfold>/<subfold>/<base name>`) of a wanted name: its newest copy and its newest restore proof. */
export interface SeriesFact {
  series: string;
  newestPath: string;
  /** The newest copy's state by the verification rule. */
  newestState: string;
  /** Why, when the newest copy failed its restore proof. */
  newestWhy: string;
  /** The newest copy whose restore proof passed, and when. */
  proven: { path: string; at: number } | null;
}

export interface RunFact {
  id: number;
  result: string;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  files: number;
  bytes: number;
  /** Transfers of the run that resumed a `.part`. */
  resumes: number;
  /** Attempts beyond the first, over the run's transfers. */
  retries: number;
  error: string | null;
}

export interface MismatchFact {
  path: string;
  expectedMd5: string | null;
  actualMd5: string | null;
  expectedSize: number | null;
  actualSize: number | null;
}

/** A verified copy the source lists again with other bytes; outstanding until an operator acts. */
export interface ChangeFact {
  path: string;
  heldMd5: string | null;
  heldSize: number | null;
  newMd5: string;
  newSize: number;
  sourceUrl: string | null;
  /** When the source was first seen to list the new bytes (ms). */
  at: number;
}

/** The newest copy of a series came in much smaller than the last good one. */
export interface SuspiciousFact {
  path: string;
  size: number;
  previousPath: string;
  previousSize: number;
}

export interface SourceFact {
  /** Whether the source listing was fetched. */
  known: boolean;
  /** The source URL answered (redacted), when known. */
  url: string | null;
  /** Why the listing is unknown. */
  error: string | null;
}

export interface StatusFacts {
  now: number;
  timezone: string;
  /** The checked days (YYYY/MM/DD), oldest first. */
  days: string[];
  maxAgeMs: number;
  /** `target.restore_max_age`; 0 turns the restore-proof rule off. */
  restoreMaxAgeMs: number;
  /** `target.scrub_interval`. */
  scrubIntervalMs: number;
  /** The stored copy whose bytes were read longest ago (pull, check_target or scrub), and when. */
  oldestScrub: { path: string; at: number } | null;
  names: NameFacts[];
  lastRun: RunFact | null;
  /** A pull recorded as running whose process is alive. */
  running: { id: number; pid: number; startedAt: number } | null;
  mismatches: MismatchFact[];
  changes: ChangeFact[];
  suspicious: SuspiciousFact[];
  source: SourceFact;
}

export interface Health {
  healthy: boolean;
  reasons: string[];
}

export function ageMs(facts: Pick<StatusFacts, 'now'>, t: TarballFact): number {
  return Math.max(0, facts.now - t.backupMs);
}

/** Why a day's count is short, in the words an operator needs. */
function shortfallContext(f: StatusFacts, n: NameFacts, day: string): string {
  const bits: string[] = [];
  const inProgress = n.inProgress.filter((p) => p.day === day).length;
  if (inProgress > 0) bits.push(`${inProgress} in progress${f.running ? ', pull running' : ', no pull running'}`);
  if (n.pending === null) {
    bits.push(`pending on the source unknown${f.source.error ? ` (${f.source.error})` : ''}`);
  } else {
    const pending = n.pending.filter((p) => p.day === day).length;
    const notPulled = n.notPulled!.filter((p) => p.day === day).length;
    if (pending > 0) bits.push(`${pending} pending on the source`);
    if (notPulled > 0) bits.push(`${notPulled} ready on the source, not pulled yet`);
    if (inProgress + pending + notPulled === 0) bits.push('not on the source either');
  }
  return bits.join('; ');
}

export function assessHealth(f: StatusFacts): Health {
  const reasons: string[] = [];
  for (const n of f.names) {
    if (!n.newest) {
      reasons.push(`${n.name}: no verified tarball on the target`);
    } else if (ageMs(f, n.newest) > f.maxAgeMs) {
      reasons.push(`${n.name}: newest verified tarball ${n.newest.path} is ${formatDuration(ageMs(f, n.newest))} old (max_age ${formatDuration(f.maxAgeMs)})`);
    }
    if (n.expected === null) continue;
    for (const { day, count } of n.dayCounts) {
      if (count < n.expected) {
        reasons.push(`${n.name}: ${count} of ${n.expected} expected tarballs verified for ${day} (${shortfallContext(f, n, day)})`);
      }
    }
  }
  for (const n of f.names) {
    for (const x of n.series) {
      if (x.newestState === 'restore-failed') {
        reasons.push(`${n.name}: the newest copy ${x.newestPath} does not restore (${x.newestWhy}): check the source's backup job, then check_restore the next copy`);
      }
      if (f.restoreMaxAgeMs <= 0) continue;
      if (!x.proven) {
        reasons.push(`${n.name}: ${x.series} has no restore proof: run altbackup check_restore (schedule it after the pull)`);
      } else if (f.now - x.proven.at > f.restoreMaxAgeMs) {
        reasons.push(`${n.name}: the newest restore proof of ${x.series} (${x.proven.path}) is ${formatDuration(f.now - x.proven.at)} old (restore_max_age ${formatDuration(f.restoreMaxAgeMs)}): run altbackup check_restore`);
      }
    }
  }
  for (const m of f.mismatches) {
    const what = m.actualMd5 !== m.expectedMd5
      ? `md5 ${m.actualMd5 ?? '?'}, sidecar says ${m.expectedMd5 ?? '?'}`
      : `size ${m.actualSize ?? '?'}, sidecar says ${m.expectedSize ?? '?'}`;
    reasons.push(`mismatch: ${m.path} does not match its sidecar (${what}); the copy is corrupt at rest and does not count toward keep; the next pull moves it to quarantine and fetches it again while the source has it`);
  }
  for (const c of f.changes) {
    reasons.push(`source changed a mirrored tarball: ${c.path}: the target holds md5 ${c.heldMd5 ?? '?'} size ${c.heldSize ?? '?'}, the source lists md5 ${c.newMd5} size ${c.newSize} since ${new Date(c.at).toISOString()}; the verified copy is kept: check the source, then run altbackup pull --accept-changed ${c.path} if its new version is right`);
  }
  for (const x of f.suspicious) {
    reasons.push(`suspicious: ${x.path} is ${x.size} bytes, ${Math.round((100 * x.size) / Math.max(1, x.previousSize))}% of the last good copy ${x.previousPath} (${x.previousSize} bytes): check the source's backup job; the older copies are kept`);
  }
  const run = f.lastRun;
  if (run && run.result !== 'ok') {
    const when = new Date(run.endedAt ?? run.startedAt).toISOString();
    reasons.push(`last pull run #${run.id} ${run.result} at ${when}${run.error ? `: ${run.error}` : ''}`);
  }
  return { healthy: reasons.length === 0, reasons };
}
