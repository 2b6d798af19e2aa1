/**
 * Who holds the pull lock, for the commands that only look (`check_target`,
 * `ls`, `status`): a tarball without sidecar is "in progress" while a pull
 * runs. Reading never takes, breaks or waits for the lock.
 */
import { hostname } from 'node:os';
import { isProcessAlive, lockPathOf, readLock, type LockInfo } from './lock.js';

export type LockHolder = Omit<LockInfo, 'nonce'>;

/**
 * Who holds the lock, given its info: null when nobody does (no file, or a
 * pid on this host that is dead). A holder on another host cannot be checked
 * and counts as alive; so does an unreadable lock, as `pull` treats it.
 */
export function holderOf(info: LockInfo | null, thisHost: string, alive: (pid: number) => boolean): LockHolder | null {
  if (info === null) return null;
  if (info.host === thisHost && !alive(info.pid)) return null;
  return { pid: info.pid, startedAt: info.startedAt, host: info.host };
}

export function readLockHolder(targetRoot: string): LockHolder | null {
  return holderOf(readLock(lockPathOf(targetRoot)), hostname(), isProcessAlive);
}

export function describeHolder(h: LockHolder): string {
  if (h.pid < 0) return 'an unreadable pull lock is present';
  return `a pull is running (pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}, started ${h.startedAt})`;
}
