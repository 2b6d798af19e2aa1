/**
 * The Bitten build history a Trac snapshot holds: five build slaves (busy,
 * occasional, new, stale and gone), pending builds, and what
 * `examine_tracdb` should answer about them (SPEC section 6).
 */
import { DAY, dayNumber, nowSeconds, TIME_SEC } from './clock.js';
import { intIn, mulberry32, pick, seedFrom } from './prng.js';

export interface BittenRow {
  id: number;
  config: string;
  rev: string;
  rev_time: number;
  platform: number;
  slave: string;
  started: number;
  stopped: number;
  status: 'P' | 'I' | 'S' | 'F';
}

/** One line of the expected `examine_tracdb` answer (SPEC section 6), times in Unix seconds. */
export interface ExamineRow {
  slave: string;
  id: number;
  rev: string;
  rev_time: number;
  started: number;
}

const HISTORY_DAYS = 90; // Bitten history starts this many days before `now`

interface SlaveSpec {
  name: string;
  platform: number;
  /** Active on days nowDay+from .. nowDay+until (inclusive); until null = still active. */
  from: number;
  until: number | null;
  /** Probability of building on an active day, and max builds that day. */
  p: number;
  max: number;
}

const SLAVES: readonly SlaveSpec[] = [
  { name: 'farm1', platform: 1, from: -HISTORY_DAYS, until: null, p: 1, max: 3 },
  { name: 'belle7', platform: 2, from: -HISTORY_DAYS, until: null, p: 0.6, max: 2 },
  { name: 'daya0001', platform: 1, from: -20, until: null, p: 0.7, max: 2 },
  // stale: last start about 12 days before now (older than 7, within 30)
  { name: 'pdsf', platform: 3, from: -HISTORY_DAYS, until: -12, p: 0.5, max: 1 },
  // gone: last start about 45 days before now (outside a 30-day window)
  { name: 'cms01', platform: 2, from: -HISTORY_DAYS, until: -45, p: 0.5, max: 1 },
];

export const BITTEN_SLAVES: readonly string[] = SLAVES.map((s) => s.name);

const CONFIGS = ['dybinst', 'opt.dybinst', 'detdesc'] as const;

/** A build as scheduled, before a snapshot time decides its status; `started` is 0 for a pending (never started) build. */
interface BuildPlan extends Omit<BittenRow, 'stopped' | 'status'> {
  duration: number;
  final: 'S' | 'F';
}

function plannedBuilds(d: number, nowDay: number, seed: string): BuildPlan[] {
  const rng = mulberry32(seedFrom(seed, 'bitten', d));
  const dayStart = d * DAY;
  const baseRev = 20550 + 3 * (d - nowDay);
  const out: BuildPlan[] = [];
  let j = 0;
  for (const s of SLAVES) {
    // Draw the same amount of randomness whether or not the slave is active,
    // so one slave's activity window does not shift another's builds.
    const builds = rng() < s.p ? intIn(rng, 1, s.max) : 0;
    const lastDay = s.until === null ? Infinity : nowDay + s.until;
    const active = d >= nowDay + s.from && d <= lastDay;
    const forced = d === lastDay; // a stale/gone slave builds on its last day
    const n = active ? Math.max(builds, forced ? 1 : 0) : 0;
    for (let k = 0; k < s.max; k++) {
      const r = [rng(), rng(), rng(), rng(), rng(), rng()] as const;
      if (k >= n) continue;
      let started: number;
      let duration: number;
      if (s.name === 'farm1' && k === 0) {
        // Starts 10:00-10:40 and runs >= 1 h: in progress ('I') at the 10:47:01 snapshot.
        started = dayStart + 36_000 + Math.floor(r[0] * 2400);
        duration = 3600 + Math.floor(r[1] * 3600);
      } else {
        started = dayStart + Math.floor(r[0] * 20 * 3600);
        duration = 1200 + Math.floor(r[1] * 3 * 3600);
      }
      const revTime = started - 300 - Math.floor(r[2] * 6 * 3600);
      out.push({
        id: d * 16 + j++,
        config: CONFIGS[Math.floor(r[3] * CONFIGS.length)]!,
        rev: String(baseRev - Math.floor(r[4] * 3)),
        rev_time: revTime,
        platform: s.platform,
        slave: s.name,
        started,
        duration,
        final: r[5] < 0.2 ? 'F' : 'S',
      });
    }
  }
  // Pending builds (not yet taken by a slave): empty slave, never started.
  if (((d % 3) + 3) % 3 === 0) {
    out.push({
      id: d * 16 + j++,
      config: pick(rng, CONFIGS),
      rev: String(baseRev + 2),
      rev_time: dayStart + 22 * 3600 + intIn(rng, 0, 3599),
      platform: 1,
      slave: '',
      started: 0,
      duration: 0,
      final: 'S',
    });
  }
  return out;
}

/**
 * The bitten_build rows of the trac.db snapshot taken on `day` at 10:47:01 UTC.
 * Pure: depends only on (day, now's UTC day, seed). The build history starts
 * 90 days before `now`; a later day's snapshot holds every build of an earlier
 * one (same ids) plus the newer builds, with in-progress builds finished.
 * Build times are Unix seconds; in-progress builds have status 'I' and
 * stopped 0; pending builds have slave '', started 0, status 'P'.
 */
export function bittenRowsFor(day: string, now: Date, seed: number | string): BittenRow[] {
  const D = dayNumber(day);
  const nowDay = Math.floor(nowSeconds(now) / DAY);
  // The backup job snapshots the db at its start time, but never after `now`:
  // a tree made early in the day must not hold builds from the future.
  const snapshot = Math.min(D * DAY + TIME_SEC, nowSeconds(now));
  const s = String(seed);
  const rows: BittenRow[] = [];
  for (let d = nowDay - HISTORY_DAYS; d <= D; d++) {
    for (const b of plannedBuilds(d, nowDay, s)) {
      const base = {
        id: b.id,
        config: b.config,
        rev: b.rev,
        rev_time: b.rev_time,
        platform: b.platform,
        slave: b.slave,
      };
      if (b.slave === '') {
        if (b.rev_time < snapshot) rows.push({ ...base, started: 0, stopped: 0, status: 'P' });
        continue;
      }
      if (b.started >= snapshot) continue;
      const stopped = b.started + b.duration;
      if (stopped > snapshot) rows.push({ ...base, started: b.started, stopped: 0, status: 'I' });
      else rows.push({ ...base, started: b.started, stopped, status: b.final });
    }
  }
  rows.sort((a, b) => a.id - b.id);
  return rows;
}

/**
 * What `examine_tracdb` should answer for these rows (SPEC section 6): builds
 * with `rev_time >= now - windowDays*86400` and a non-empty slave, grouped by
 * slave with max(id), max(rev) (text comparison, as SQLite does), max(rev_time)
 * and max(started); ordered by last start ascending, then slave name.
 */
export function expectedExamine(rows: readonly BittenRow[], now: Date, windowDays = 30): ExamineRow[] {
  const since = nowSeconds(now) - windowDays * DAY;
  const by = new Map<string, ExamineRow>();
  for (const r of rows) {
    if (r.slave === '' || r.rev_time < since) continue;
    const g = by.get(r.slave);
    if (!g) {
      by.set(r.slave, { slave: r.slave, id: r.id, rev: r.rev, rev_time: r.rev_time, started: r.started });
      continue;
    }
    g.id = Math.max(g.id, r.id);
    if (r.rev > g.rev) g.rev = r.rev;
    g.rev_time = Math.max(g.rev_time, r.rev_time);
    g.started = Math.max(g.started, r.started);
  }
  return [...by.values()].sort((a, b) => a.started - b.started || (a.slave < b.slave ? -1 : 1));
}
