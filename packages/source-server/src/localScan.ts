/**
 * The tarballs of a few days read straight from disk, for the one-shot
 * commands (`sls`, `check_source`): the shared tree walk pruned to those
 * days, and each sidecar judged as the server's catalog judges it.
 */
import { compareByPath, scanTree } from '@altbackup/shared';
import { newEntry, readSidecarInto, type CatalogEntry } from './catalog.js';

export interface LocalEntry extends CatalogEntry {
  abs: string;
}

/** The tarballs of `days` under `root`, in day then path order. */
export async function scanDays(root: string, days: readonly string[]): Promise<LocalEntry[]> {
  const found = await scanTree(root, { days: new Set(days) });
  const entries = found.filter((f) => f.exists).map((f): LocalEntry => {
    const entry = { ...newEntry(f, f), abs: f.abs };
    if (f.hasSidecar) readSidecarInto(root, entry);
    return entry;
  });
  return entries.sort((a, b) => (a.day === b.day ? compareByPath(a, b) : a.day < b.day ? -1 : 1));
}
