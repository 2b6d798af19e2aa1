/**
 * The last steps of a download (SPEC section 5): a verified `.part` becomes
 * the final name and its canonical sidecar appears last; a `.part` that fails
 * verification is kept aside under `.altbackup/quarantine/` for inspection.
 * Each step leaves a state the next run understands: a final name without
 * sidecar is resumed (and, being complete, just verified).
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatDna, fsyncDir, lstatQuiet, unlinkQuiet, writeFileAtomic, type Dna } from '@altbackup/shared';
import { stateDirOf } from '../target/targetDirs.js';
import { tarballFilesOf } from '../target/targetFiles.js';
import { removePartMeta } from './part/partMeta.js';

/**
 * `.part` (already fsynced and closed) -> final name, then the sidecar.
 * An older sidecar goes first, so no moment shows a sidecar beside bytes
 * it does not describe.
 */
export async function promote(abs: string, dna: Dna): Promise<void> {
  const f = tarballFilesOf(abs);
  await unlinkQuiet(f.sidecar);
  await rename(f.part, abs);
  await writeFileAtomic(f.sidecar, formatDna(dna), { tmp: f.sidecarTmp });
  await removePartMeta(f.part);
  await fsyncDir(dirname(abs));
}

/** Where copies set aside by `kind` live: `<target>/.altbackup/<kind>/<stamp>/<layout path>`, sidecar beside. */
export function asideDirOf(root: string, kind: 'replaced' | 'quarantine'): string {
  return join(stateDirOf(root), kind);
}

/**
 * Moves the copy under the final name and its sidecar aside, keeping its
 * layout path below a time-stamped folder (so the tree scan reads it as any
 * copy); returns the new path of the tarball. Both renames stay on one
 * filesystem, and both folders are synced.
 */
export async function setAside(root: string, path: string, kind: 'replaced' | 'quarantine', at = new Date()): Promise<string> {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  let dir = join(asideDirOf(root, kind), stamp);
  for (let i = 1; (await lstatQuiet(dir)) !== null; i++) dir = join(asideDirOf(root, kind), `${stamp}-${i}`);
  const from = tarballFilesOf(join(root, path));
  const to = tarballFilesOf(join(dir, path));
  await mkdir(dirname(to.final), { recursive: true });
  await rename(from.final, to.final);
  if ((await lstatQuiet(from.sidecar)) !== null) await rename(from.sidecar, to.sidecar);
  await fsyncDir(dirname(to.final));
  await fsyncDir(dirname(from.final));
  return to.final;
}

function quarantineDirOf(root: string): string {
  return asideDirOf(root, 'quarantine');
}

/** `svn/x/2024/01/02/030405/x.tar.gz` -> `svn__x__2024__01__02__030405__x.tar.gz.20240102T030405123Z` */
export function quarantineNameOf(path: string, at: Date): string {
  return `${path.replace(/\//g, '__')}.${at.toISOString().replace(/[-:.]/g, '')}`;
}

/** Moves a `.part` that failed verification aside; returns where it went. */
export async function quarantine(root: string, path: string, partAbs: string, at = new Date()): Promise<string> {
  const dir = quarantineDirOf(root);
  await mkdir(dir, { recursive: true });
  let dest = join(dir, quarantineNameOf(path, at));
  for (let i = 1; (await lstatQuiet(dest)) !== null; i++) dest = join(dir, `${quarantineNameOf(path, at)}-${i}`);
  await rename(partAbs, dest);
  await removePartMeta(partAbs);
  return dest;
}
