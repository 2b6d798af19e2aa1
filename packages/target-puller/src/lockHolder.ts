/**
 * Who holds the pull lock, for the commands that only look (`check_target`,
 * `ls`, `status`): a tarball without sidecar is "in progress" while a pull
 * runs. Reading never takes, breaks or waits for the lock.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive, lockPathOf } from './lock.js';

export interface LockHolder {
  pid: number;
  startedAt: string;
  host: string;
}

/**
 * Interprets the lock file's text: null when nobody holds it (no file, or a
 * pid on this host that is dead). A holder on another host cannot be checked
 * and counts as alive; so does an unreadable lock, as `pull` treats it.
 */
export function holderOf(text: string | null, thisHost: string, alive: (pid: number) => boolean): LockHolder | null {
  if (text === null) return null;
  let j: Partial<LockHolder>;
  try {
    j = JSON.parse(text) as Partial<LockHolder>;
  } catch {
    return { pid: -1, startedAt: '?', host: '?' };
  }
  if (typeof j.pid !== 'number' || typeof j.host !== 'string') return { pid: -1, startedAt: '?', host: '?' };
  if (j.host === thisHost && !alive(j.pid)) return null;
  return { pid: j.pid, startedAt: String(j.startedAt ?? '?'), host: j.host };
}

export function readLockHolder(targetRoot: string): LockHolder | null {
  let text: string | null;
  try {
    text = readFileSync(lockPathOf(targetRoot), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    text = null;
  }
  return holderOf(text, hostname(), isProcessAlive);
}

export function describeHolder(h: LockHolder): string {
  if (h.pid < 0) return 'an unreadable pull lock is present';
  return `a pull is running (pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}, started ${h.startedAt})`;
}
