/**
 * What `check_target` judges, read at the edges: the target's tarballs with
 * their sidecars (the one reader) and digests (worker threads on every
 * core), whether a pull holds the lock, and what the source lists for the
 * days (bounded by `target.listing_timeout`, never throwing: a check must
 * report, not crash).
 */
import { digestFiles, isWanted, scanTree, type Config, type FileDigest, type Logger } from '@altbackup/shared';
import { sourceProblem } from '../source/sourceFailure.js';
import { fetchListing } from '../source/sourceListing.js';
import { readLockHolder } from '../target/lockHolder.js';
import { requireExistingTargetRoot } from '../target/targetDirs.js';
import { readSidecar } from '../target/targetFiles.js';
import { isReadableSidecar } from '../target/verification.js';
import type { CheckFacts, SourceKnowledge } from './verdict.js';

/** What the source says about the given days, if it can be asked. */
async function askSource(config: Config, days: readonly string[], log: Logger): Promise<SourceKnowledge> {
  if (config.target.sources.length === 0) return { kind: 'none', why: 'no source configured to ask' };
  if (days.length === 0) return { kind: 'none', why: 'nothing to ask the source about' };
  try {
    const l = await fetchListing(config, { days, wanted: config.wanted }, log);
    return { kind: 'ok', source: l.source, complete: new Set(l.complete.map((e) => e.path)), pending: new Set(l.pending) };
  } catch (e) {
    // The cause only: check_target gives its own advice.
    return { kind: 'unreachable', error: sourceProblem(e, 'listing the source').cause };
  }
}

export interface CheckOptions {
  /** Days to check, or 'all' for every tarball on the target. */
  days: string[] | 'all';
  /** Worker threads for the digests (default: every core). */
  parallel?: number;
}

export async function gatherFacts(config: Config, opts: CheckOptions, log: Logger): Promise<CheckFacts> {
  const root = requireExistingTargetRoot(config);
  const found = (await scanTree(root, { days: opts.days === 'all' ? undefined : new Set(opts.days), includePartOnly: true }))
    .filter((t) => isWanted(t.name, config.wanted));
  const sidecars = await Promise.all(found.map((t) => (t.exists && t.hasSidecar ? readSidecar(t.abs) : Promise.resolve(null))));
  const toDigest = found.filter((t, i) => t.exists && isReadableSidecar(sidecars[i]!));
  const started = Date.now();
  const results = await digestFiles(toDigest.map((t) => t.abs), opts.parallel);
  const digests = new Map<string, FileDigest | { error: string }>();
  results.forEach((r, i) => digests.set(toDigest[i]!.path, 'digest' in r ? r.digest : { error: `cannot read: ${r.error.code ?? r.error.message}` }));
  const bytes = toDigest.reduce((s, t) => s + t.size, 0);
  log.debug({ files: toDigest.length, bytes, ms: Date.now() - started }, 'check_target digests done');
  const lock = readLockHolder(root);
  const unsidecared = found.filter((_t, i) => sidecars[i] === null);
  // With explicit days, the source is asked about all of them (it may list tarballs the target lacks).
  const askDays = opts.days === 'all' ? [...new Set(unsidecared.map((t) => t.day))].sort() : opts.days;
  const source = await askSource(config, askDays, log);
  return {
    days: opts.days,
    wanted: config.wanted,
    expect: config.expect,
    tarballs: found.map((t, i) => ({ found: t, sidecar: sidecars[i]!, digest: digests.get(t.path) ?? null })),
    source,
    lock,
  };
}
