/**
 * `examine_tracdb` (SPEC section 6): which Bitten build slaves were active in
 * the window, and when each last built. The database is an extracted backup
 * and must stay byte-identical: it is opened read-only with writes refused,
 * and the -wal/-shm files SQLite creates to read a WAL-mode file are removed
 * again (SQLITE_USE_URI is off in better-sqlite3, so `immutable=1` is not
 * available).
 */
import { existsSync, statSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { AltError, reasonOf, toAltError } from '@altbackup/shared';
import { wantedTracs } from '../target/targetDirs.js';
import { listExtracted } from './purgeExtracted.js';
import { SQLITE_MAGIC } from './tarMember.js';

/** One slave's line, as SQLite computes it (max(rev) compares text). */
export interface SlaveRow {
  slave: string;
  id: number | null;
  rev: string | number | null;
  rev_time: number | null;
  started: number | null;
}

export interface SlaveReport extends SlaveRow {
  rev_time_utc: string;
  started_utc: string;
  /** Last start older than the stale limit (or never started). */
  stale: boolean;
}

/**
 * The SPEC query. Ordered by last start ascending, as SQL's ORDER BY does by
 * default: quiet slaves first, the most recently active last (like `ls -tr`).
 */
export const EXAMINE_SQL = `SELECT slave, max(id) AS id, max(rev) AS rev, max(rev_time) AS rev_time, max(started) AS started
FROM bitten_build
WHERE rev_time >= ? AND slave != ''
GROUP BY slave
ORDER BY max(started), slave`;

const DAY_SECONDS = 86_400;

/** Unix seconds -> `YYYY-MM-DD HH:MM:SS` in UTC (what sqlite's datetime(x, 'unixepoch') prints); '-' for none. */
export function utcDateTime(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  return new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface Window {
  /** Unix seconds. */
  now: number;
  windowDays: number;
  staleDays: number;
}

export function windowStart(w: Window): number {
  return w.now - w.windowDays * DAY_SECONDS;
}

export function staleBefore(w: Window): number {
  return w.now - w.staleDays * DAY_SECONDS;
}

export function reportRows(rows: readonly SlaveRow[], w: Window): SlaveReport[] {
  const limit = staleBefore(w);
  return rows.map((r) => ({
    ...r,
    rev_time_utc: utcDateTime(r.rev_time),
    started_utc: utcDateTime(r.started),
    stale: r.started === null || r.started < limit,
  }));
}

/** The aligned table an operator reads to see which slaves went quiet. */
export function formatSlaveTable(rows: readonly SlaveReport[]): string {
  const head = ['slave', 'last id', 'last rev', 'last rev time (UTC)', 'last started (UTC)', 'stale'];
  const body = rows.map((r) => [r.slave, r.id === null ? '-' : String(r.id), r.rev === null ? '-' : String(r.rev), r.rev_time_utc, r.started_utc, r.stale ? 'STALE' : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([1, 2]);
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

async function sqliteHeader(file: string): Promise<Buffer> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new AltError('tracdb-unreadable', `${file}: cannot open (${reasonOf(e)}): run extract_tracdb again`);
  }
  try {
    const buf = Buffer.alloc(100);
    const { bytesRead } = await fh.read(buf, 0, 100, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Runs the SPEC query on `file` without changing it. */
async function queryTracdb(file: string, since: number): Promise<SlaveRow[]> {
  const header = await sqliteHeader(file);
  if (header.length < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
    throw new AltError('tracdb-not-sqlite', `${file} is not an SQLite database: run extract_tracdb again for that day`);
  }
  // Header bytes 18/19 are 2 for a WAL-mode database: reading it makes SQLite create -wal/-shm.
  const walMode = header[18] === 2 || header[19] === 2;
  const sideFiles = walMode ? [`${file}-wal`, `${file}-shm`].filter((f) => !existsSync(f)) : [];
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('query_only = ON');
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bitten_build'").get();
    if (!table) throw new AltError('tracdb-no-bitten', `${file} has no bitten_build table: not a Trac database with Bitten`);
    return db.prepare(EXAMINE_SQL).all(since) as SlaveRow[];
  } catch (e) {
    if (e instanceof AltError) throw e;
    throw new AltError('tracdb-unreadable', `${file}: ${(e as Error).message}: run extract_tracdb again for that day`, { cause: e });
  } finally {
    db?.close();
    for (const f of sideFiles) {
      // Only what this read created, and only an empty WAL: never anyone's data.
      if (f.endsWith('-wal') && existsSync(f) && statSync(f).size !== 0) continue;
      await unlink(f).catch(() => {});
    }
  }
}

export interface ExamineOptions {
  root: string;
  base: string;
  days: readonly string[];
  wanted: readonly string[];
  window: Window;
}

/** One Trac on one day: its slaves, or why they cannot be told. */
export type DayExamination =
  | { trac: string; day: string; time: string; file: string; slaves: SlaveReport[]; error: null }
  | { trac: string; day: string; error: AltError };

/**
 * The slaves of each wanted Trac on each day, from the newest extraction of
 * that day (several runs on one day: the last one is the day's state).
 */
export async function examineTracdb(opts: ExamineOptions): Promise<DayExamination[]> {
  const tracs = await wantedTracs([opts.root, opts.base], opts.wanted);
  if (tracs.length === 0) {
    throw new AltError('no-trac', `no wanted Trac under ${opts.root}/tracs or ${opts.base}/tracs (wanted ${JSON.stringify(opts.wanted.join(' '))}): pull and extract_tracdb first, or fix --wanted`);
  }
  const out: DayExamination[] = [];
  for (const trac of tracs) {
    // Oldest first, so the Map keeps the newest extraction of each day.
    const newestOfDay = new Map((await listExtracted(opts.base, trac, new Set(opts.days))).map((db) => [db.day, db]));
    for (const day of opts.days) {
      const db = newestOfDay.get(day);
      if (!db) {
        out.push({ trac, day, error: new AltError('not-extracted', `no extracted trac.db for tracs/${trac} on ${day} under ${opts.base}: run \`altbackup extract_tracdb --day ${day}\` first`) });
        continue;
      }
      try {
        out.push({ trac, day, time: db.time, file: db.abs, slaves: reportRows(await queryTracdb(db.abs, windowStart(opts.window)), opts.window), error: null });
      } catch (e) {
        const error = toAltError(e);
        if (!error) throw e;
        out.push({ trac, day, error });
      }
    }
  }
  return out;
}
