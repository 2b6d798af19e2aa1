/**
 * What the target holds for a tarball path, as the plan needs it: the final
 * name, its sidecar, a `.part` and the `.part.meta` recorded when that
 * download started. Read-only, except `removeStrays`, which deletes the temp
 * files a crashed run can leave beside a tarball.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDna, partPathOf, sidecarPathOf, type Dna } from '@altbackup/shared';
import { metaPathOf, tempPathsOf, unlinkQuiet } from '../pull/promote.js';
import type { PartMeta, TargetState } from '../pull/plan.js';
import { isPartCheckpoint } from '../pull/part/partCheckpoint.js';

async function sizeOf(file: string): Promise<number | null> {
  try {
    const st = await stat(file);
    return st.isFile() ? st.size : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

export function parseMeta(text: string | null): PartMeta | null {
  if (text === null) return null;
  try {
    const j = JSON.parse(text) as Partial<PartMeta>;
    if (typeof j.etag !== 'string' || typeof j.size !== 'number' || typeof j.dig !== 'string') return null;
    // A damaged checkpoint only costs reading the .part back: the rest still counts.
    const hashed = isPartCheckpoint(j.hashed) ? j.hashed : null;
    return { etag: j.etag, size: j.size, dig: j.dig, source: String(j.source ?? ''), startedAt: String(j.startedAt ?? ''), hashed };
  } catch {
    return null;
  }
}

export async function readTargetState(root: string, path: string): Promise<TargetState> {
  const abs = join(root, path);
  const [finalSize, dnaText, partSize, metaText] = await Promise.all([
    sizeOf(abs), readText(sidecarPathOf(abs)), sizeOf(partPathOf(abs)), readText(metaPathOf(partPathOf(abs))),
  ]);
  let sidecar: Dna | 'invalid' | null = null;
  if (dnaText !== null) {
    try {
      sidecar = parseDna(dnaText, sidecarPathOf(abs));
    } catch {
      sidecar = 'invalid';
    }
  }
  return { finalSize, sidecar, partSize, partMeta: parseMeta(metaText) };
}

/**
 * Deletes what an interrupted run may leave beside a tarball and nothing
 * else: temp files, and a `.part.meta` whose bytes are gone or complete.
 * Returns the files removed.
 */
export async function removeStrays(root: string, path: string, state: TargetState): Promise<string[]> {
  const abs = join(root, path);
  const removed: string[] = [];
  for (const tmp of tempPathsOf(abs)) if (await unlinkQuiet(tmp)) removed.push(tmp);
  const meta = metaPathOf(partPathOf(abs));
  const unfinished = state.partSize !== null || (state.finalSize !== null && state.sidecar === null);
  if (!unfinished && (await unlinkQuiet(meta))) removed.push(meta);
  return removed;
}
