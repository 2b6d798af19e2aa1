/**
 * One-pass, bottom-up removal of emptied folders below a top folder (the old
 * tool needed one run per level). Only folders whose names the caller
 * recognises (the date chain of the layout) are candidates; any other entry,
 * a symlink included, makes its folder non-empty, so nothing off the layout
 * is ever removed and no symlink is followed. The top folder itself stays.
 */
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface EmptyFolderOptions {
  /** Whether a folder at this depth below top (1 = direct child) may be removed once empty. */
  removable(depth: number, name: string): boolean;
  /** Absolute paths of files that are (or, in a dry run, would be) deleted: they do not count. */
  gone?: ReadonlySet<string>;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean;
}

/** Removes (or reports) every folder below `top` that is or becomes empty; deepest first. */
export async function removeEmptyFolders(top: string, opts: EmptyFolderOptions): Promise<string[]> {
  const removed: string[] = [];
  await sweep(top, 0, opts, removed);
  return removed;
}

/** Returns whether `dir` is empty once its removable sub-folders and gone files are taken out. */
async function sweep(dir: string, depth: number, opts: EmptyFolderOptions, removed: string[]): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  let left = 0;
  for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const abs = join(dir, ent.name);
    // Dirent.isDirectory() is false for a symlink, whatever it points to.
    if (ent.isDirectory() && opts.removable(depth + 1, ent.name)) {
      if (await sweep(abs, depth + 1, opts, removed)) {
        if (opts.dryRun || (await tryRmdir(abs))) removed.push(abs);
        else left++;
      } else left++;
    } else if (!(ent.isFile() && opts.gone?.has(abs))) {
      left++;
    }
  }
  return left === 0;
}

/** rmdir, tolerating a folder that something else filled or removed meanwhile. */
async function tryRmdir(abs: string): Promise<boolean> {
  try {
    await rmdir(abs);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw e;
  }
}
