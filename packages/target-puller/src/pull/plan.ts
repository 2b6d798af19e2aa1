/**
 * What `pull` does with each tarball (SPEC section 5), decided from three
 * inputs only: the source listing, the target's files and the ledger's purge
 * history. Pure, so every branch is unit-tested without disk or network.
 */
import { compareByPath, dnaEqual, type Dna } from '@altbackup/shared';
import type { SourceEntry } from '../source/listingBody.js';
import { isIntact, isReadableSidecar, verificationOf, type CopyFacts, type LedgerFacts, type Verification } from '../target/verification.js';
import type { PartCheckpoint } from './part/partCheckpoint.js';
import { metaMatches, type PartMeta } from './part/partMeta.js';
import { bytesIn, contiguousPrefix, type ByteRange } from './segments/ranges.js';

/** What the target holds for one listed path. */
export interface TargetState {
  copy: CopyFacts;
  /** The `.part.meta` of a `.part` in progress. */
  partMeta: PartMeta | null;
  /** What the ledger knows of the path (the verification rule reads it). */
  facts?: LedgerFacts;
}

export type Action =
  /** The target already holds this tarball, verified, with the same dna. */
  | 'skip'
  /** Continue the bytes already on disk (`resumeFrom` says which file). */
  | 'resume'
  /** Download from byte zero. */
  | 'fetch'
  /** purge_target deleted it earlier: never fetched again. */
  | 'never'
  /**
   * The target holds it verified (or once did) and the source now lists
   * other bytes under the same path: kept byte for byte, not fetched, an
   * alarm until an operator accepts the change (`--accept-changed`).
   */
  | 'changed';

/** A copy under the final name that a download replaces: moved aside first, never overwritten in place. */
export interface Replacement {
  /** Where the old copy goes: `replaced` (an accepted change), `quarantine` (a damaged copy). */
  aside: 'replaced' | 'quarantine';
  /** Its sidecar's dna, when readable. */
  held: Dna | null;
  /** Why, for the operator. */
  why: string;
}

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
  /** For 'resume' of a segmented `.part`: the ranges its meta says are on the disk (`offset` is their total). */
  ranges: ByteRange[] | null;
  /** The copy under the final name that this download replaces, when there is one. */
  replaces: Replacement | null;
  /** For 'changed': the dna the target holds. */
  held: Dna | null;
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
  return { entry, action, resumeFrom: null, offset: 0, ifRange: null, checkpoint: null, ranges: null, replaces: null, held: null, reason, ...extra };
}

/**
 * The ranges a segmented `.part` of `length` bytes holds, from its meta. With
 * `tail` (one stream was appending after the first range, nothing lay past
 * it) the bytes up to the file's length count too: the MD5 reads them back.
 */
export function heldOf(held: readonly ByteRange[], tail: boolean, length: number): ByteRange[] {
  const onDisk = held.filter(([, end]) => end <= length);
  const allPrefix = onDisk.length === held.length && bytesIn(onDisk) === contiguousPrefix(onDisk);
  return tail && allPrefix ? [[0, length]] : onDisk;
}

/** Decides resume-or-restart for bytes on disk (a `.part` or a final name without sidecar). */
function continueOrRestart(entry: SourceEntry, from: 'part' | 'final', length: number, meta: PartMeta | null, replaces: Replacement | null): PlanItem {
  const what = from === 'part' ? '.part' : 'final name without sidecar';
  if (length === 0) return item(entry, 'fetch', `empty ${what}`, { replaces });
  if (length > entry.size) return item(entry, 'fetch', `${what} is longer (${length}) than the source (${entry.size}): restart`, { replaces });
  if (meta && !metaMatches(meta, entry)) {
    return item(entry, 'fetch', `${what} was started from another version of the file (ETag ${meta.etag}, now ${entry.etag}): restart`, { replaces });
  }
  // A segmented download's file has gaps: its meta, not its length, says what it holds.
  const ranges = from === 'part' && meta?.held ? heldOf(meta.held, meta.tail === true, length) : null;
  if (ranges) {
    const held = bytesIn(ranges);
    const prefix = contiguousPrefix(ranges);
    return item(entry, held === 0 ? 'fetch' : 'resume', `${what} has ${held} of ${entry.size} bytes in ${ranges.length} range(s)`, {
      resumeFrom: from,
      offset: held,
      ifRange: meta!.etag,
      checkpoint: meta!.hashed && meta!.hashed.offset <= prefix ? meta!.hashed : null,
      ranges,
      replaces,
    });
  }
  return item(entry, 'resume', `${what} has ${length} of ${entry.size} bytes`, {
    resumeFrom: from,
    offset: length,
    ifRange: meta?.etag ?? entry.etag,
    checkpoint: from === 'part' && meta?.hashed && meta.hashed.offset <= length ? meta.hashed : null,
    replaces,
  });
}

/** The copy under the final name, when it is not an intact copy of what the source lists. */
function replacementOf(copy: CopyFacts, held: Verification): Replacement {
  const dna = isReadableSidecar(copy.sidecar) ? copy.sidecar : null;
  const why = dna === null
    ? 'the target copy has an unreadable sidecar'
    : `the target copy is damaged (${held.why}; file ${copy.size} bytes, sidecar md5 ${dna.dig} size ${dna.size})`;
  return { aside: 'quarantine', held: dna, why };
}

/**
 * What to do with one listed tarball. `accepted` says the operator accepts
 * the source's new version of a copy the target holds (`--accept-changed`).
 */
export function planTarball(entry: SourceEntry, state: TargetState = NOTHING_HELD, purged = false, accepted = false): PlanItem {
  const { copy, partMeta } = state;
  if (purged) return item(entry, 'never', 'purged earlier by purge_target');
  if (copy.exists && copy.sidecar !== null) {
    const held = verificationOf(copy, state.facts);
    const dna = isReadableSidecar(copy.sidecar) ? copy.sidecar : null;
    if (dna && !dnaEqual(dna, entry.dna)) {
      // Trust the source for new bytes only, never for what the target already holds.
      const what = `the target holds md5 ${dna.dig} size ${dna.size}, the source now lists md5 ${entry.dna.dig} size ${entry.size}`;
      if (!accepted) return item(entry, 'changed', what, { held: dna });
      return item(entry, 'fetch', `change accepted: ${what}`, { replaces: { aside: 'replaced', held: dna, why: `accepted by the operator: ${what}` } });
    }
    if (dna && isIntact(held.state) && copy.size === entry.size) return item(entry, 'skip', 'verified, same dna');
    const replaces = replacementOf(copy, held);
    if (copy.partSize !== null) return continueOrRestart(entry, 'part', copy.partSize, partMeta, replaces);
    return item(entry, 'fetch', replaces.why, { replaces });
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
  accepted: ReadonlySet<string> = new Set(),
): Plan {
  const items = [...entries]
    .sort(compareByPath)
    .map((e) => planTarball(e, stateOf(e.path), purged.has(e.path), accepted.has(e.path)));
  return { items, pending: [...pending].sort() };
}

/** Bytes the plan still has to move over the network. */
export function bytesToFetch(plan: Plan): number {
  return plan.items.reduce((n, i) => n + (i.action === 'fetch' ? i.entry.size : i.action === 'resume' ? i.entry.size - i.offset : 0), 0);
}
