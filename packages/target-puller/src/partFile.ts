/**
 * The `.part` file of one download and the MD5 of exactly the bytes in it.
 * Bytes are hashed as they are written, so verification costs no second read
 * (for a resumed file the existing bytes are hashed once, when opened).
 * Writes are gathered into large blocks: fewer syscalls, and the hash and the
 * file never disagree because a block is hashed only after it is written.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const BLOCK = 1 << 20;

export class PartFile {
  readonly path: string;
  private fh: FileHandle;
  private hash: Hash;
  /** Bytes on disk (hashed). */
  private written: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  private constructor(path: string, fh: FileHandle, hash: Hash, written: number) {
    this.path = path;
    this.fh = fh;
    this.hash = hash;
    this.written = written;
  }

  /** Opens (or creates) the `.part` and hashes the bytes it already holds. */
  static async open(path: string, signal?: AbortSignal): Promise<PartFile> {
    const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    try {
      const hash = createHash('md5');
      let size = 0;
      for await (const chunk of createReadStream('', { fd: fh.fd, autoClose: false, start: 0, highWaterMark: BLOCK, signal })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      return new PartFile(path, fh, hash, size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** Bytes held, including those not yet flushed. */
  get length(): number {
    return this.written + this.pendingBytes;
  }

  async append(chunk: Buffer): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BLOCK) await this.flush();
  }

  /** Writes what is gathered; after this the file holds `length` bytes. */
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const block = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < block.length) {
      const { bytesWritten } = await this.fh.write(block, off, block.length - off, this.written + off);
      off += bytesWritten;
    }
    this.hash.update(block);
    this.written += block.length;
  }

  /** Empties the file: the download starts over from byte zero. */
  async truncate(): Promise<void> {
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.truncate(0);
    this.hash = createHash('md5');
    this.written = 0;
  }

  /** Flushes, then returns the MD5 of the whole file without ending the hash. */
  async digest(): Promise<string> {
    await this.flush();
    return this.hash.copy().digest('hex');
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
    }
  }
}
