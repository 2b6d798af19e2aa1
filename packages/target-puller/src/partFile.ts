/**
 * The `.part` file of one download and the MD5 of exactly the bytes in it.
 * Bytes are hashed as they arrive, so verification costs no second read (for
 * a resumed file the existing bytes are hashed once, when opened). Bytes are
 * gathered into large blocks; each block is written, then moved (not copied)
 * to a hashing worker thread (see hashWorker.ts); disk and hash run behind
 * the network up to a bound, so the socket keeps flowing while they work.
 * `flush` waits for the disk. If a write fails, file and hash may disagree,
 * so the transfer fails and the next open hashes what is really on disk.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { HashWorker } from './hashWorker.js';

const BLOCK = 1 << 20;
/** Bytes queued for the disk or the hash before `append` waits. */
const MAX_QUEUED = 8 * BLOCK;

export class PartFile {
  readonly path: string;
  private fh: FileHandle;
  private hash: HashWorker;
  /** Bytes accepted: written, or queued for the disk and the hash. */
  private accepted: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Writes run one after another, in file order. */
  private writes: Promise<void> = Promise.resolve();
  private queued = 0;

  private constructor(path: string, fh: FileHandle, hash: HashWorker, size: number) {
    this.path = path;
    this.fh = fh;
    this.hash = hash;
    this.accepted = size;
  }

  /**
   * Opens (or creates) the `.part` and hashes the bytes it already holds;
   * `fresh` empties it first (a download from zero need not hash old bytes).
   */
  static async open(path: string, fresh = false): Promise<PartFile> {
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT | (fresh ? constants.O_TRUNC : 0), 0o644);
    const hash = new HashWorker();
    try {
      const size = fresh ? 0 : await hash.hashFile(path);
      return new PartFile(path, fh, hash, size);
    } catch (e) {
      await fh.close();
      await hash.close();
      throw e;
    }
  }

  /** Bytes held, including those still on their way to the disk. */
  get length(): number {
    return this.accepted;
  }

  async append(chunk: Buffer): Promise<void> {
    this.accepted += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BLOCK) this.queueBlock();
    if (this.queued > MAX_QUEUED) await this.writes;
    if (this.hash.pending > MAX_QUEUED) await this.hash.waitBelow(MAX_QUEUED / 2);
  }

  private queueBlock(): void {
    if (this.pendingBytes === 0) return;
    // A fresh block with a buffer of its own: once written it is handed to
    // the hash worker without a copy.
    const block = Buffer.concat(this.pending, this.pendingBytes);
    const position = this.accepted - this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.queued += block.length;
    this.writes = this.writes.then(async () => {
      let off = 0;
      while (off < block.length) {
        const { bytesWritten } = await this.fh.write(block, off, block.length - off, position + off);
        off += bytesWritten;
      }
      this.queued -= block.length;
      this.hash.update(block);
    });
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
    await this.fh.truncate(0);
    this.hash.reset();
    this.accepted = 0;
  }

  /** Flushes, then returns the MD5 of the whole file without ending the hash. */
  async digest(): Promise<string> {
    await this.flush();
    return this.hash.digest();
  }

  /** Flushes to the disk itself (fsync): done before the rename to the final name. */
  async sync(): Promise<void> {
    await this.flush();
    await this.fh.sync();
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.fh.close();
      await this.hash.close();
    }
  }
}
