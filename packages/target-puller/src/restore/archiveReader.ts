/**
 * Reads a `.tar.gz` to its very end (gzip and tar structure, the gzip CRC
 * included: a truncated or corrupt archive fails even when its MD5 matches
 * its sidecar) and writes the members a caller places below one folder. The
 * caller decides where each member goes from its name; the archive decides
 * nothing: a member climbing out (`..`, absolute), a link or a device is
 * refused when placed, and every folder is made one level at a time and
 * checked to be a real folder, so no symlink is ever followed. Files are
 * created exclusively (`wx`), so nothing already there is overwritten.
 * Memory stays flat: each write is awaited before the next chunk is pulled.
 */
import { closeSync, createReadStream, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AltError } from '@altbackup/shared';
import type { SpaceBudget } from '../target/freeSpace.js';

/** Tar names may carry leading `./` (GNU tar run in the folder): `./a/b` is `a/b`. */
export function normaliseMemberName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  return n.replace(/\/+$/, '');
}

/** A member name no honest backup has: absolute, climbing out with `..`, or with a NUL. */
export function isUnsafeMemberName(name: string): boolean {
  return name.startsWith('/') || name.split('/').includes('..') || name.includes('\0');
}

export interface ReadOptions {
  /** The archive, for messages (its layout path). */
  label: string;
  /** The folder placed members go below; required when `place` places anything. */
  into?: string;
  /**
   * Where a member goes, as a relative path below `into`, or null to read
   * past it. Throwing an AltError refuses the archive.
   */
  place?: (name: string, type: string) => string | null;
  /** Space is reserved for each placed file before it is written. */
  space?: SpaceBudget;
  signal?: AbortSignal;
}

export interface ReadResult {
  members: number;
  /** Bytes of the members as the archive states them. */
  bytes: number;
  /** Files written below `into`. */
  written: number;
}

/**
 * Makes `rel`'s folders below `into`, refusing any existing component that
 * is not a real folder. `made` remembers the folders this read made or
 * checked, so a hot copy's thousands of files cost one check per folder.
 */
function folderFor(into: string, rel: string, made: Set<string>): void {
  let at = into;
  for (const seg of rel.split('/')) {
    at = join(at, seg);
    if (made.has(at)) continue;
    try {
      mkdirSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!lstatSync(at).isDirectory()) throw new AltError('archive-unsafe', `${at} is not a real folder: refusing to write through it`);
    made.add(at);
  }
}

/**
 * Writes one member. The writes are synchronous: the read is one task with
 * nothing to do meanwhile, and a hot copy's many small files cost a thread
 * pool round trip each otherwise (twice the time of tar for the same tree).
 */
async function writeFile(entry: AsyncIterable<Buffer>, abs: string, mode: number, size: number, label: string, name: string): Promise<void> {
  const fd = openSync(abs, 'wx', mode);
  try {
    let written = 0;
    for await (const chunk of entry) {
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
      written += chunk.length;
    }
    if (written !== size) throw new AltError('archive-corrupt', `${label}: member ${name} ended after ${written} of ${size} bytes: the archive is truncated or corrupt`);
  } finally {
    closeSync(fd);
  }
}

/** Reads `archive` to the end; AltError `archive-corrupt` or `archive-unsafe` for every refusal. */
export async function readArchive(archive: string, opts: ReadOptions): Promise<ReadResult> {
  if (opts.into) await mkdir(opts.into, { recursive: true });
  const src = createReadStream(archive, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const made = new Set<string>();
  const extract = tar.extract();
  const fail = (e: Error) => extract.destroy(e);
  src.on('error', fail);
  gunzip.on('error', fail);
  const onAbort = () => fail(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('stopped'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  src.pipe(gunzip).pipe(extract);
  const result: ReadResult = { members: 0, bytes: 0, written: 0 };
  try {
    for await (const entry of extract) {
      const { header } = entry;
      const name = normaliseMemberName(header.name);
      result.members++;
      result.bytes += header.size ?? 0;
      const rel = opts.place && name !== '' ? opts.place(name, header.type ?? 'file') : null;
      if (rel === null) {
        entry.resume();
        continue;
      }
      if (isUnsafeMemberName(header.name) || isUnsafeMemberName(rel)) {
        throw new AltError('archive-unsafe', `${opts.label}: member ${JSON.stringify(header.name)} points outside the archive: refusing to restore from it`);
      }
      const into = opts.into!;
      if (header.type === 'directory') {
        folderFor(into, rel, made);
        entry.resume();
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        const parent = posix.dirname(rel);
        if (parent !== '.') folderFor(into, parent, made);
        const size = header.size ?? 0;
        const reservation = await opts.space?.reserve(size);
        try {
          await writeFile(entry as unknown as AsyncIterable<Buffer>, join(into, rel), (header.mode ?? 0o644) & 0o755 | 0o600, size, opts.label, name);
        } finally {
          reservation?.release();
        }
        result.written++;
      } else {
        throw new AltError('archive-unsafe', `${opts.label}: member ${name} is a ${header.type}${header.linkname ? ` to ${header.linkname}` : ''}: a restore writes only files and folders`);
      }
    }
  } catch (e) {
    if (e instanceof AltError) throw e;
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new AltError('archive-corrupt', `${opts.label}: truncated or corrupt archive (${(e as Error).message})`, { cause: e });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    src.unpipe();
    src.destroy();
    gunzip.destroy();
    extract.destroy();
  }
  return result;
}
