/**
 * Streams one member out of a Trac tarball (SPEC section 6): read -> gunzip
 * -> tar-stream, writing only the regular-file member named exactly
 * `<name>/db/trac.db` to a temp file beside the destination, then fsync and
 * rename. The destination comes from the tarball's layout path, never from
 * the archive; reading stops as soon as the member is written; memory stays
 * flat because every write is awaited before the next chunk is pulled.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { AltError, fsyncDir, lstatQuiet, type TarballRef } from '@altbackup/shared';
import { isUnsafeMemberName, normaliseMemberName } from '../restore/archiveReader.js';
import type { SpaceBudget } from '../target/freeSpace.js';

/** The first 16 bytes of every SQLite 3 database file. */
export const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** `<name>/db/trac.db`: the only member ever written. */
export function tracdbMemberOf(trac: string): string {
  return `${trac}/db/trac.db`;
}

/** `<base>/tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db`, from the layout path only. */
export function extractedPathOf(base: string, ref: Pick<TarballRef, 'day' | 'time'>, trac: string): string {
  return join(base, 'tracs', trac, ...ref.day.split('/'), ref.time, trac, 'db', 'trac.db');
}

export interface ExtractResult {
  result: 'extracted' | 'already';
  /** Member size as the archive header states it. */
  size: number;
}

export interface ExtractOptions {
  /** The archive, for messages (its layout path). */
  label: string;
  /** Folder the destination must lie in; no symlink below it is followed. */
  base: string;
  /** Free space for the member is reserved here before a byte is written (target.min_free). */
  space?: SpaceBudget;
}

/** Extracts `member` of the gzip'd tar `archive` to `out`; AltError for every refusal. */
export async function extractMember(archive: string, member: string, out: string, opts: ExtractOptions): Promise<ExtractResult> {
  const src = createReadStream(archive, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip({ chunkSize: 1 << 18 });
  const extract = tar.extract();
  const fail = (e: Error) => extract.destroy(e);
  src.on('error', fail);
  gunzip.on('error', fail);
  src.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const name = normaliseMemberName(header.name);
      if (name === member) {
        if (header.type !== 'file') {
          throw new AltError('tracdb-not-file', `${opts.label}: member ${member} is a ${header.type}${header.linkname ? ` to ${header.linkname}` : ''}, not a regular file: refusing to extract it; inspect the tarball on the source`);
        }
        const size = header.size ?? 0;
        if (await alreadyExtracted(out, size)) return { result: 'already', size };
        await writeMember(entry as unknown as AsyncIterable<Buffer>, member, out, size, opts);
        return { result: 'extracted', size };
      }
      if (isUnsafeMemberName(header.name)) {
        throw new AltError('archive-unsafe', `${opts.label}: member ${JSON.stringify(header.name)} points outside the archive: refusing to extract from it; inspect the tarball on the source`);
      }
      entry.resume();
    }
  } catch (e) {
    if (e instanceof AltError) throw e;
    throw new AltError('archive-corrupt', `${opts.label}: truncated or corrupt archive (${(e as Error).message}): run check_target on it and pull it again`, { cause: e });
  } finally {
    src.unpipe();
    src.destroy();
    gunzip.destroy();
    extract.destroy();
  }
  throw new AltError('tracdb-missing', `${opts.label}: no member ${member} in the archive: is this a Trac environment tarball?`);
}

async function alreadyExtracted(out: string, size: number): Promise<boolean> {
  const st = await lstatQuiet(out);
  if (!st) return false;
  if (!st.isFile()) throw new AltError('extract-target-not-file', `${out} exists and is not a regular file: remove it, then run extract_tracdb again`);
  return st.size === size;
}

/**
 * Creates the destination folder one level at a time below base, refusing
 * any existing component that is not a real folder: a symlink planted below
 * base never redirects the write (base itself may be a symlink the operator chose).
 */
async function destinationDir(out: string, base: string): Promise<string> {
  const dir = dirname(out);
  const rel = relative(base, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new AltError('extract-outside-base', `${dir} is not below the extraction base ${base}`);
  }
  await mkdir(base, { recursive: true });
  let at = base;
  for (const seg of rel.split(sep)) {
    at = join(at, seg);
    await mkdir(at).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    const st = await lstat(at);
    if (!st.isDirectory()) {
      throw new AltError('extract-outside-base', `${at} is a ${st.isSymbolicLink() ? 'symlink' : 'file'}, not a folder: extract_tracdb writes only into real folders below ${base}; remove it and run again`);
    }
  }
  return dir;
}

async function writeAll(fh: FileHandle, chunk: Buffer): Promise<void> {
  for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
}

async function writeMember(entry: AsyncIterable<Buffer>, member: string, out: string, size: number, opts: ExtractOptions): Promise<void> {
  const dir = await destinationDir(out, opts.base);
  const reservation = await opts.space?.reserve(size).catch((e: unknown) => {
    throw e instanceof AltError ? new AltError(e.code, `${opts.label}: ${member} (${size} bytes): ${e.message}`) : e;
  });
  try {
    await writeInto(dir, entry, member, out, size, opts);
  } finally {
    reservation?.release();
  }
}

async function writeInto(dir: string, entry: AsyncIterable<Buffer>, member: string, out: string, size: number, opts: ExtractOptions): Promise<void> {
  const tmp = join(dir, `.trac.db.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  let closed = false;
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    let written = 0;
    for await (const chunk of entry) {
      if (written < head.length) chunk.copy(head, written, 0, Math.min(chunk.length, head.length - written));
      await writeAll(fh, chunk);
      written += chunk.length;
    }
    if (written !== size) {
      throw new AltError('archive-corrupt', `${opts.label}: member ended after ${written} of ${size} bytes: the archive is truncated or corrupt; run check_target on it and pull it again`);
    }
    if (written < head.length || !head.equals(SQLITE_MAGIC)) {
      throw new AltError('tracdb-not-sqlite', `${opts.label}: member ${member} is not an SQLite database (header ${JSON.stringify(head.subarray(0, Math.min(written, 16)).toString('latin1'))}): nothing extracted; inspect the tarball on the source`);
    }
    await fh.sync();
    await fh.close();
    closed = true;
    await rename(tmp, out);
    await fsyncDir(dir);
  } catch (e) {
    if (!closed) await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
