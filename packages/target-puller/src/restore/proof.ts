/**
 * The restore proof of one tarball (`check_restore`): its MD5 proves the
 * copy equals what the source had; this proves that what the source had
 * restores. By kind, from the catfold (the site's layout):
 * - `svn`: `hot-backup.py` output, one top folder `<name>-<rev>/` holding an
 *   FSFS repository: unpacked, `svnadmin verify --quiet` passes and
 *   `svnlook youngest` is the revision the name promises;
 * - `tracs`: `trac-admin hotcopy` output: the archive reads to its end and
 *   its `<name>/db/trac.db` passes `PRAGMA integrity_check` and its
 *   `bitten_build` table answers;
 * - anything else (config folders): the archive reads to its end.
 * Unpacking goes through archiveReader.ts (nothing outside the scratch
 * folder, no link written or followed).
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { AltError, stemOf, toAltError, type TarballRef } from '@altbackup/shared';
import type { SpaceBudget } from '../target/freeSpace.js';
import { readArchive, type ReadOptions } from './archiveReader.js';

const execFileP = promisify(execFile);

export type RestoreKind = 'svn' | 'trac' | 'folder';

export interface RestoreShape {
  kind: RestoreKind;
  /** The archive's top folder: `dybsvn-20550` for svn, the Trac's name for a Trac tarball. */
  top: string;
  /** The youngest revision an svn tarball's name promises, when it names one. */
  revision: number | null;
}

/** What a tarball should hold, from its layout path only. */
export function restoreShapeOf(ref: Pick<TarballRef, 'catfold' | 'name'>): RestoreShape {
  const stem = stemOf(ref.name);
  if (ref.catfold === 'svn') {
    const m = /-(\d+)$/.exec(stem);
    return { kind: 'svn', top: stem, revision: m ? Number(m[1]) : null };
  }
  if (ref.catfold === 'tracs') return { kind: 'trac', top: stem, revision: null };
  return { kind: 'folder', top: stem, revision: null };
}

export type ProofResult =
  | { ok: true; detail: string; revision: number | null }
  | { ok: false; detail: string; timedOut: boolean };

export interface ProofContext {
  /** An empty folder of this proof's own, removed by the caller. */
  scratch: string;
  space?: SpaceBudget;
  /** Aborted at the per-tarball timeout or when the run stops. */
  signal: AbortSignal;
  /** Whether `signal` aborting means the timeout (a failed proof) rather than a stopped run. */
  timedOut: () => boolean;
}

/** Runs a tool; its failure is an answer (exit code and the first line it printed), not an exception. */
export async function tool(cmd: string, args: readonly string[], signal: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await execFileP(cmd, [...args], { signal, maxBuffer: 1 << 24, encoding: 'utf8' });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    if (signal.aborted) throw signal.reason;
    if (x.code === 'ENOENT') throw new AltError('install', `${cmd} is not installed: check_restore needs Subversion's tools for svn tarballs (apt-get install subversion)`);
    return { code: typeof x.code === 'number' ? x.code : 1, out: x.stdout ?? '', err: x.stderr ?? x.message };
  }
}

export const firstLine = (text: string) => text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';

/** The members below the top folder go below `into` with the top folder stripped; anything else is not this backup. */
export function topFolderPlace(top: string, label: string): (name: string) => string | null {
  return (name) => {
    if (name === top) return null;
    if (!name.startsWith(top + '/')) {
      throw new AltError('archive-corrupt', `${label}: member ${JSON.stringify(name)} is outside its top folder ${top}/`);
    }
    return name.slice(top.length + 1);
  };
}

/**
 * Revision ranges that together cover `0..youngest`, one per process: each
 * `svnadmin verify -r A:B` checks its revisions and the metadata of its
 * range, so the union is the whole repository's verify. Ranges hold about
 * equal revision counts (revisions of one repository are alike in size).
 */
export function verifyRanges(youngest: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, youngest + 1));
  const out: [number, number][] = [];
  for (let i = 0, from = 0; i < n; i++) {
    const to = i === n - 1 ? youngest : from + Math.ceil((youngest + 1 - from) / (n - i)) - 1;
    out.push([from, to]);
    from = to + 1;
  }
  return out;
}

export type SvnVerdict = { ok: true; youngest: number } | { ok: false; detail: string };

/**
 * `svnadmin verify` of a repository, its revision ranges verified on every
 * core at once (verify is CPU-bound and single-threaded: on 2 cores this
 * halves the longest step of an svn restore proof), and its youngest
 * revision from `svnlook youngest`.
 */
export async function verifySvnRepository(repo: string, signal: AbortSignal, parts = Math.min(4, availableParallelism())): Promise<SvnVerdict> {
  const youngest = await tool('svnlook', ['youngest', repo], signal);
  const rev = Number(youngest.out.trim());
  if (youngest.code !== 0 || youngest.out.trim() === '' || !Number.isSafeInteger(rev)) {
    // Not a repository svnlook can open: svnadmin verify says why best.
    const whole = await tool('svnadmin', ['verify', '--quiet', repo], signal);
    if (whole.code !== 0) return { ok: false, detail: `svnadmin verify failed: ${firstLine(whole.err) || `exit ${whole.code}`}` };
    return { ok: false, detail: `svnlook youngest failed: ${firstLine(youngest.err) || youngest.out.trim()}` };
  }
  const runs = await Promise.all(verifyRanges(rev, parts).map(([a, b]) => tool('svnadmin', ['verify', '--quiet', '-r', `${a}:${b}`, repo], signal)));
  const failed = runs.find((r) => r.code !== 0);
  if (failed) return { ok: false, detail: `svnadmin verify failed: ${firstLine(failed.err) || `exit ${failed.code}`}` };
  return { ok: true, youngest: rev };
}

async function proveSvn(abs: string, label: string, shape: RestoreShape, ctx: ProofContext): Promise<ProofResult> {
  const repo = join(ctx.scratch, 'repo');
  await readArchive(abs, { label, into: repo, place: topFolderPlace(shape.top, label), space: ctx.space, signal: ctx.signal });
  const v = await verifySvnRepository(repo, ctx.signal);
  if (!v.ok) return { ok: false, detail: v.detail, timedOut: false };
  if (shape.revision !== null && v.youngest !== shape.revision) {
    return { ok: false, detail: `youngest revision is ${v.youngest}, the name promises ${shape.revision}`, timedOut: false };
  }
  return { ok: true, detail: `svnadmin verify passed, youngest revision ${v.youngest}`, revision: v.youngest };
}

function checkTracDb(file: string): ProofResult {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const verdict = rows.map((r) => r.integrity_check);
    if (verdict.length !== 1 || verdict[0] !== 'ok') return { ok: false, detail: `trac.db integrity_check: ${verdict.slice(0, 3).join('; ')}`, timedOut: false };
    const builds = (db.prepare('SELECT count(*) AS n FROM bitten_build').get() as { n: number }).n;
    return { ok: true, detail: `trac.db integrity_check ok, bitten_build answers (${builds} builds)`, revision: null };
  } catch (e) {
    return { ok: false, detail: `trac.db does not answer: ${(e as Error).message}`, timedOut: false };
  } finally {
    db?.close();
  }
}

async function proveTrac(abs: string, label: string, shape: RestoreShape, ctx: ProofContext): Promise<ProofResult> {
  const member = `${shape.top}/db/trac.db`;
  let found = false;
  await readArchive(abs, {
    label,
    into: ctx.scratch,
    place: (name) => {
      if (name !== member) return null;
      found = true;
      return 'trac.db';
    },
    space: ctx.space,
    signal: ctx.signal,
  });
  if (!found) return { ok: false, detail: `no ${member} in the archive: is this a Trac environment tarball?`, timedOut: false };
  return checkTracDb(join(ctx.scratch, 'trac.db'));
}

async function proveFolder(abs: string, label: string, ctx: ProofContext): Promise<ProofResult> {
  const r = await readArchive(abs, { label, signal: ctx.signal } satisfies ReadOptions);
  return { ok: true, detail: `archive reads to the end (${r.members} members)`, revision: null };
}

/**
 * Proves one tarball. A failed proof is a result; what stops the run (no
 * space for scratch, a missing tool, the run's deadline) is thrown.
 */
export async function proveRestore(abs: string, ref: Pick<TarballRef, 'path' | 'catfold' | 'name'>, ctx: ProofContext): Promise<ProofResult> {
  const shape = restoreShapeOf(ref);
  try {
    if (shape.kind === 'svn') return await proveSvn(abs, ref.path, shape, ctx);
    if (shape.kind === 'trac') return await proveTrac(abs, ref.path, shape, ctx);
    return await proveFolder(abs, ref.path, ctx);
  } catch (e) {
    if (ctx.signal.aborted && ctx.timedOut()) return { ok: false, detail: 'did not finish within target.restore_timeout', timedOut: true };
    const alt = toAltError(e);
    if (alt && (alt.code === 'archive-corrupt' || alt.code === 'archive-unsafe')) return { ok: false, detail: alt.message.replace(`${ref.path}: `, ''), timedOut: false };
    throw e;
  }
}
