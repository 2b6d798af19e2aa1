/**
 * `restore CATFOLD/SUBFOLD --to DIR`: puts a mirrored backup back in service
 * by hand, as the old page's operators did, with the same safe unpacking as
 * `check_restore`. The copy is the newest restore-proven one of that folder,
 * or the day's (`--day`), which is proven on the spot first. The folder
 * names the kind (`svn/dybsvn` is the repository, `tracs/dybsvn` the Trac
 * environment). DIR must be empty or absent; a restore that fails leaves it
 * as it was.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AltError, compareByPath, isSegment, lstatQuiet, scanTree, type FoundTarball } from '@altbackup/shared';
import type { Ledger, RunRecorder } from '../ledger/ledger.js';
import { SpaceBudget } from '../target/freeSpace.js';
import { evidenceOf, verifyFound } from '../target/targetFiles.js';
import { isIntact, type Verification } from '../target/verification.js';
import { readArchive } from './archiveReader.js';
import { proveRestore, restoreShapeOf, topFolderPlace, verifySvnRepository, type RestoreShape } from './proof.js';
import { openScratch } from './scratch.js';

export interface RestoreOptions {
  root: string;
  /** `<catfold>/<subfold>`. */
  folder: string;
  to: string;
  /** Restore the copy of this day instead of the newest proven one. */
  day: string | null;
  scratchRoot: string;
  minFree: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RestoreOutcome {
  tarball: string;
  shape: RestoreShape;
  to: string;
  /** What the copy holds, for the operator: the revision or the database. */
  what: string;
  /** The checks run on the restored tree. */
  proof: string;
  bytes: number;
  /** How to put it in service. */
  next: string;
}

function refused(message: string): AltError {
  return new AltError('restore-refused', message);
}

/** DIR must not exist, or be an empty folder; its parent must exist. */
async function checkDestination(to: string): Promise<'absent' | 'empty'> {
  const st = await lstatQuiet(to);
  if (st === null) {
    if (!(await lstatQuiet(dirname(to)))?.isDirectory()) throw refused(`${dirname(to)} does not exist: create it, or pick another --to`);
    return 'absent';
  }
  if (!st.isDirectory()) throw refused(`${to} exists and is not a folder: pick an empty or new folder for --to`);
  if ((await readdir(to)).length > 0) throw refused(`${to} is not empty: restore writes only into an empty or new folder; nothing was changed`);
  return 'empty';
}

/** The copy to restore: the day's newest intact copy, or the newest proven one. */
function pick(found: readonly FoundTarball[], states: ReadonlyMap<string, Verification>, folder: string, day: string | null): { t: FoundTarball; proven: boolean } {
  const intact = found.filter((t) => isIntact(states.get(t.path)!.state)).sort(compareByPath);
  if (day !== null) {
    const t = intact.filter((x) => x.day === day).at(-1);
    if (!t) throw refused(`no verified copy of ${folder} on ${day}: see altbackup ls --day ${day}`);
    return { t, proven: false };
  }
  const t = intact.filter((x) => states.get(x.path)!.restoreProvenAt !== null).at(-1);
  if (!t) throw refused(`no restore-proven copy of ${folder}: run altbackup check_restore, or pick a copy with --day (proven on the spot)`);
  return { t, proven: true };
}

function nextSteps(shape: RestoreShape, to: string): string {
  switch (shape.kind) {
    case 'svn': return `give it to the server's user (chown -R svn: ${to}, or www-data for Apache) and point svnserve -r or Apache's SVNPath at ${to}`;
    case 'trac': return `run trac-admin ${to} upgrade, chown -R www-data: ${to}, and point tracd or Apache at ${to}`;
    case 'folder': return `compare with the live folder and copy back what is needed`;
  }
}

export async function restoreCopy(opts: RestoreOptions, ledger: Ledger, rec: RunRecorder): Promise<RestoreOutcome> {
  const [catfold, subfold, ...rest] = opts.folder.split('/');
  if (!catfold || !subfold || rest.length > 0 || !isSegment(catfold) || !isSegment(subfold)) {
    throw new AltError('usage', `restore takes CATFOLD/SUBFOLD (e.g. svn/dybsvn or tracs/dybsvn), got ${JSON.stringify(opts.folder)}`);
  }
  const to = resolve(opts.to);
  const before = await checkDestination(to);
  const found = (await scanTree(opts.root, { catfolds: new Set([catfold]) })).filter((t) => t.subfold === subfold && t.exists && t.hasSidecar);
  const states = await verifyFound(found, evidenceOf(ledger));
  const { t, proven } = pick(found, states, opts.folder, opts.day);
  const shape = restoreShapeOf(t);
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const scratch = await openScratch(opts.scratchRoot);
  try {
    if (!proven) {
      const startedAt = Date.now();
      const r = await proveRestore(t.abs, t, { scratch: await scratch.folder(t.name), signal, timedOut: () => timeout.aborted, space: new SpaceBudget(scratch.dir, opts.minFree) });
      rec.restoreProof({
        path: t.path, md5: states.get(t.path)!.dna!.dig, size: t.size, kind: shape.kind, result: r.ok ? 'ok' : r.timedOut ? 'timeout' : 'failed',
        detail: r.detail, revision: r.ok ? r.revision : null, startedAt, endedAt: Date.now(),
      });
      if (!r.ok) throw new AltError('restore-failed', `${t.path}: ${r.detail}: nothing restored; pick another --day`);
    }
  } finally {
    await scratch.remove();
  }
  if (before === 'absent') await mkdir(to);
  try {
    const space = new SpaceBudget(to, opts.minFree);
    const place = shape.kind === 'folder' ? (name: string) => name : topFolderPlace(shape.top, t.path);
    const read = await readArchive(t.abs, { label: t.path, into: to, place, space, signal });
    const { what, proof } = await checkRestored(shape, to, signal);
    return { tarball: t.path, shape, to, what, proof, bytes: read.bytes, next: nextSteps(shape, to) };
  } catch (e) {
    // Leave DIR as it was: gone if it was absent, empty if it was empty.
    if (before === 'absent') await rm(to, { recursive: true, force: true });
    else for (const name of await readdir(to)) await rm(resolve(to, name), { recursive: true, force: true });
    throw e;
  }
}

/** The restored tree, checked where it now lies. */
async function checkRestored(shape: RestoreShape, to: string, signal: AbortSignal): Promise<{ what: string; proof: string }> {
  if (shape.kind === 'svn') {
    const v = await verifySvnRepository(to, signal);
    if (!v.ok) throw new AltError('restore-failed', `${to} after unpacking: ${v.detail}`);
    return { what: `repository at revision ${v.youngest}`, proof: 'svnadmin verify passed' };
  }
  if (shape.kind === 'trac') {
    const db = resolve(to, 'db', 'trac.db');
    const st = await stat(db).catch(() => null);
    return { what: st ? `Trac environment with db/trac.db (${st.size} bytes)` : 'Trac environment (no db/trac.db!)', proof: 'unpacked from a proven copy' };
  }
  return { what: 'folder tree', proof: 'the archive read to its end' };
}
