/**
 * One pull per target root (SPEC section 5): `<target>/.altbackup/pull.lock`
 * holds the holder's pid, start time and host. The lock file appears with its
 * whole content at once (written aside, then hard-linked into place, which
 * fails if a lock exists), so a reader never sees a half-written lock. A lock
 * left by a process that died on this host is taken over under a short-lived
 * takeover guard, so two newcomers cannot both take it.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AltError, isAbsent, unlinkQuietSync } from '@altbackup/shared';
import { stateDirOf } from './targetDirs.js';

export interface LockInfo {
  pid: number;
  startedAt: string;
  host: string;
  /** Tells our lock from a later one with a reused pid. */
  nonce: string;
}

export interface HeldLock {
  file: string;
  info: LockInfo;
  release(): void;
}

/** A takeover guard older than this was left by a crash inside the takeover itself. */
const TAKEOVER_STALE_MS = 10_000;

export function lockPathOf(targetRoot: string): string {
  return join(stateDirOf(targetRoot), 'pull.lock');
}

/**
 * The lock file's text as lock info. Unparsable or incomplete text can only
 * be a foreign or damaged file: it counts as held (pid -1), never as free.
 */
export function parseLockText(text: string): LockInfo {
  try {
    const j = JSON.parse(text) as Partial<LockInfo>;
    if (typeof j.pid === 'number' && typeof j.host === 'string') {
      return { pid: j.pid, startedAt: String(j.startedAt ?? '?'), host: j.host, nonce: String(j.nonce ?? '') };
    }
  } catch {
    // fall through: held by an unknown party
  }
  return { pid: -1, startedAt: '?', host: '?', nonce: '' };
}

/** The lock's info, or null when there is no lock file. */
export function readLock(file: string): LockInfo | null {
  try {
    return parseLockText(readFileSync(file, 'utf8'));
  } catch (e) {
    if (isAbsent(e)) return null;
    // Present but unreadable: held by an unknown party, like a damaged file.
    return parseLockText('');
  }
}

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(info: LockInfo): boolean {
  return info.host === hostname() && info.pid > 0 && info.pid !== process.pid && !isProcessAlive(info.pid);
}

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function heldError(file: string, holder: LockInfo): AltError {
  const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  const who = holder.pid > 0 ? `pid ${holder.pid}${where}, started ${holder.startedAt}` : `an unreadable lock file`;
  return new AltError('locked', `another pull holds ${file} (${who}); wait for it to finish, or remove the file if no pull runs`);
}

/** Takes the lock or throws AltError 'locked' (exit 75) naming the holder. */
export function acquireLock(targetRoot: string, now = new Date()): HeldLock {
  const file = lockPathOf(targetRoot);
  mkdirSync(stateDirOf(targetRoot), { recursive: true });
  const info: LockInfo = { pid: process.pid, startedAt: now.toISOString(), host: hostname(), nonce: randomBytes(8).toString('hex') };
  const tmp = `${file}.${process.pid}.${info.nonce}.tmp`;
  writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o644 });
  try {
    if (!tryLink(tmp, file)) {
      const holder = readLock(file);
      if (holder === null) {
        // Released between our attempt and the read: one more try.
        if (!tryLink(tmp, file)) throw heldError(file, readLock(file) ?? { pid: -1, startedAt: '?', host: '?', nonce: '' });
      } else if (isStale(holder)) {
        takeOver(file, tmp, holder);
      } else {
        throw heldError(file, holder);
      }
    }
  } finally {
    unlinkQuietSync(tmp);
  }
  const held = {
    file,
    info,
    release: () => {
      process.removeListener('exit', held.release);
      const current = readLock(file);
      if (current && current.nonce === info.nonce && current.pid === info.pid) unlinkQuietSync(file);
    },
  };
  // Last resort for exits that skip the caller's finally (process.exit from elsewhere).
  process.once('exit', held.release);
  return held;
}

/** Replaces a dead holder's lock; exactly one of several racing newcomers wins. */
function takeOver(file: string, tmp: string, stale: LockInfo): void {
  const guard = `${file}.takeover`;
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = Date.now() - (statSafe(guard) ?? Date.now());
    if (age < TAKEOVER_STALE_MS) throw heldError(file, stale);
    unlinkQuietSync(guard);
    return takeOver(file, tmp, stale);
  }
  try {
    const again = readLock(file);
    if (again && again.nonce === stale.nonce && again.pid === stale.pid && isStale(again)) unlinkQuietSync(file);
    if (!tryLink(tmp, file)) throw heldError(file, readLock(file) ?? stale);
  } finally {
    unlinkQuietSync(guard);
  }
}

function statSafe(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
