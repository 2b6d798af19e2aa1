/**
 * The `.part` file of one download and the MD5 of exactly the bytes in it.
 * Bytes are hashed as they arrive, so verification costs no second read.
 * The socket's chunks are gathered into blocks of about 1 MiB; each block is
 * written with one writev and, at the same time, hashed on the MD5's own
 * thread (resumableMd5.ts), both without a copy; disk and hash run behind the
 * network up to a bound, so the socket keeps flowing while they work.
 * `flush` waits for the disk.
 *
 * Every `checkpointEvery` bytes the hash state is saved through `onCheckpoint`
 * once the bytes it covers are on the disk itself (fdatasync), so a resumed
 * `.part` hashes again only what came after the last checkpoint. A
 * checkpoint never outlives its bytes: emptying the file withdraws it first.
 * If a write fails, file and hash may disagree, so the transfer fails and
 * the next open hashes what is really on disk.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileIdOf, type PartCheckpoint } from './partCheckpoint.js';
import { ResumableMd5 } from './resumableMd5.js';
import { received } from './youngGc.js';

const BLOCK = 1 << 20;
/** Chunks per writev, well under the kernel's IOV_MAX, for sockets that hand over tiny chunks. */
const MAX_CHUNKS = 256;
/** Bytes queued for the disk or the hash before `append` waits. */
const MAX_QUEUED = 4 * BLOCK;
/** Read size when hashing what a resumed `.part` already holds. */
const READ = 4 * BLOCK;

export interface PartFileOptions {
  /** Empty the file first: a download from zero need not hash old bytes. */
  fresh?: boolean;
  /** A saved state for the file's first bytes (from `onCheckpoint`); ignored unless it was taken on this very file and fits it. */
  checkpoint?: PartCheckpoint | null;
  /** Saves a checkpoint; null withdraws the last one (the file is being emptied). */
  onCheckpoint?: (cp: PartCheckpoint | null, snapshot?: unknown) => Promise<void>;
  /** Bytes between checkpoints, about the most a resume reads back to hash (default 32 MiB): one runs at a time, so a slow fdatasync can stretch the gap. */
  checkpointEvery?: number;
  /**
   * A segmented download's `.part` has bytes past a gap: only its first
   * `contiguous` bytes are the hashed prefix (default: the whole file).
   */
  contiguous?: number;
  /**
   * Taken just before the fdatasync of a checkpoint (every write finished by
   * then is covered by it) and handed to `onCheckpoint`: a segmented
   * download records there which ranges are on the disk.
   */
  snapshot?: () => unknown;
}

export class PartFile {
  readonly path: string;
  /** Bytes the open reads back from the disk to hash: those past the checkpoint. */
  readonly rehashed: number;
  private readonly fh: FileHandle;
  /** Device and inode: what a checkpoint is bound to. */
  private readonly fileId: string;
  private md5: ResumableMd5;
  private readonly onCheckpoint: PartFileOptions['onCheckpoint'];
  private readonly snapshot: PartFileOptions['snapshot'];
  private readonly checkpointEvery: number;
  /** Bytes accepted: written, or queued for the disk and the hash. */
  private accepted: number;
  /** End of the prefix bytes whose writes have finished (appended ones; `writeAhead` reports its own). */
  private writtenEnd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Writes run one after another, in file order. */
  private writes: Promise<void> = Promise.resolve();
  private queued = 0;
  /** The last checkpoint saved (or taken over at open); null while none covers the file's bytes. */
  private saved: PartCheckpoint | null;
  private checkpointing: Promise<void> | null = null;
  /** Bumped when the file is emptied: a checkpoint under way for the old bytes is dropped. */
  private generation = 0;
  /**
   * Reading back and hashing what a resumed file held past its checkpoint,
   * while the download already goes on: new blocks wait in `held` (written,
   * not yet hashed) until it is done.
   */
  private readBack: Promise<void> = Promise.resolve();
  private held: Buffer[][] | null = null;
  private heldBytes = 0;
  /** Set when the read-back is no longer wanted (close, truncate): it stops at its next read. */
  private stopReadBack = false;

  private constructor(path: string, fh: FileHandle, fileId: string, md5: ResumableMd5, size: number, cp: PartCheckpoint | null, opts: PartFileOptions) {
    this.path = path;
    this.fh = fh;
    this.fileId = fileId;
    this.md5 = md5;
    this.accepted = size;
    this.writtenEnd = size;
    this.rehashed = size - (cp?.offset ?? 0);
    this.saved = cp;
    this.onCheckpoint = opts.onCheckpoint;
    this.snapshot = opts.snapshot;
    this.checkpointEvery = opts.checkpointEvery ?? 32 * BLOCK;
  }

  /**
   * Opens (or creates) the `.part`. The bytes it holds past the checkpoint
   * are read back and hashed in the background; appends may start at once.
   */
  static async open(path: string, opts: PartFileOptions = {}): Promise<PartFile> {
    if (opts.fresh) await opts.onCheckpoint?.(null);
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT | (opts.fresh ? constants.O_TRUNC : 0), 0o644);
    let pf: PartFile;
    try {
      const st = await fh.stat({ bigint: true });
      const size = Math.min(Number(st.size), opts.contiguous ?? Infinity);
      const fileId = fileIdOf(st);
      const given = opts.checkpoint;
      const cp = given && given.file === fileId && given.offset <= size ? given : null;
      pf = new PartFile(path, fh, fileId, new ResumableMd5(cp ?? undefined), size, cp, opts);
    } catch (e) {
      await fh.close();
      throw e;
    }
    if (pf.rehashed > 0) pf.startReadBack(pf.accepted - pf.rehashed, pf.accepted);
    return pf;
  }

  private startReadBack(from: number, to: number): void {
    const { md5 } = this;
    const held: Buffer[][] = (this.held = []);
    // truncate waits for this before it drops `held`: here it is still this read-back's.
    this.readBack = hashRange(this.fh, md5, from, to, () => this.stopReadBack).then(() => {
      for (const chunks of held) md5.update(chunks);
      this.held = null;
      this.heldBytes = 0;
    });
    // A failure surfaces when an append finds `held` full, or at the digest.
    this.readBack.catch(() => undefined);
  }

  /** Settles once what a resumed file held past its checkpoint is hashed: until then appends soon wait for it. */
  get readBackDone(): Promise<void> {
    return this.readBack.catch(() => undefined);
  }

  /** The last checkpoint saved (or taken over at open) for the bytes in the file. */
  get checkpoint(): PartCheckpoint | null {
    return this.saved;
  }

  private get checkpointed(): number {
    return this.saved?.offset ?? 0;
  }

  /** How far appended bytes are in the file (not only queued). */
  get written(): number {
    return this.writtenEnd;
  }

  /** Bytes held, including those still on their way to the disk. */
  get length(): number {
    return this.accepted;
  }

  async append(chunk: Buffer): Promise<void> {
    received(chunk.length);
    this.accepted += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BLOCK || this.pending.length >= MAX_CHUNKS) this.queueBlock();
    if (this.queued > MAX_QUEUED) await this.writes;
    if (this.heldBytes > MAX_QUEUED) await this.readBack;
    if (this.md5.pending > MAX_QUEUED) await this.md5.waitBelow(MAX_QUEUED / 2);
  }

  /** Writes `chunks` at `position` after every write queued before, in file order. */
  private queueWrite(chunks: Buffer[], position: number, bytes: number, onWritten: () => void): void {
    this.queued += bytes;
    const write = this.writes.then(async () => {
      await writeAll(this.fh, chunks, position);
      this.queued -= bytes;
      onWritten();
    });
    // Nothing awaits a write until the queue is full or a flush: a failure
    // is reported then (the queue stops draining), not as an unhandled rejection.
    write.catch(() => undefined);
    this.writes = write;
  }

  private queueBlock(): void {
    if (this.pendingBytes === 0) return;
    const chunks = this.pending;
    const bytes = this.pendingBytes;
    const position = this.accepted - bytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.held) {
      this.held.push(chunks);
      this.heldBytes += bytes;
    } else {
      this.md5.update(chunks);
    }
    this.queueWrite(chunks, position, bytes, () => (this.writtenEnd = Math.max(this.writtenEnd, position + bytes)));
    this.maybeCheckpoint();
  }

  private maybeCheckpoint(): void {
    if (this.onCheckpoint && !this.checkpointing && this.accepted - this.checkpointed >= this.checkpointEvery) {
      this.checkpointing = this.saveCheckpoint().finally(() => (this.checkpointing = null));
    }
  }

  /**
   * Saves the state once the hash has caught up, after an fdatasync of the
   * bytes it covers. A checkpoint that fails is only a slower resume.
   */
  private async saveCheckpoint(force = false): Promise<void> {
    const generation = this.generation;
    try {
      const cp: PartCheckpoint = { ...this.md5.save(), file: this.fileId };
      if (cp.offset <= this.checkpointed && !force) return;
      // Every byte hashed by then was queued for the disk before: once those writes are done, sync.
      await this.writes;
      const snap = this.snapshot?.();
      await this.fh.datasync();
      if (generation !== this.generation) return;
      await this.onCheckpoint!(cp.offset >= this.checkpointed ? cp : this.saved, snap);
      if (cp.offset >= this.checkpointed) this.saved = cp;
    } catch {
      // The next checkpoint tries again; the file and hash are unaffected.
    }
  }

  /**
   * Saves a checkpoint now, whatever the gap since the last: a segmented
   * download ends every run with one, since its file's length does not say
   * which bytes it holds.
   */
  async saveState(): Promise<void> {
    if (!this.onCheckpoint) return;
    this.queueBlock();
    await this.checkpointing;
    await this.saveCheckpoint(true);
  }

  /**
   * Writes bytes past the hashed prefix (a segmented download's later
   * segment), without hashing them; `adopt` or `adoptFromDisk` hashes them
   * once the prefix reaches them. `onWritten` runs once they are in the
   * file; the promise only waits while the disk is far behind.
   */
  async writeAhead(position: number, chunks: Buffer[], onWritten: () => void): Promise<void> {
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    received(bytes);
    this.queueWrite(chunks, position, bytes, onWritten);
    if (this.queued > MAX_QUEUED) await this.writes;
  }

  /** Extends the prefix over bytes `writeAhead` wrote, hashing them from memory. */
  async adopt(chunks: Buffer[]): Promise<void> {
    this.queueBlock();
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    if (this.held) {
      this.held.push(chunks);
      this.heldBytes += bytes;
    } else {
      this.md5.update(chunks);
    }
    this.accepted += bytes;
    this.maybeCheckpoint();
    if (this.heldBytes > MAX_QUEUED) await this.readBack;
    if (this.md5.pending > MAX_QUEUED) await this.md5.waitBelow(MAX_QUEUED / 2);
  }

  /** Extends the prefix over bytes already in the file up to `end`, reading them back to hash. */
  async adoptFromDisk(end: number): Promise<void> {
    await this.flush();
    await this.readBack;
    await hashRange(this.fh, this.md5, this.accepted, end, () => this.stopReadBack);
    this.accepted = end;
    this.maybeCheckpoint();
  }

  /** Waits until every accepted byte is in the file. */
  async flush(): Promise<void> {
    this.queueBlock();
    await this.writes;
  }

  /** Empties the file: the download starts over from byte zero. */
  async truncate(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await this.writes;
    this.stopReadBack = true;
    await this.readBack.catch(() => undefined);
    this.stopReadBack = false;
    this.readBack = Promise.resolve();
    this.held = null;
    this.heldBytes = 0;
    this.generation++;
    await this.checkpointing;
    this.saved = null;
    await this.onCheckpoint?.(null);
    await this.fh.truncate(0);
    this.md5.close();
    this.md5 = new ResumableMd5();
    this.accepted = 0;
    this.writtenEnd = 0;
  }

  /** Flushes, then returns the MD5 of the whole file without ending the hash. */
  async digest(): Promise<string> {
    await this.flush();
    await this.readBack;
    return this.md5.digest();
  }

  /** Flushes to the disk itself (fsync): done before the rename to the final name. */
  async sync(): Promise<void> {
    await this.flush();
    await this.checkpointing;
    await this.fh.sync();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.stopReadBack = true;
      await this.readBack.catch(() => undefined);
      await this.checkpointing;
      this.md5.close();
      await this.fh.close();
    }
  }
}

async function writeAll(fh: FileHandle, chunks: Buffer[], position: number): Promise<void> {
  let rest = chunks;
  let at = position;
  for (;;) {
    const total = rest.reduce((n, c) => n + c.length, 0);
    const { bytesWritten } = await fh.writev(rest, at);
    if (bytesWritten >= total) return;
    // A short write (a full disk is reported by the next call): continue after what went.
    at += bytesWritten;
    let skip = bytesWritten;
    while (skip >= rest[0]!.length) skip -= rest.shift()!.length;
    rest = [rest[0]!.subarray(skip), ...rest.slice(1)];
  }
}

/** Hashes bytes [from, to) of the file, reads and hashing overlapped, until `stopped()`. */
async function hashRange(fh: FileHandle, md5: ResumableMd5, from: number, to: number, stopped: () => boolean): Promise<void> {
  for (let at = from; at < to;) {
    if (stopped()) throw new Error('reading the .part back was stopped');
    const buf = Buffer.allocUnsafe(Math.min(READ, to - at));
    const { bytesRead } = await fh.read(buf, 0, buf.length, at);
    if (bytesRead === 0) throw new Error(`${to - at} bytes short reading back the .part`);
    md5.update([buf.subarray(0, bytesRead)]);
    at += bytesRead;
    await md5.waitBelow(2 * READ);
  }
}
