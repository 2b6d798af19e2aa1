/**
 * When a backup ran, from its layout folders: the day and the HHMMSS folder
 * are wall-clock time in the source site's timezone. `status` measures a
 * tarball's age from this and not from the target file's mtime, because the
 * mtime is when the pull happened: a tarball pulled late would look fresh
 * while the backup it holds is old.
 */
import { wallClockIn } from '@altbackup/shared';

/** Offset of `timezone` from UTC at instant `ms`, in milliseconds. */
function offsetAt(ms: number, timezone: string): number {
  const w = wallClockIn(timezone, ms);
  const wall = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * Epoch milliseconds of wall time `day` (YYYY/MM/DD) `time` (HHMMSS) in
 * `timezone`. A wall time skipped by a DST change maps to the instant just
 * after the gap; a repeated one to its first occurrence.
 */
export function backupTimeMs(day: string, time: string, timezone: string): number {
  const [y, m, d] = day.split('/').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, Number(time.slice(0, 2)), Number(time.slice(2, 4)), Number(time.slice(4, 6)));
  // The offsets in force half a day either side cover any DST change near
  // this wall time; a candidate is right when its own offset agrees.
  const before = offsetAt(wall - 43_200_000, timezone);
  const after = offsetAt(wall + 43_200_000, timezone);
  const valid = [wall - before, wall - after].filter((t) => wall - offsetAt(t, timezone) === t);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}
