/**
 * The extracted databases under `<base>/tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db`
 * and `purge_extracted` (keep the newest `keep_extracted` per Trac). Only
 * regular files at exactly that place count; symlinks are never followed.
 */
import { existsSync } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isDateChainName, leafFolders } from '@altbackup/shared';
import type { RunRecorder } from '../ledger/ledger.js';
import { removeEmptyFolders } from '../retention/emptyFolders.js';
import { wantedTracs } from '../target/targetDirs.js';
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
function extractedFolderRule(trac: string): (depth: number, name: string) => boolean {
  return (depth, name) => {
    switch (depth) {
      case 1:
      case 2:
      case 3:
      case 4: return isDateChainName(depth, name);
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

export interface PurgeExtractedOptions {
  base: string;
  keep: number;
  wanted: readonly string[];
  dryRun: boolean;
}

/** Keeps the newest `keep` extracted trac.db of `trac`, deletes the rest and their emptied folders. */
async function purgeOneTrac(trac: string, opts: PurgeExtractedOptions, rec: RunRecorder): Promise<ExtractedPurge> {
  const dbs = await listExtracted(opts.base, trac);
  const decisions = decideRetention(dbs.map((d) => ({ ...d, state: 'verified' as const })), opts.keep);
  const gone = new Set<string>();
  let deleted = 0;
  let bytes = 0;
  for (const d of decisions) {
    if (!d.delete) continue;
    if (opts.dryRun) gone.add(d.entry.abs);
    else {
      rec.purge({ kind: 'extracted', path: d.entry.path, size: d.entry.size });
      await unlink(d.entry.abs);
    }
    deleted++;
    bytes += d.entry.size;
  }
  const removed = await removeEmptyFolders(join(opts.base, 'tracs', trac), { removable: extractedFolderRule(trac), gone, dryRun: opts.dryRun });
  return { trac, decisions, folders: removed.map((f) => relative(opts.base, f)), deleted, bytes };
}

/** `purge_extracted` over every wanted Trac under the base; null when nothing was ever extracted there. */
export async function purgeExtracted(opts: PurgeExtractedOptions, rec: RunRecorder): Promise<ExtractedPurge[] | null> {
  if (!existsSync(opts.base)) return null;
  const results: ExtractedPurge[] = [];
  for (const trac of await wantedTracs([opts.base], opts.wanted)) results.push(await purgeOneTrac(trac, opts, rec));
  return results;
}
