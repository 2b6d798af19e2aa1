/**
 * What `pull` does with each tarball (SPEC section 5), decided from three
 * inputs only: the source listing, the target's files and the ledger's purge
 * history. Pure, so every branch is unit-tested without disk or network.
 */
import { compareByPath, dnaEqual, type Dna, type ListedTarball } from '@altbackup/shared';
import type { PartCheckpoint } from './part/partCheckpoint.js';

/** A complete entry of the source listing: its sidecar is known. */
export type SourceEntry = ListedTarball & { dna: Dna };

/**
 * What `<path>.part.meta` records when a download starts: the identity of the
 * bytes in the `.part`, so a resume asks for the same file (`If-Range`).
 */
export interface PartMeta {
  etag: string;
  size: number;
  dig: string;
  source: string;
  startedAt: string;
  /** The MD5 state of the `.part`'s first bytes, saved once they were on the disk. */
  hashed: PartCheckpoint | null;
}

/** The target's files for one tarball path. */
export interface TargetState {
  /** Size of the final name, null when absent. */
  finalSize: number | null;
  /** The sidecar: parsed, 'invalid' when unreadable, null when absent. */
  sidecar: Dna | 'invalid' | null;
  /** Size of `<path>.part`, null when absent. */
  partSize: number | null;
  partMeta: PartMeta | null;
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

const NO_STATE: TargetState = { finalSize: null, sidecar: null, partSize: null, partMeta: null };

function item(entry: SourceEntry, action: Action, reason: string, extra: Partial<PlanItem> = {}): PlanItem {
  return { entry, action, resumeFrom: null, offset: 0, ifRange: null, checkpoint: null, conflict: null, reason, ...extra };
}

function describeDna(d: Dna | 'invalid'): string {
  return d === 'invalid' ? 'an unreadable sidecar' : `md5 ${d.dig} size ${d.size}`;
}

/** Whether the recorded start of a `.part` is the file the source lists now. */
function metaMatches(meta: PartMeta, entry: SourceEntry): boolean {
  return meta.etag === entry.etag && meta.size === entry.size && meta.dig === entry.dna.dig;
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

export function planTarball(entry: SourceEntry, state: TargetState = NO_STATE, purged = false): PlanItem {
  const { finalSize, sidecar, partSize, partMeta } = state;
  if (purged) return item(entry, 'never', 'purged earlier by purge_target');
  if (finalSize !== null && sidecar !== null) {
    if (sidecar !== 'invalid' && dnaEqual(sidecar, entry.dna) && finalSize === entry.size) {
      return item(entry, 'skip', 'verified, same dna');
    }
    // A final name with a sidecar that disagrees with the source: never
    // overwritten in place; the new copy replaces it only once verified.
    const conflict = finalSize === (sidecar === 'invalid' ? -1 : sidecar.size)
      ? `target has ${describeDna(sidecar)}, source has md5 ${entry.dna.dig} size ${entry.size}`
      : `target file is ${finalSize} bytes but its sidecar says ${describeDna(sidecar)}; source has md5 ${entry.dna.dig} size ${entry.size}`;
    if (partSize !== null) return continueOrRestart(entry, 'part', partSize, partMeta, conflict);
    return item(entry, 'fetch', 'target copy differs from the source', { conflict });
  }
  if (finalSize !== null) {
    // An interrupted copy under the final name (the old tool's truncated
    // file, or our own crash between rename and sidecar): the longer of it
    // and any .part is continued, the other discarded.
    if (partSize !== null && partSize > finalSize) return continueOrRestart(entry, 'part', partSize, partMeta, null);
    return continueOrRestart(entry, 'final', finalSize, partMeta, null);
  }
  if (partSize !== null) return continueOrRestart(entry, 'part', partSize, partMeta, null);
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
