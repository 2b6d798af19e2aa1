/**
 * What `purge_target` keeps and deletes in one `<catfold>/<subfold>` (SPEC
 * section 3). Pure: the caller says what each copy's state is; nothing the
 * source lists or stops listing is an input.
 *
 * Copies that count (verified ones, by `countsTowardKeep`) are kept when any
 * rule keeps them:
 * - `keep`: the newest N, as the old tool did;
 * - `daily`, `weekly`, `monthly` (0: off): the newest copy of each of the
 *   last N calendar days, ISO weeks or months that have one, as restic
 *   `forget` and Proxmox prune do, so a week of bad backups cannot push the
 *   last good month out.
 * Days are the backups' own folder dates (YYYY/MM/DD, the site's calendar),
 * so a daylight-saving change or a timezone cannot shift a copy into another
 * bucket.
 *
 * And the newest restore-proven copy of each wanted name is never deleted,
 * so the last copy known to restore survives a run of copies that do not.
 *
 * One rule protects the data: a copy that does not count (unverified, in
 * progress, corrupt, suspicious, a replaced version) goes only when at least
 * `keep` counting copies with a later date exist. So a subfold whose newest
 * tarballs failed to arrive, or arrived small, keeps its older good ones.
 */
import { compareByPath, parseTarballPath, subfoldKey } from '@altbackup/shared';
import { countsTowardKeep, type VerificationState } from '../target/verification.js';

/** A copy's state as retention sees it: the verification state, or an older version set aside by an accepted change. */
export type RetentionState = VerificationState | 'replaced';

export interface RetentionEntry {
  /** Relative layout path; lexical order is date order within a subfold. */
  path: string;
  state: RetentionState;
  /** Why it is not verified, shown in the table. */
  why?: string | null;
  /** The newest restore-proven copy of its wanted name: never deleted, whatever else holds. */
  pinned?: boolean;
}

export interface RetentionPolicy {
  keep: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export type KeepRule = 'newest' | 'daily' | 'weekly' | 'monthly' | 'proven';

export interface RetentionDecision<E extends RetentionEntry = RetentionEntry> {
  entry: E;
  /** Position in date order, oldest first (the table's index). */
  index: number;
  delete: boolean;
  /** The rules that keep it (counting copies only). */
  keptBy: KeepRule[];
}

function policyOf(p: number | RetentionPolicy): RetentionPolicy {
  const policy = typeof p === 'number' ? { keep: p, daily: 0, weekly: 0, monthly: 0 } : p;
  if (!Number.isInteger(policy.keep) || policy.keep < 1) throw new RangeError(`keep must be a whole number >= 1, got ${policy.keep}`);
  for (const k of ['daily', 'weekly', 'monthly'] as const) {
    if (!Number.isInteger(policy[k]) || policy[k] < 0) throw new RangeError(`keep_${k} must be a whole number >= 0, got ${policy[k]}`);
  }
  return policy;
}

function counts(e: RetentionEntry): boolean {
  return e.state !== 'replaced' && countsTowardKeep(e.state);
}

/** `YYYY/MM/DD` of a layout path (the date folders), or null off the layout. */
function dayOf(path: string): string | null {
  const ref = parseTarballPath(path);
  if (ref) return ref.day;
  const parts = path.split('/');
  // Extracted databases: tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db
  return parts.length >= 5 && /^\d{4}$/.test(parts[2]!) ? `${parts[2]}/${parts[3]}/${parts[4]}` : null;
}

/** ISO 8601 week of a calendar day: `2021-W01`; 2021/01/03 is in 2020-W53. */
export function isoWeekOf(day: string): string {
  const [y, m, d] = day.split('/').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of the same week decides the year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const year = date.getUTCFullYear();
  const week = Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const BUCKET: Record<Exclude<KeepRule, 'newest' | 'proven'>, (day: string) => string> = {
  daily: (day) => day,
  weekly: isoWeekOf,
  monthly: (day) => day.slice(0, 7),
};

/** Decisions for one subfold's entries, oldest first. */
export function decideRetention<E extends RetentionEntry>(entries: readonly E[], keep: number | RetentionPolicy): RetentionDecision<E>[] {
  const policy = policyOf(keep);
  const sorted = [...entries].sort(compareByPath);
  const keptBy = sorted.map((): KeepRule[] => []);
  const counting = sorted.map((e, i) => ({ e, i })).filter(({ e }) => counts(e)).reverse();
  counting.slice(0, policy.keep).forEach(({ i }) => keptBy[i]!.push('newest'));
  for (const rule of ['daily', 'weekly', 'monthly'] as const) {
    const seen = new Set<string>();
    for (const { e, i } of counting) {
      if (seen.size >= policy[rule]) break;
      const day = dayOf(e.path);
      if (day === null) continue;
      const bucket = BUCKET[rule](day);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keptBy[i]!.push(rule);
    }
  }
  sorted.forEach((e, i) => { if (e.pinned) keptBy[i]!.push('proven'); });
  const countingLater = (path: string) => counting.filter(({ e }) => e.path > path).length;
  return sorted.map((entry, index) => ({
    entry,
    index,
    keptBy: keptBy[index]!,
    delete: entry.pinned ? false : counts(entry) ? keptBy[index]!.length === 0 : countingLater(entry.path) >= policy.keep,
  }));
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

function ruleText(rules: readonly KeepRule[], policy: RetentionPolicy): string {
  return rules.map((r) => (r === 'newest' ? `newest ${policy.keep}` : r === 'proven' ? 'newest restore-proven' : r)).join(', ');
}

/**
 * The old tool's table for one subfold: index, a `D` on what goes, the path,
 * and the state when it is not plain verified (so an operator sees why an
 * old unverified file stayed or went). With calendar rules on, each kept copy
 * also says which rules keep it.
 */
export function formatRetentionTable(subfold: string, keep: number | RetentionPolicy, decisions: readonly RetentionDecision[], kept = 'verified'): string {
  const policy = policyOf(keep);
  const calendar = policy.daily + policy.weekly + policy.monthly > 0;
  const rules = calendar ? `, daily ${policy.daily}, weekly ${policy.weekly}, monthly ${policy.monthly}` : '';
  const gone = decisions.filter((d) => d.delete).length;
  const lines = [`${subfold}: keep ${policy.keep} ${kept}${rules}, ${gone} of ${decisions.length} to delete`];
  const width = String(Math.max(0, decisions.length - 1)).length;
  for (const d of decisions) {
    const note = d.entry.state === 'verified' ? '' : `  (${d.entry.state}${d.entry.why ? `: ${d.entry.why}` : ''})`;
    const shown = calendar ? d.keptBy : d.keptBy.includes('proven') && !d.keptBy.includes('newest') ? ['proven' as const] : [];
    const by = shown.length > 0 ? `  [kept: ${ruleText(shown, policy)}]` : '';
    lines.push(`  ${String(d.index).padStart(width)} ${d.delete ? 'D' : ' '} ${d.entry.path}${note}${by}`);
  }
  return lines.join('\n') + '\n';
}
