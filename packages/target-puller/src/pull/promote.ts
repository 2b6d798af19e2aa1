/**
 * The last steps of a download (SPEC section 5): a verified `.part` becomes
 * the final name and its canonical sidecar appears last; a `.part` that fails
 * verification is kept aside under `.altbackup/quarantine/` for inspection.
 * Each step leaves a state the next run understands: a final name without
 * sidecar is resumed (and, being complete, just verified).
 */
import { open, mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatDna, partPathOf, sidecarPathOf, writeFileAtomic, type Dna } from '@altbackup/shared';

export function metaPathOf(partAbs: string): string {
  return partAbs + '.meta';
}

/** The fixed temp names of the sidecar and the `.part` metadata, so a crash leaves names the next run knows. */
function tempOf(file: string): string {
  return file + '.tmp';
}

/** Temp names beside a tarball that a crashed run may leave; the next run removes them. */
export function tempPathsOf(abs: string): string[] {
  return [tempOf(sidecarPathOf(abs)), tempOf(metaPathOf(partPathOf(abs)))];
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function unlinkQuiet(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * `.part` (already fsynced and closed) -> final name, then the sidecar.
 * An older sidecar goes first, so no moment shows a sidecar beside bytes
 * it does not describe.
 */
export async function promote(abs: string, dna: Dna): Promise<void> {
  const part = partPathOf(abs);
  const sidecar = sidecarPathOf(abs);
  await unlinkQuiet(sidecar);
  await rename(part, abs);
  await writeFileAtomic(sidecar, formatDna(dna), { tmp: tempOf(sidecar) });
  await unlinkQuiet(metaPathOf(part));
  await fsyncDir(dirname(abs));
}

export function quarantineDirOf(root: string): string {
  return join(root, '.altbackup', 'quarantine');
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
  for (let i = 1; await exists(dest); i++) dest = join(dir, `${quarantineNameOf(path, at)}-${i}`);
  await rename(partAbs, dest);
  await unlinkQuiet(metaPathOf(partAbs));
  return dest;
}

async function exists(file: string): Promise<boolean> {
  try {
    await open(file, 'r').then((fh) => fh.close());
    return true;
  } catch {
    return false;
  }
}

export async function writeMeta(partAbs: string, meta: object): Promise<void> {
  const file = metaPathOf(partAbs);
  await writeFileAtomic(file, JSON.stringify(meta) + '\n', { tmp: tempOf(file) });
}
