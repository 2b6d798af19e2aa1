/**
 * `purge_target` (SPEC section 3): applies the retention decisions of
 * retention.ts to the target tree, records each purge in the ledger (so pull
 * never fetches it again), then removes the emptied date folders in the same
 * run. Only layout-matching regular files are ever unlinked; LOCKED catfolds
 * are not even looked at.
 */
import { existsSync } from 'node:fs';
import { lstat, readFile, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  AltError, isLockedCatfold, isWanted, parseDna, scanTree, sidecarPathOf, partPathOf,
  type Dna, type FoundTarball,
} from '@altbackup/shared';
import { isDateChainFolder, removeEmptyFolders } from './emptyFolders.js';
import { metaPathOf, tempPathsOf } from '../pull/promote.js';
import { Ledger } from '../ledger/ledger.js';
import { decideRetention, groupBySubfold, type RetentionDecision, type TarballState } from './retention.js';
import { subfolders } from '../target/targetDirs.js';

export interface PurgeCandidate {
  path: string;
  state: TarballState;
  /** Why a final file is not verified, for the operator. */
  why: string | null;
  found: FoundTarball;
  dna: Dna | null;
}

export interface SubfoldPurge {
  subfold: string;
  decisions: RetentionDecision<PurgeCandidate>[];
}

export interface PurgeResult {
  subfolds: SubfoldPurge[];
  lockedCatfolds: string[];
  /** Relative paths of removed (or, dry run, removable) empty folders, deepest first. */
  folders: string[];
  deleted: number;
  bytes: number;
  /** One line per file that could not be deleted. */
  failures: string[];
}

export interface PurgeOptions {
  root: string;
  keep: number;
  wanted: readonly string[];
  dryRun: boolean;
  /** Consulted for failed checks and told about purges; optional in a dry run. */
  ledger: Ledger | null;
  runId: number | null;
}

/** The state of one found tarball, from the files and the ledger's last check. */
export async function stateOf(t: FoundTarball, failedChecks: ReadonlySet<string>): Promise<{ state: TarballState; why: string | null; dna: Dna | null }> {
  if (!t.exists) return { state: 'in-progress', why: null, dna: null };
  if (!t.hasSidecar) return { state: 'unverified', why: 'no sidecar', dna: null };
  let dna: Dna;
  try {
    dna = parseDna(await readFile(sidecarPathOf(t.abs), 'utf8'), sidecarPathOf(t.path));
  } catch (e) {
    return { state: 'unverified', why: e instanceof AltError ? e.message : 'unreadable sidecar', dna: null };
  }
  if (dna.size !== t.size) return { state: 'unverified', why: `size ${t.size} but sidecar says ${dna.size}`, dna };
  if (failedChecks.has(t.path)) return { state: 'unverified', why: 'last check failed', dna };
  return { state: 'verified', why: null, dna };
}

/** Plans the purge: every wanted, layout-matching tarball outside LOCKED catfolds, grouped by subfold. */
export async function planPurge(opts: Pick<PurgeOptions, 'root' | 'keep' | 'wanted' | 'ledger'>): Promise<{ subfolds: SubfoldPurge[]; lockedCatfolds: string[] }> {
  const failedChecks = new Set(opts.ledger?.latestVerifications().filter((v) => !v.ok).map((v) => v.path) ?? []);
  const found = await scanTree(opts.root, { includePartOnly: true });
  const candidates: PurgeCandidate[] = [];
  for (const t of found) {
    if (isLockedCatfold(t.catfold) || !isWanted(t.name, opts.wanted)) continue;
    candidates.push({ path: t.path, found: t, ...(await stateOf(t, failedChecks)) });
  }
  const subfolds = [...groupBySubfold(candidates)].map(([subfold, list]) => ({ subfold, decisions: decideRetention(list, opts.keep) }));
  const lockedCatfolds = (await subfolders(opts.root)).filter(isLockedCatfold);
  return { subfolds, lockedCatfolds };
}

/** Unlinks a regular file; true when it existed. Never follows or removes a symlink. */
async function unlinkFile(abs: string): Promise<boolean> {
  const st = await lstat(abs).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st || !st.isFile()) return false;
  await unlink(abs);
  return true;
}

/** The files that go with a tarball, in deletion order: the sidecar first, so a crash leaves an unverified tarball the next run removes. */
export function filesOf(abs: string): string[] {
  return [sidecarPathOf(abs), abs, partPathOf(abs), metaPathOf(partPathOf(abs)), ...tempPathsOf(abs)];
}

export async function purgeTarget(opts: PurgeOptions): Promise<PurgeResult> {
  const { subfolds, lockedCatfolds } = await planPurge(opts);
  const result: PurgeResult = { subfolds, lockedCatfolds, folders: [], deleted: 0, bytes: 0, failures: [] };
  const gone = new Set<string>();
  for (const { decisions } of subfolds) {
    for (const d of decisions) {
      if (!d.delete) continue;
      const c = d.entry;
      const files = filesOf(c.found.abs);
      if (opts.dryRun) {
        for (const f of files) gone.add(f);
      } else {
        // Recorded first: even if the unlinks below are cut short, pull will not fetch it back.
        opts.ledger?.recordPurge(opts.runId, { kind: 'tarball', path: c.path, size: c.dna?.size ?? c.found.size, md5: c.dna?.dig ?? null });
        try {
          for (const f of files) await unlinkFile(f);
        } catch (e) {
          result.failures.push(`${c.path}: ${(e as Error).message}`);
          continue;
        }
      }
      result.deleted++;
      result.bytes += c.found.exists ? c.found.size : (c.found.partSize ?? 0);
    }
  }
  for (const cat of await subfolders(opts.root)) {
    if (isLockedCatfold(cat)) continue;
    for (const sub of await subfolders(join(opts.root, cat))) {
      const removed = await removeEmptyFolders(join(opts.root, cat, sub), { removable: isDateChainFolder, gone, dryRun: opts.dryRun });
      result.folders.push(...removed.map((abs) => relative(opts.root, abs)));
    }
  }
  return result;
}

export function ledgerForPurge(file: string, dryRun: boolean): Ledger | null {
  // A dry run changes nothing, not even by creating a ledger.
  if (dryRun && !existsSync(file)) return null;
  return Ledger.open(file);
}
