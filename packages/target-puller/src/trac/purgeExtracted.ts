/**
 * The extracted databases under `<base>/tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db`
 * and `purge_extracted` (keep the newest `keep_extracted` per Trac). Only
 * regular files at exactly that place count; symlinks are never followed.
 */
import { lstat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { leafFolders } from '@altbackup/shared';
import { removeEmptyFolders } from '../retention/emptyFolders.js';
import { decideRetention, type RetentionDecision } from '../retention/retention.js';

export interface ExtractedDb {
  trac: string;
  /** Path relative to base: tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db */
  path: string;
  abs: string;
  day: string;
  time: string;
  size: number;
}

/** Extractions of one Trac, oldest first; only `days` when given. */
export async function listExtracted(base: string, trac: string, days?: ReadonlySet<string>): Promise<ExtractedDb[]> {
  const out: ExtractedDb[] = [];
  for (const leaf of await leafFolders(base, { catfolds: new Set(['tracs']), days })) {
    const [, sub, y, m, d, time] = leaf.split('/') as [string, string, string, string, string, string];
    if (sub !== trac) continue;
    const path = `${leaf}/${trac}/db/trac.db`;
    const abs = join(base, ...path.split('/'));
    const st = await lstat(abs).catch(() => null);
    if (!st?.isFile()) continue;
    out.push({ trac, path, abs, day: `${y}/${m}/${d}`, time, size: st.size });
  }
  return out;
}

/** Below `<base>/tracs/<name>`: YYYY/MM/DD/HHMMSS/<name>/db. */
export function extractedFolderRule(trac: string): (depth: number, name: string) => boolean {
  return (depth, name) => {
    switch (depth) {
      case 1: return /^\d{4}$/.test(name);
      case 2:
      case 3: return /^\d{2}$/.test(name);
      case 4: return /^\d{6}$/.test(name);
      case 5: return name === trac;
      case 6: return name === 'db';
      default: return false;
    }
  };
}

export interface ExtractedPurge {
  trac: string;
  decisions: RetentionDecision<ExtractedDb & { state: 'verified' }>[];
  /** Removed (or removable, in a dry run) folders relative to base, deepest first. */
  folders: string[];
  deleted: number;
  bytes: number;
}

/** Keeps the newest `keep` extracted trac.db of `trac`, deletes the rest and their emptied folders. */
export async function purgeExtracted(base: string, trac: string, keep: number, dryRun: boolean, onDelete?: (db: ExtractedDb) => void): Promise<ExtractedPurge> {
  const dbs = await listExtracted(base, trac);
  const decisions = decideRetention(dbs.map((d) => ({ ...d, state: 'verified' as const })), keep);
  const gone = new Set<string>();
  let deleted = 0;
  let bytes = 0;
  for (const d of decisions) {
    if (!d.delete) continue;
    if (dryRun) gone.add(d.entry.abs);
    else {
      onDelete?.(d.entry);
      await unlink(d.entry.abs);
    }
    deleted++;
    bytes += d.entry.size;
  }
  const removed = await removeEmptyFolders(join(base, 'tracs', trac), { removable: extractedFolderRule(trac), gone, dryRun });
  return { trac, decisions, folders: removed.map((f) => relative(base, f)), deleted, bytes };
}
