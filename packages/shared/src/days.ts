/**
 * Day selection (SPEC section 2, "Days"). Days are calendar days of the
 * source site, so "today" is computed in a configured IANA timezone.
 * Calendar arithmetic is done on dates, not by subtracting 24 h, so DST
 * changes never skip or repeat a day.
 */
import { AltError } from './errors.js';

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
    throw new AltError('bad-timezone', `unknown timezone ${JSON.stringify(tz)}: use an IANA name such as "Asia/Taipei" or "UTC"`);
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

/** A wall-clock reading: what a clock in some timezone shows at an instant. */
export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  /** 0-23 */
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat costs far more than formatting with one, and
// callers convert many instants in the same few timezones.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** What a clock in `timezone` shows at `when` (to the second). */
export function wallClockIn(timezone: string, when: Date | number): WallClock {
  let fmt = wallClockFormats.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    wallClockFormats.set(timezone, fmt);
  }
  const parts = fmt.formatToParts(when);
  const get = (t: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === t)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** `2013-05-29 13:00:02`: the time a clock in `timezone` shows at `ms`, for people. */
export function localDateTime(ms: number, timezone: string): string {
  const w = wallClockIn(timezone, ms);
  return `${pad(w.year, 4)}-${pad(w.month, 2)}-${pad(w.day, 2)} ${pad(w.hour, 2)}:${pad(w.minute, 2)}:${pad(w.second, 2)}`;
}

export function todayIn(ctx: DayContext): Day {
  const w = wallClockIn(ctx.timezone, ctx.now ?? new Date());
  return `${pad(w.year, 4)}/${pad(w.month, 2)}/${pad(w.day, 2)}`;
}

export function addDays(day: Day, delta: number): Day {
  const d = toUtcDate(day);
  d.setUTCDate(d.getUTCDate() + delta);
  return fromUtcDate(d);
}

/** Whether y-m-d is a day of the calendar this project names folders by (1970 to 9999). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
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
    if (isCalendarDate(y, mo, d)) return `${m[1]}/${m[3]}/${m[4]}`;
    throw new AltError('bad-day', `--day ${JSON.stringify(spec)} is not a calendar date`);
  }
  throw new AltError('bad-day', `--day ${JSON.stringify(spec)} not understood: use -N (days ago), YYYY/MM/DD or YYYY-MM-DD, or leave it out for today`);
}

export function parseSince(spec: string | number): number {
  const n = typeof spec === 'number' ? spec : /^\d{1,5}$/.test(spec.trim()) ? Number(spec) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SINCE_DAYS) {
    throw new AltError('bad-since', `--since ${JSON.stringify(String(spec))} must be a whole number of days from 1 to ${MAX_SINCE_DAYS}`);
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
      throw new AltError('bad-days', 'give either --day or --since, not both');
    }
    return daysEndingAt(todayIn(ctx), parseSince(opts.since));
  }
  return [parseDay(opts.day, ctx)];
}

/** Whole days between two days (b - a). */
export function dayDiff(a: Day, b: Day): number {
  return Math.round((toUtcDate(b).getTime() - toUtcDate(a).getTime()) / 86_400_000);
}

/** `2024-05-02 10:47` (UTC) of an ISO time, or 16 blanks for none: the time column of the listings. */
export function utcMinute(iso: string): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : ''.padEnd(16);
}
