/**
 * Is a new copy plausible? A backup job that truncates its output or a
 * repository emptied on the source still produce a tarball whose sidecar
 * matches: the only sign is that it is much smaller than the series' last
 * good copy. Such a copy lands, but is marked suspicious, and a suspicious
 * copy never becomes the yardstick for the next one, so days of small
 * garbage cannot lower it. Pure.
 */
import { compareByPath } from '@altbackup/shared';
import type { SuspicionRecord } from '../ledger/ledger.js';
import type { VerificationState } from '../target/verification.js';

export interface SeriesCopy {
  path: string;
  size: number;
  state: VerificationState;
}

/**
 * The suspicion for a new copy, or null: `earlier` are the other copies of
 * its series on the target; the yardstick is the newest verified one older
 * than it. `percent` 0 turns the check off.
 */
export function suspicionOf(copy: { path: string; size: number; md5: string }, earlier: readonly SeriesCopy[], percent: number): SuspicionRecord | null {
  if (percent <= 0) return null;
  const yardstick = [...earlier]
    .filter((c) => c.path < copy.path && c.state === 'verified')
    .sort(compareByPath)
    .at(-1);
  if (!yardstick || copy.size * 100 >= yardstick.size * percent) return null;
  return { path: copy.path, size: copy.size, md5: copy.md5, previousPath: yardstick.path, previousSize: yardstick.size };
}
