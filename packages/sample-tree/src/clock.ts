/**
 * The sample's calendar: days as numbers (for arithmetic on seconds) and the
 * time of the nightly backup run. Calendar rules come from @altbackup/shared,
 * so the generator accepts exactly the days the programs do.
 */
import { addDays, dayDiff, isCalendarDate } from '@altbackup/shared';

export const DAY = 86_400;
/** The time folder of every backup run, and the run's start as seconds into the day (10:47:01 UTC). */
export const TIME_FOLDER = '104701';
export const TIME_SEC = 10 * 3600 + 47 * 60 + 1;

const EPOCH = '1970/01/01';
const DAY_RE = /^(\d{4})\/(\d{2})\/(\d{2})$/;

/** 'YYYY/MM/DD' -> days since 1970-01-01 (UTC). Throws on a malformed or impossible date. */
export function dayNumber(day: string): number {
  const m = DAY_RE.exec(day);
  if (!m) throw new RangeError(`bad day '${day}': expected YYYY/MM/DD`);
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new RangeError(`bad day '${day}': no such date`);
  return dayDiff(EPOCH, day);
}

/** Days since 1970-01-01 -> 'YYYY/MM/DD'. */
export function dayString(n: number): string {
  return addDays(EPOCH, n);
}

export function nowSeconds(now: Date): number {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('bad now: invalid Date');
  return Math.floor(ms / 1000);
}

/** Unix seconds of the backup run on day number `n`. */
export function runStart(n: number): number {
  return n * DAY + TIME_SEC;
}

/** The dates a run's tarball members carry: the files as they stood an hour before the run, and the snapshot taken at its start. */
export function runDates(n: number): { files: Date; snapshot: Date } {
  return { files: new Date((runStart(n) - 3600) * 1000), snapshot: new Date(runStart(n) * 1000) };
}
