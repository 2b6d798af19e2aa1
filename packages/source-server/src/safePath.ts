/**
 * The only way a request path becomes a file: the raw URL path after
 * `/v1/files/` is percent-decoded exactly once, must be a layout path
 * (optionally with `.dna`), and the file opened must be that very path below
 * the real root with no symlink anywhere on the way, and a regular file.
 * Anything else is refused before a byte is read.
 */
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { DNA_SUFFIX, parseTarballPath, type TarballRef } from '@altbackup/shared';

export const FILES_PREFIX = '/v1/files/';

export type FilesPath =
  | { ok: true; ref: TarballRef; dna: boolean }
  | { ok: false; reason: string };

/** Parses the raw request URL (`/v1/files/<path>[?query]`). Pure. */
export function parseFilesUrl(rawUrl: string): FilesPath {
  const q = rawUrl.indexOf('?');
  const pathPart = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (!pathPart.startsWith(FILES_PREFIX)) return { ok: false, reason: 'not a /v1/files/ path' };
  const encoded = pathPart.slice(FILES_PREFIX.length);
  if (encoded.length > 2048) return { ok: false, reason: 'path too long' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, reason: 'bad percent-encoding in path' };
  }
  const dna = decoded.endsWith(DNA_SUFFIX);
  const ref = parseTarballPath(dna ? decoded.slice(0, -DNA_SUFFIX.length) : decoded);
  if (!ref) return { ok: false, reason: 'not a tarball path <catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz[.dna]' };
  return { ok: true, ref, dna };
}

export interface OpenedFile {
  handle: FileHandle;
  stat: Stats;
}

// O_NONBLOCK so that a FIFO planted under a tarball name cannot block a
// thread in open(); regular files ignore it.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens `rel` below `realRoot` (itself a realpath) when it is a regular file
 * reached without any symlink; null otherwise. The path is checked with
 * realpath before opening and, on Linux, the opened descriptor's own path
 * is checked again afterwards, so a symlink swapped in between cannot
 * redirect the read.
 */
export async function openInsideRoot(realRoot: string, rel: string): Promise<OpenedFile | null> {
  const abs = join(realRoot, rel);
  if (!abs.startsWith(realRoot.endsWith('/') ? realRoot : realRoot + '/')) return null;
  const resolved = await realpath(abs).catch(() => null);
  if (resolved !== abs) return null;
  const handle = await open(abs, OPEN_FLAGS).catch(() => null);
  if (!handle) return null;
  try {
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => abs);
    const stat = await handle.stat();
    if (opened !== abs || !stat.isFile()) {
      await handle.close();
      return null;
    }
    return { handle, stat };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw e;
  }
}

/** Reads a small file (a sidecar) below the root under the same rules; null when refused. */
export async function readSmallInsideRoot(realRoot: string, rel: string, maxBytes: number): Promise<{ text: string; stat: Stats } | null> {
  const f = await openInsideRoot(realRoot, rel);
  if (!f) return null;
  try {
    if (f.stat.size > maxBytes) return null;
    const buf = Buffer.alloc(f.stat.size);
    const { bytesRead } = await f.handle.read(buf, 0, buf.length, 0);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), stat: f.stat };
  } finally {
    await f.handle.close();
  }
}
