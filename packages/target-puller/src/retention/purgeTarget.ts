/**
 * `purge_target` (SPEC section 3): applies the retention decisions of
 * retention.ts to the target tree, records each purge in the ledger (so pull
 * never fetches it again), then removes the emptied date folders in the same
 * run. Only layout-matching regular files are ever unlinked; LOCKED catfolds
 * are not even looked at. A dry run plans exactly as the real run, from the
 * same files and the same ledger, and deletes nothing.
 */
import { unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { baseNameOf, isDateChainName, isLockedCatfold, isWanted, lstatQuiet, scanTree, subfolders, wantedNameOf, type Dna, type FoundTarball } from '@altbackup/shared';
import type { Ledger, RunRecorder } from '../ledger/ledger.js';
import { deletionOrderOf, evidenceOf, verifyFound } from '../target/targetFiles.js';
import type { Verification } from '../target/verification.js';
import { removeEmptyFolders } from './emptyFolders.js';
import { asideDirOf } from '../pull/promote.js';
import { decideRetention, groupBySubfold, type RetentionDecision, type RetentionEntry, type RetentionPolicy } from './retention.js';

export interface PurgeCandidate extends RetentionEntry {
  catfold: string;
  subfold: string;
  found: FoundTarball;
  dna: Dna | null;
  /** For an older version set aside by an accepted change: the folder it lives under (`.altbackup/replaced/<stamp>`). */
  asideRoot: string | null;
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
  policy: RetentionPolicy;
  wanted: readonly string[];
  dryRun: boolean;
}

function candidateOf(t: FoundTarball, v: Verification): PurgeCandidate {
  return { path: t.path, catfold: t.catfold, subfold: t.subfold, state: v.state, why: v.state === 'verified' ? null : v.why, found: t, dna: v.dna, asideRoot: null };
}

/** Older versions that accepted changes set aside: they age out with their subfold like any copy, but never count toward keep. */
async function replacedCopies(root: string, wanted: readonly string[]): Promise<PurgeCandidate[]> {
  const base = asideDirOf(root, 'replaced');
  const out: PurgeCandidate[] = [];
  for (const stamp of await subfolders(base)) {
    const asideRoot = join(base, stamp);
    for (const t of await scanTree(asideRoot)) {
      if (isLockedCatfold(t.catfold) || !isWanted(t.name, wanted)) continue;
      out.push({ path: t.path, catfold: t.catfold, subfold: t.subfold, state: 'replaced', why: `kept aside in ${relative(root, asideRoot)}`, found: t, dna: null, asideRoot });
    }
  }
  return out;
}

/** The newest restore-proven copy of each wanted name (of each base name when nothing is wanted). */
function newestProvenPerName(found: readonly FoundTarball[], states: ReadonlyMap<string, Verification>, wanted: readonly string[]): string[] {
  const newest = new Map<string, string>();
  for (const t of found) {
    if (states.get(t.path)!.restoreProvenAt === null) continue;
    const name = wantedNameOf(t.name, wanted) ?? baseNameOf(t.name);
    const best = newest.get(name);
    if (!best || `${t.day}/${t.time}/${t.path}` > best) newest.set(name, `${t.day}/${t.time}/${t.path}`);
  }
  return [...newest.values()].map((k) => k.split('/').slice(4).join('/'));
}

/** Plans the purge: every wanted, layout-matching tarball outside LOCKED catfolds, grouped by subfold. */
async function planPurge(opts: Pick<PurgeOptions, 'root' | 'policy' | 'wanted'>, ledger: Ledger): Promise<{ subfolds: SubfoldPurge[]; lockedCatfolds: string[] }> {
  const found = (await scanTree(opts.root, { includePartOnly: true })).filter((t) => !isLockedCatfold(t.catfold) && isWanted(t.name, opts.wanted));
  const states = await verifyFound(found, evidenceOf(ledger));
  const candidates = [...found.map((t) => candidateOf(t, states.get(t.path)!)), ...(await replacedCopies(opts.root, opts.wanted))];
  for (const path of newestProvenPerName(found, states, opts.wanted)) candidates.find((c) => c.path === path && c.asideRoot === null)!.pinned = true;
  const subfolds = [...groupBySubfold(candidates)].map(([subfold, list]) => ({ subfold, decisions: decideRetention(list, opts.policy) }));
  const lockedCatfolds = (await subfolders(opts.root)).filter(isLockedCatfold);
  return { subfolds, lockedCatfolds };
}

/** Unlinks a regular file; true when it existed. Never follows or removes a symlink. */
async function unlinkFile(abs: string): Promise<boolean> {
  const st = await lstatQuiet(abs);
  if (!st || !st.isFile()) return false;
  await unlink(abs);
  return true;
}

export async function purgeTarget(opts: PurgeOptions, ledger: Ledger, rec: RunRecorder): Promise<PurgeResult> {
  const { subfolds, lockedCatfolds } = await planPurge(opts, ledger);
  const result: PurgeResult = { subfolds, lockedCatfolds, folders: [], deleted: 0, bytes: 0, failures: [] };
  const gone = new Set<string>();
  for (const { decisions } of subfolds) {
    for (const d of decisions) {
      if (!d.delete) continue;
      const c = d.entry;
      const files = deletionOrderOf(c.found.abs);
      if (opts.dryRun) {
        for (const f of files) gone.add(f);
      } else {
        // Recorded first: even if the unlinks below are cut short, pull will not fetch it back.
        if (c.asideRoot === null) rec.purge({ kind: 'tarball', path: c.path, size: c.dna?.size ?? c.found.size, md5: c.dna?.dig ?? null });
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
  const tops = [opts.root, ...(await subfolders(asideDirOf(opts.root, 'replaced'))).map((s) => join(asideDirOf(opts.root, 'replaced'), s))];
  for (const top of tops) {
    for (const cat of await subfolders(top)) {
      if (isLockedCatfold(cat)) continue;
      for (const sub of await subfolders(join(top, cat))) {
        const removed = await removeEmptyFolders(join(top, cat, sub), { removable: isDateChainName, gone, dryRun: opts.dryRun });
        result.folders.push(...removed.map((abs) => relative(opts.root, abs)));
      }
    }
  }
  return result;
}
