/**
 * The files that belong to one tarball path on the target, and reading them:
 * the final name, its sidecar, a `.part` with its `.part.meta`, and the fixed
 * temp names a crashed run can leave (the sidecar's and the meta's, written
 * by temp file + rename). Every module that creates, reads or deletes them
 * takes their names from here.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AltError, isAbsent, parseDna, partPathOf, reasonOf, sidecarPathOf, unlinkQuiet, type FoundTarball,
} from '@altbackup/shared';
import type { LatestCheck, Ledger, RestoreProofRecord, SuspicionRecord } from '../ledger/ledger.js';
import { verificationOf, type CopyFacts, type LedgerFacts, type SidecarRead, type Verification } from './verification.js';

export interface TarballFiles {
  final: string;
  sidecar: string;
  part: string;
  partMeta: string;
  /** Temp names of the sidecar and the meta (fixed, so the next run knows them). */
  sidecarTmp: string;
  partMetaTmp: string;
}

export function tarballFilesOf(abs: string): TarballFiles {
  const part = partPathOf(abs);
  const sidecar = sidecarPathOf(abs);
  return { final: abs, sidecar, part, partMeta: part + '.meta', sidecarTmp: sidecar + '.tmp', partMetaTmp: part + '.meta.tmp' };
}

/** Every file of a tarball in deletion order: the sidecar first, so a crash leaves an unverified tarball the next purge removes. */
export function deletionOrderOf(abs: string): string[] {
  const f = tarballFilesOf(abs);
  return [f.sidecar, f.final, f.part, f.partMeta, f.sidecarTmp, f.partMetaTmp];
}

/** The one reader of a target sidecar: parsed, unreadable with why, or absent. */
export async function readSidecar(abs: string): Promise<SidecarRead> {
  const file = sidecarPathOf(abs);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (isAbsent(e)) return null;
    return { invalid: `cannot read it: ${reasonOf(e)}` };
  }
  try {
    return parseDna(text, file);
  } catch (e) {
    return { invalid: e instanceof AltError ? e.message : String(e) };
  }
}

async function statFile(file: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

/** What the target holds for `path`, read from its files. */
export async function readCopy(root: string, path: string): Promise<CopyFacts> {
  const f = tarballFilesOf(join(root, path));
  const [final, part, sidecar] = await Promise.all([statFile(f.final), statFile(f.part), readSidecar(f.final)]);
  return { exists: final !== null, size: final?.size ?? 0, mtimeMs: final?.mtimeMs ?? 0, partSize: part?.size ?? null, sidecar: final ? sidecar : null };
}

/** The same facts for a tarball the tree scan found (its sizes are already known). */
async function copyOfFound(t: FoundTarball): Promise<CopyFacts> {
  const sidecar = t.exists && t.hasSidecar ? await readSidecar(t.abs) : null;
  return { exists: t.exists, size: t.exists ? t.size : 0, mtimeMs: t.mtimeMs, partSize: t.partSize, sidecar };
}

/** What the ledger knows that the verification rule reads: the latest check and suspicion of each path. */
export interface LedgerEvidence {
  checks: ReadonlyMap<string, LatestCheck>;
  suspicions: ReadonlyMap<string, SuspicionRecord>;
  restores: ReadonlyMap<string, RestoreProofRecord>;
}

export function evidenceOf(ledger: Pick<Ledger, 'latestChecks' | 'suspicions' | 'latestRestoreProofs'>): LedgerEvidence {
  return { checks: ledger.latestChecks(), suspicions: ledger.suspicions(), restores: ledger.latestRestoreProofs() };
}

/** What the ledger knows of one path, as the verification rule reads it. */
export function ledgerFactsOf(path: string, evidence: LedgerEvidence): LedgerFacts {
  const r = evidence.restores.get(path);
  return {
    lastCheck: evidence.checks.get(path),
    suspicion: evidence.suspicions.get(path),
    restore: r && { md5: r.md5, ok: r.result === 'ok', at: r.endedAt, detail: r.detail },
  };
}

/** The verification state of a copy, by the one rule, with what the ledger knows of its path. */
export function verifyCopy(path: string, copy: CopyFacts, evidence: LedgerEvidence): Verification {
  return verificationOf(copy, ledgerFactsOf(path, evidence));
}

/** The verification state of each tarball found. */
export async function verifyFound(found: readonly FoundTarball[], evidence: LedgerEvidence): Promise<Map<string, Verification>> {
  const out = new Map<string, Verification>();
  for (const t of found) out.set(t.path, verifyCopy(t.path, await copyOfFound(t), evidence));
  return out;
}

/**
 * Deletes what an interrupted run may leave beside a tarball and nothing
 * else: temp files, and a `.part.meta` whose download is finished or gone.
 * Returns the files removed.
 */
export async function removeStrays(root: string, path: string, copy: CopyFacts): Promise<string[]> {
  const f = tarballFilesOf(join(root, path));
  const removed: string[] = [];
  for (const tmp of [f.sidecarTmp, f.partMetaTmp]) if (await unlinkQuiet(tmp)) removed.push(tmp);
  const unfinished = copy.partSize !== null || (copy.exists && copy.sidecar === null);
  if (!unfinished && (await unlinkQuiet(f.partMeta))) removed.push(f.partMeta);
  return removed;
}
