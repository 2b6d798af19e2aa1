/**
 * Is this tarball on the target verified? The one answer every command uses
 * (`ls`, `status`, `purge_target`, `extract_tracdb`, `check_target`, `pull`),
 * decided from the target's own files and the ledger's latest check of the
 * path. Pure; `target/targetFiles.ts` gathers the facts.
 *
 * A copy is verified when its final name and a readable sidecar are both
 * there, their sizes agree, and the ledger's latest check of it did not fail.
 * A check counts only while it still describes the file: it ran after the
 * file's last change and saw the file's size. So an old failed check does not
 * condemn a copy that was fetched again since, and a fresh good pull clears a
 * failed check_target.
 */
import { humanSize, type Dna } from '@altbackup/shared';

/** The states of a tarball on the target; a closed union that later states extend. */
export type VerificationState =
  /** Final name, readable sidecar of the same size, no current failed check. */
  | 'verified'
  /** Final name without a readable sidecar: an interrupted copy or a damaged sidecar. */
  | 'unverified'
  /** A download under way or interrupted: a `.part` (beside or instead of the final name). */
  | 'in-progress'
  /** The file's size disagrees with its sidecar's. */
  | 'mismatch'
  /** Corrupt at rest: the latest current digest check (scrub, check_target) found other bytes than the sidecar's. */
  | 'corrupt'
  /** Its bytes match its sidecar, but the archive does not restore (check_restore failed on this very copy). */
  | 'restore-failed'
  /**
   * Its bytes match its sidecar, but it is much smaller than the last good
   * copy of its series (a truncated backup job, an emptied repository): kept,
   * shown, not counted toward `keep`.
   */
  | 'suspicious';

export const VERIFICATION_STATES: readonly VerificationState[] = ['verified', 'unverified', 'in-progress', 'mismatch', 'corrupt', 'suspicious', 'restore-failed'];

/** The sidecar as read from disk: parsed, unreadable (with why), or absent. */
export type SidecarRead = Dna | { invalid: string } | null;

/** What the target's files say about one tarball path. */
export interface CopyFacts {
  /** Whether the final name exists. */
  exists: boolean;
  /** Size and mtime of the final name (0 when absent). */
  size: number;
  mtimeMs: number;
  partSize: number | null;
  sidecar: SidecarRead;
}

/** The ledger's latest digest comparison for the path, as far as the rule needs it. */
export interface CheckFact {
  ok: boolean;
  actualSize: number | null;
  /** When the check ran (ms since epoch). */
  at: number;
}

/** The ledger's note that a copy with this md5 came in much smaller than its series' last good one. */
export interface SuspicionFact {
  md5: string;
  size: number;
  previousPath: string;
  previousSize: number;
}

/** The ledger's latest conclusive restore proof of the path, with the md5 of the copy it proved. */
export interface RestoreFact {
  md5: string;
  ok: boolean;
  at: number;
  detail: string | null;
}

export interface Verification {
  state: VerificationState;
  /** Why, in a few words, for the operator. */
  why: string;
  /** The sidecar's dna when it is readable. */
  dna: Dna | null;
  /** When a current check compared the digest, else null (only sizes were compared). */
  checkedAt: number | null;
  /** When this very copy last passed its restore proof, else null. */
  restoreProvenAt: number | null;
}

export function isReadableSidecar(s: SidecarRead): s is Dna {
  return s !== null && !('invalid' in s);
}

/** Whether a check still describes the file: newer than its last change, and of its size. */
function isCurrentCheck(copy: Pick<CopyFacts, 'size' | 'mtimeMs'>, check: CheckFact | undefined): check is CheckFact {
  // Checks are stamped in whole milliseconds, mtimes finer: a check in the same millisecond as the last write still describes it.
  return check !== undefined && check.at >= Math.floor(copy.mtimeMs) && (check.actualSize === null || check.actualSize === copy.size);
}

function partText(bytes: number): string {
  return `.part ${humanSize(bytes)}`;
}

/** What the ledger knows of a path beyond its files. */
export interface LedgerFacts {
  lastCheck?: CheckFact;
  suspicion?: SuspicionFact;
  restore?: RestoreFact;
}

export function verificationOf(copy: CopyFacts, facts: LedgerFacts = {}): Verification {
  const none = { dna: null, checkedAt: null, restoreProvenAt: null };
  if (!copy.exists) return { state: 'in-progress', why: partText(copy.partSize ?? 0), ...none };
  const { sidecar } = copy;
  if (sidecar === null) {
    return copy.partSize !== null ? { state: 'in-progress', why: partText(copy.partSize), ...none } : { state: 'unverified', why: 'no sidecar', ...none };
  }
  if (!isReadableSidecar(sidecar)) return { state: 'unverified', why: `unreadable sidecar (${sidecar.invalid})`, ...none };
  const check = isCurrentCheck(copy, facts.lastCheck) ? facts.lastCheck : undefined;
  const known = { dna: sidecar, checkedAt: check?.at ?? null, restoreProvenAt: null };
  if (check && !check.ok) return { ...known, state: 'corrupt', why: 'the last check read other bytes than the sidecar says' };
  if (sidecar.size !== copy.size) return { ...known, state: 'mismatch', why: `sidecar says ${sidecar.size} bytes` };
  // A proof is about the bytes it read: it counts for the copy with that md5 only.
  const restore = facts.restore?.md5 === sidecar.dig ? facts.restore : undefined;
  if (restore && !restore.ok) return { ...known, state: 'restore-failed', why: `check_restore failed: ${restore.detail ?? 'see the ledger'}` };
  const proven = { ...known, restoreProvenAt: restore?.ok ? restore.at : null };
  const suspicion = facts.suspicion;
  if (suspicion && suspicion.md5 === sidecar.dig) {
    const percent = Math.round((100 * copy.size) / Math.max(1, suspicion.previousSize));
    return { ...proven, state: 'suspicious', why: `${percent}% of the last good copy ${suspicion.previousPath} (${humanSize(suspicion.previousSize)})` };
  }
  return { ...proven, state: 'verified', why: restore?.ok ? 'restore proven' : check ? 'digest checked' : 'sidecar size matches' };
}

/** Whether the bytes match the sidecar (whatever else is known of them). */
export function isIntact(state: VerificationState): boolean {
  return state === 'verified' || state === 'suspicious' || state === 'restore-failed';
}

/** Whether a copy in this state is one of the `keep` copies retention protects. */
export function countsTowardKeep(state: VerificationState): boolean {
  return state === 'verified';
}
