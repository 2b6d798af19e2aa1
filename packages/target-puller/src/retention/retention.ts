/**
 * What `purge_target` keeps and deletes in one `<catfold>/<subfold>` (SPEC
 * section 3). Pure: the caller says what each tarball's state is.
 *
 * One rule protects the data: a tarball goes only when at least `keep`
 * verified tarballs newer than it exist. For a verified tarball that means
 * "not among the newest `keep` verified"; for an unverified or in-progress
 * one it means "older than every kept copy". Unverified and in-progress
 * tarballs therefore never count as kept copies, and a subfold whose newest
 * tarballs failed to arrive keeps its older verified ones.
 */
import { compareByPath, subfoldKey } from '@altbackup/shared';
import { countsTowardKeep, type VerificationState } from '../target/verification.js';

export interface RetentionEntry {
  /** Relative layout path; lexical order is date order within a subfold. */
  path: string;
  state: VerificationState;
  /** Why it is not verified, shown in the table. */
  why?: string | null;
}

export interface RetentionDecision<E extends RetentionEntry = RetentionEntry> {
  entry: E;
  /** Position in date order, oldest first (the table's index). */
  index: number;
  delete: boolean;
}

/** Decisions for one subfold's entries, oldest first. */
export function decideRetention<E extends RetentionEntry>(entries: readonly E[], keep: number): RetentionDecision<E>[] {
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a whole number >= 1, got ${keep}`);
  const sorted = [...entries].sort(compareByPath);
  const out: RetentionDecision<E>[] = new Array(sorted.length);
  let verifiedNewer = 0;
  for (let i = sorted.length - 1; i >= 0; i--) {
    const entry = sorted[i]!;
    out[i] = { entry, index: i, delete: verifiedNewer >= keep };
    if (countsTowardKeep(entry.state)) verifiedNewer++;
  }
  return out;
}

/** Groups entries by `<catfold>/<subfold>`, keys sorted. */
export function groupBySubfold<E extends RetentionEntry & { catfold: string; subfold: string }>(entries: readonly E[]): Map<string, E[]> {
  const groups = new Map<string, E[]>();
  for (const e of entries) {
    const key = subfoldKey(e);
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The old tool's table for one subfold: index, a `D` on what goes, the path,
 * and the state when it is not plain verified (so an operator sees why an
 * old unverified file stayed or went).
 */
export function formatRetentionTable(subfold: string, keep: number, decisions: readonly RetentionDecision[], kept = 'verified'): string {
  const gone = decisions.filter((d) => d.delete).length;
  const lines = [`${subfold}: keep ${keep} ${kept}, ${gone} of ${decisions.length} to delete`];
  const width = String(Math.max(0, decisions.length - 1)).length;
  for (const d of decisions) {
    const note = d.entry.state === 'verified' ? '' : `  (${d.entry.state}${d.entry.why ? `: ${d.entry.why}` : ''})`;
    lines.push(`  ${String(d.index).padStart(width)} ${d.delete ? 'D' : ' '} ${d.entry.path}${note}`);
  }
  return lines.join('\n') + '\n';
}
