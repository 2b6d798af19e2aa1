/**
 * `<path>.part.meta`: what a run knows of the bytes in a `.part`, so that the
 * next run can continue them. Its whole life is here:
 *
 * 1. Written when a download learns the file's identity (the first answer,
 *    with its ETag): ETag, size and MD5 the bytes belong to, the source, the
 *    start time. A resume asks for the same file with `If-Range: <etag>`, and
 *    the plan restarts a `.part` whose meta names another version.
 * 2. Rewritten at each hash checkpoint with the MD5 state of the first bytes
 *    (`hashed`), once those bytes are on the disk: a resume then reads back
 *    only what came after it.
 * 3. Its checkpoint withdrawn, durably, before the `.part` is emptied (a
 *    restart from zero): a state must never outlive the bytes it covers.
 * 4. For a segmented download (several streams, or a resume of one),
 *    `held` lists the byte ranges known to be on the disk: the file's
 *    length says nothing there, as later segments are written before the
 *    gaps before them fill. It is written (empty) before the first byte
 *    past a gap, and with each checkpoint and at the end of a run from a
 *    snapshot taken before the fdatasync, so it never claims a byte the
 *    disk may not have. While one stream alone appends after the first
 *    range (the lead, before any other stream opens), `tail` says so: the
 *    file's length then does say how far it got, and a resume takes those
 *    bytes too (hashed again from the disk, like a one-stream `.part`'s)
 *    instead of fetching up to a checkpoint's worth again. `tail` is
 *    withdrawn, durably, before any byte is written past a gap.
 * 5. Removed before an old final-name copy is renamed over the `.part` (it
 *    described the `.part` that goes), after the verified `.part` is promoted,
 *    when it is quarantined, and by the stray sweep once its download is
 *    finished or gone (target/targetFiles.ts `removeStrays`).
 *
 * Writes go through a temp file + rename and run one after another.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, isAbsent, redactUrl, unlinkQuiet, writeFileAtomic } from '@altbackup/shared';
import { tarballFilesOf } from '../../target/targetFiles.js';
import { isPartCheckpoint, type PartCheckpoint } from './partCheckpoint.js';
import { isRangeList, type ByteRange } from '../segments/ranges.js';

export interface PartMeta {
  etag: string;
  size: number;
  dig: string;
  source: string;
  startedAt: string;
  /** The MD5 state of the `.part`'s first bytes, saved once they were on the disk. */
  hashed: PartCheckpoint | null;
  /** A segmented download's ranges on the disk, `[start, end)`, sorted and apart; absent for one stream. */
  held?: ByteRange[];
  /** Past `held`'s first range only in-order appends were written: the file's length says how far they got. */
  tail?: true;
}

/** The identity of the file a download fetches. */
export interface PartIdentity {
  etag: string;
  size: number;
  dig: string;
  source: string;
}

/** The meta file of the `.part` at `partAbs` and its temp name. */
function metaFilesOf(partAbs: string): { meta: string; tmp: string } {
  const f = tarballFilesOf(partAbs.slice(0, -'.part'.length));
  return { meta: f.partMeta, tmp: f.partMetaTmp };
}

/** A meta read back; null when missing or damaged (a damaged checkpoint alone only costs a read-back). */
export function parseMeta(text: string | null): PartMeta | null {
  if (text === null) return null;
  try {
    const j = JSON.parse(text) as Partial<PartMeta>;
    if (typeof j.etag !== 'string' || typeof j.size !== 'number' || typeof j.dig !== 'string') return null;
    const hashed = isPartCheckpoint(j.hashed) ? j.hashed : null;
    const meta: PartMeta = { etag: j.etag, size: j.size, dig: j.dig, source: String(j.source ?? ''), startedAt: String(j.startedAt ?? ''), hashed };
    if (j.held !== undefined) {
      // A damaged range list cannot say which bytes are real: the whole meta is unusable.
      if (!isRangeList(j.held, j.size)) return null;
      meta.held = j.held;
      if (j.tail === true) meta.tail = true;
    }
    return meta;
  } catch {
    return null;
  }
}

export async function readPartMeta(partAbs: string): Promise<PartMeta | null> {
  try {
    return parseMeta(await readFile(metaFilesOf(partAbs).meta, 'utf8'));
  } catch (e) {
    if (isAbsent(e)) return null;
    throw e;
  }
}

/** Whether the meta describes the file the source lists now. */
export function metaMatches(meta: PartMeta, listed: { etag: string; size: number; dna: { dig: string } }): boolean {
  return meta.etag === listed.etag && meta.size === listed.size && meta.dig === listed.dna.dig;
}

export async function removePartMeta(partAbs: string): Promise<boolean> {
  return unlinkQuiet(metaFilesOf(partAbs).meta);
}

/** The `.part.meta` of one download in progress: steps 1 to 3 above. */
export class PartMetaWriter {
  private readonly partAbs: string;
  /** What the file says now (or will, once the queued write lands); null before step 1. */
  private meta: PartMeta | null = null;
  /** Writes run one after another, in the order asked. */
  private writes: Promise<void> = Promise.resolve();

  constructor(partAbs: string) {
    this.partAbs = partAbs;
  }

  private save(next: PartMeta | null): Promise<void> {
    this.meta = next;
    const { meta, tmp } = metaFilesOf(this.partAbs);
    // One failed write must not fail every later one.
    this.writes = this.writes.catch(() => undefined).then(async () => {
      if (next) await writeFileAtomic(meta, JSON.stringify(next) + '\n', { tmp });
      else await unlinkQuiet(meta);
    });
    return this.writes;
  }

  /** The `.part` went to the quarantine with its meta: the next download starts with no identity. */
  forget(): void {
    this.meta = null;
  }

  /**
   * Step 1: the download's identity, with the checkpoint the `.part` already
   * has (and, segmented, its ranges and whether one stream appends past
   * them: step 4).
   */
  async identify(id: PartIdentity, hashed: PartCheckpoint | null, held?: ByteRange[], tail = false): Promise<void> {
    if (id.etag === this.meta?.etag) return;
    const next: PartMeta = { ...id, source: redactUrl(id.source), startedAt: new Date().toISOString(), hashed };
    if (held) next.held = held;
    if (held && tail) next.tail = true;
    await this.save(next);
  }

  /** Step 4: bytes are about to be written past a gap, so the file's length no longer says what is held. */
  async endTail(): Promise<void> {
    if (!this.meta?.tail) return;
    const { tail: _, ...rest } = this.meta;
    await this.save(rest);
  }

  /**
   * Steps 2 to 4, as PartFile's `onCheckpoint`: null withdraws the
   * checkpoint (and any ranges) before the file is emptied.
   */
  async checkpoint(cp: PartCheckpoint | null, held?: ByteRange[]): Promise<void> {
    if (cp === null && held === undefined) {
      // With no identity yet this removes an older run's meta.
      await this.save(this.meta && { ...this.meta, hashed: null, ...(this.meta.held ? { held: [] } : {}) });
      await fsyncDir(dirname(this.partAbs));
      return;
    }
    if (this.meta) await this.save({ ...this.meta, hashed: cp, ...(held ? { held } : {}) });
  }
}
