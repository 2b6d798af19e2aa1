/**
 * The tarballs of a few days read straight from disk, for the one-shot
 * commands (`sls`, `check_source`): the shared tree walk pruned to those
 * days, and each sidecar read with the tolerant parser.
 */
import { readFile } from 'node:fs/promises';
import { DNA_SUFFIX, parseDna, scanTree } from '@altbackup/shared';
import type { CatalogEntry } from './catalog.js';
import { etagOf } from './httpConditions.js';

export interface LocalEntry extends CatalogEntry {
  abs: string;
}

export async function scanDays(root: string, days: readonly string[]): Promise<LocalEntry[]> {
  const found = await scanTree(root, { days: new Set(days) });
  return Promise.all(found.filter((f) => f.exists).map(async (f): Promise<LocalEntry> => {
    const entry: LocalEntry = {
      path: f.path, catfold: f.catfold, subfold: f.subfold, day: f.day, time: f.time, name: f.name, abs: f.abs,
      size: f.size, mtimeMs: f.mtimeMs, ino: f.ino, etag: etagOf(f), state: 'pending', dna: null, problem: null,
    };
    if (!f.hasSidecar) return entry;
    const file = f.path + DNA_SUFFIX;
    try {
      entry.dna = parseDna(await readFile(f.abs + DNA_SUFFIX, 'utf8'), file);
      entry.state = 'complete';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return entry;
      entry.state = 'invalid';
      entry.problem = code ? `${file}: cannot read sidecar: ${code}` : (e as Error).message;
    }
    return entry;
  }));
}
