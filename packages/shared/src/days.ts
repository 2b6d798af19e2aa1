/**
 * Day selection (SPEC section 2, "Days"). Days are calendar days of the
 * source site, so "today" is computed in a configured IANA timezone.
 * Calendar arithmetic is done on dates, not by subtracting 24 h, so DST
 * changes never skip or repeat a day.
 */
import { usageError } from './errors.js';

/** A day as the layout writes it: YYYY/MM/DD. */
export type Day = string;

export interface DayContext {
  timezone: string;
  now?: Date;
}

export const MAX_SINCE_DAYS = 3660;

export function assertTimezone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw usageError('bad-timezone', `unknown timezone ${JSON.stringify(tz)}: use an IANA name such as "Asia/Taipei" or "UTC"`);
  }
}

export function machineTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function fromUtcDate(d: Date): Day {
  return `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1, 2)}/${pad(d.getUTCDate(), 2)}`;
}

function toUtcDate(day: Day): Date {
  const [y, m, d] = day.split('/').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

export function todayIn(ctx: DayContext): Day {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: ctx.timezone, year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(ctx.now ?? new Date());
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return `${pad(get('year'), 4)}/${pad(get('month'), 2)}/${pad(get('day'), 2)}`;
}

export function addDays(day: Day, delta: number): Day {
  const d = toUtcDate(day);
  d.setUTCDate(d.getUTCDate() + delta);
  return fromUtcDate(d);
}

function isRealDate(y: number, m: number, d: number): boolean {
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * `--day`: undefined/'' (today), `-N` (N days ago), `YYYY/MM/DD`, `YYYY-MM-DD`.
 */
export function parseDay(spec: string | undefined, ctx: DayContext): Day {
  const today = todayIn(ctx);
  const s = (spec ?? '').trim();
  if (s === '' || s === 'today') return today;
  if (/^-\d{1,5}$/.test(s)) return addDays(today, Number(s));
  if (s === '0') return today;
  const m = /^(\d{4})([/-])(\d{2})\2(\d{2})$/.exec(s);
  if (m) {
    const y = Number(m[1]), mo = Number(m[3]), d = Number(m[4]);
    if (isRealDate(y, mo, d)) return `${m[1]}/${m[3]}/${m[4]}`;
    throw usageError('bad-day', `--day ${JSON.stringify(spec)} is not a calendar date`);
  }
  throw usageError('bad-day', `--day ${JSON.stringify(spec)} not understood: use -N (days ago), YYYY/MM/DD or YYYY-MM-DD, or leave it out for today`);
}

export function parseSince(spec: string | number): number {
  const n = typeof spec === 'number' ? spec : /^\d{1,5}$/.test(spec.trim()) ? Number(spec) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SINCE_DAYS) {
    throw usageError('bad-since', `--since ${JSON.stringify(String(spec))} must be a whole number of days from 1 to ${MAX_SINCE_DAYS}`);
  }
  return n;
}

/** The last `n` days ending at `end`, oldest first. */
export function daysEndingAt(end: Day, n: number): Day[] {
  const out: Day[] = [];
  for (let i = n - 1; i >= 0; i--) out.push(addDays(end, -i));
  return out;
}

/**
 * The days a command works on: `--since N` (the last N days, today included)
 * or `--day D` (giving both is a usage error); neither means today.
 */
export function selectDays(opts: { day?: string; since?: string | number }, ctx: DayContext): Day[] {
  if (opts.since !== undefined && opts.since !== '') {
    if (opts.day !== undefined && opts.day !== '') {
      throw usageError('bad-days', 'give either --day or --since, not both');
    }
    return daysEndingAt(todayIn(ctx), parseSince(opts.since));
  }
  return [parseDay(opts.day, ctx)];
}

/** Whole days between two days (b - a). */
export function dayDiff(a: Day, b: Day): number {
  return Math.round((toUtcDate(b).getTime() - toUtcDate(a).getTime()) / 86_400_000);
}
