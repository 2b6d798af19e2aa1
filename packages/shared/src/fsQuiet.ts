/**
 * The few file-system steps both nodes repeat, with "it is not there" as an
 * answer instead of an exception: a file that a crash, a purge or another
 * run already removed is normal in a backup tree, any other failure is not.
 */
import { lstat, open, unlink } from 'node:fs/promises';
import { unlinkSync, type Stats } from 'node:fs';

/** ENOENT or ENOTDIR: the path (or a folder on it) does not exist. */
export function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** lstat, or null when nothing is there. Never follows a symlink. */
export async function lstatQuiet(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

/** Unlinks `file`; false when it was not there. */
export async function unlinkQuiet(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (e) {
    if (isAbsent(e)) return false;
    throw e;
  }
}

/** `unlinkQuiet` for the few places that must not yield (a lock released on exit). */
export function unlinkQuietSync(file: string): boolean {
  try {
    unlinkSync(file);
    return true;
  } catch (e) {
    if (isAbsent(e)) return false;
    throw e;
  }
}

/** Makes the renames and unlinks in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
