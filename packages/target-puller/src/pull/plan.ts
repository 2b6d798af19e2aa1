/**
 * What `pull` does with each tarball (SPEC section 5), decided from three
 * inputs only: the source listing, the target's files and the ledger's purge
 * history. Pure, so every branch is unit-tested without disk or network.
 */
import { compareByPath, dnaEqual, type Dna } from '@altbackup/shared';
import type { SourceEntry } from '../source/listingBody.js';
import { isReadableSidecar, verificationOf, type CheckFact, type CopyFacts } from '../target/verification.js';
import type { PartCheckpoint } from './part/partCheckpoint.js';
import { metaMatches, type PartMeta } from './part/partMeta.js';

/** What the target holds for one listed path. */
export interface TargetState {
  copy: CopyFacts;
  /** The `.part.meta` of a `.part` in progress. */
  partMeta: PartMeta | null;
  /** The ledger's latest check of the path (the verification rule reads it). */
  lastCheck?: CheckFact;
}

export type Action =
  /** The target already holds this tarball, verified, with the same dna. */
  | 'skip'
  /** Continue the bytes already on disk (`resumeFrom` says which file). */
  | 'resume'
  /** Download from byte zero. */
  | 'fetch'
  /** purge_target deleted it earlier: never fetched again. */
  | 'never';

export interface PlanItem {
  entry: SourceEntry;
  action: Action;
  /** For 'resume': continue `.part`, or adopt a final name that has no sidecar. */
  resumeFrom: 'part' | 'final' | null;
  /** Bytes already on disk that the transfer continues from. */
  offset: number;
  /** ETag to send as If-Range when resuming: the one recorded at start, else the listing's. */
  ifRange: string | null;
  /** For a `.part` resumed: the hash state saved for its first bytes, so they need not be read back. */
  checkpoint: PartCheckpoint | null;
  /**
   * The target holds a different verified-looking tarball under this name:
   * it is replaced only after the new download verifies, with a warning.
   */
  conflict: string | null;
  /** Why, in a few words, for the plan printout and the log. */
  reason: string;
}

export interface Plan {
  items: PlanItem[];
  /** Listed on the source without sidecar yet: not fetched, reported. */
  pending: string[];
}

const NOTHING_HELD: TargetState = { copy: { exists: false, size: 0, mtimeMs: 0, partSize: null, sidecar: null }, partMeta: null };

function item(entry: SourceEntry, action: Action, reason: string, extra: Partial<PlanItem> = {}): PlanItem {
  return { entry, action, resumeFrom: null, offset: 0, ifRange: null, checkpoint: null, conflict: null, reason, ...extra };
}

function describeDna(d: Dna | null): string {
  return d === null ? 'an unreadable sidecar' : `md5 ${d.dig} size ${d.size}`;
}

/** Decides resume-or-restart for bytes on disk (a `.part` or a final name without sidecar). */
function continueOrRestart(entry: SourceEntry, from: 'part' | 'final', length: number, meta: PartMeta | null, conflict: string | null): PlanItem {
  const what = from === 'part' ? '.part' : 'final name without sidecar';
  if (length === 0) return item(entry, 'fetch', `empty ${what}`, { conflict });
  if (length > entry.size) return item(entry, 'fetch', `${what} is longer (${length}) than the source (${entry.size}): restart`, { conflict });
  if (meta && !metaMatches(meta, entry)) {
    return item(entry, 'fetch', `${what} was started from another version of the file (ETag ${meta.etag}, now ${entry.etag}): restart`, { conflict });
  }
  return item(entry, 'resume', `${what} has ${length} of ${entry.size} bytes`, {
    resumeFrom: from,
    offset: length,
    ifRange: meta?.etag ?? entry.etag,
    checkpoint: from === 'part' && meta?.hashed && meta.hashed.offset <= length ? meta.hashed : null,
    conflict,
  });
}

export function planTarball(entry: SourceEntry, state: TargetState = NOTHING_HELD, purged = false): PlanItem {
  const { copy, partMeta } = state;
  if (purged) return item(entry, 'never', 'purged earlier by purge_target');
  if (copy.exists && copy.sidecar !== null) {
    const held = verificationOf(copy, state.lastCheck);
    if (held.state === 'verified' && dnaEqual(held.dna!, entry.dna) && copy.size === entry.size) {
      return item(entry, 'skip', 'verified, same dna');
    }
    // A final name with a sidecar that is not a verified copy of what the
    // source lists: never overwritten in place; the new copy replaces it
    // only once verified.
    const dna = isReadableSidecar(copy.sidecar) ? copy.sidecar : null;
    const conflict = held.state === 'verified' || dna === null
      ? `target has ${describeDna(dna)}, source has md5 ${entry.dna.dig} size ${entry.size}`
      : `target file is ${copy.size} bytes but its sidecar says ${describeDna(dna)}${held.checkedAt !== null ? ' and its last check failed' : ''}; source has md5 ${entry.dna.dig} size ${entry.size}`;
    if (copy.partSize !== null) return continueOrRestart(entry, 'part', copy.partSize, partMeta, conflict);
    return item(entry, 'fetch', 'target copy differs from the source', { conflict });
  }
  if (copy.exists) {
    // An interrupted copy under the final name (the old tool's truncated
    // file, or our own crash between rename and sidecar): the longer of it
    // and any .part is continued, the other discarded.
    if (copy.partSize !== null && copy.partSize > copy.size) return continueOrRestart(entry, 'part', copy.partSize, partMeta, null);
    return continueOrRestart(entry, 'final', copy.size, partMeta, null);
  }
  if (copy.partSize !== null) return continueOrRestart(entry, 'part', copy.partSize, partMeta, null);
  return item(entry, 'fetch', 'not on the target');
}

export function makePlan(
  entries: readonly SourceEntry[],
  pending: readonly string[],
  stateOf: (path: string) => TargetState | undefined,
  purged: ReadonlySet<string>,
): Plan {
  const items = [...entries]
    .sort(compareByPath)
    .map((e) => planTarball(e, stateOf(e.path), purged.has(e.path)));
  return { items, pending: [...pending].sort() };
}

/** Bytes the plan still has to move over the network. */
export function bytesToFetch(plan: Plan): number {
  return plan.items.reduce((n, i) => n + (i.action === 'fetch' ? i.entry.size : i.action === 'resume' ? i.entry.size - i.offset : 0), 0);
}
