/**
 * A running MD5 on a thread of its own whose state can be saved, so a
 * download cut at 60% resumes its digest from a checkpoint instead of
 * reading back and hashing the 60% on disk. The MD5 is OpenSSL's through a
 * small addon (native/md5state.c): Node's crypto cannot export a hash's
 * state, and a WebAssembly MD5 that can was 25% slower here.
 *
 * Buffers are hashed in the order given, without a copy, on a thread that
 * does not wait for the main thread between buffers. This class keeps each
 * buffer referenced until the thread reports it hashed; the caller must not
 * change a buffer until `pending` no longer counts it.
 */
import { createRequire } from 'node:module';
import { AltError } from '@altbackup/shared';

interface Native {
  create(onProgress: (hashed: number) => void): object;
  push(h: object, buffers: Buffer[]): void;
  digest(h: object): Buffer;
  save(h: object): { offset: number; words: Buffer };
  restore(h: object, offset: number, words: Buffer): void;
  close(h: object): void;
}

/** The MD5 of a file's first `offset` bytes, as MD5's internal state (not a digest). */
export interface Md5Checkpoint {
  /** A multiple of 64 (MD5's block). */
  offset: number;
  /** The four state words A B C D, little-endian, as 32 hex digits. */
  state: string;
}

let loaded: Native | null = null;

function native(): Native {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('../../../build/Release/md5state.node') as Native;
  } catch (e) {
    throw new AltError('install', `the MD5 addon of @altbackup/target-puller is not built (${(e as Error).message.split('\n')[0]}); run "npm rebuild @altbackup/target-puller" (needs a C compiler, as better-sqlite3 does)`);
  }
  return loaded;
}

/** Whether a value read back from disk is a checkpoint this module wrote. */
export function isCheckpoint(v: unknown): v is Md5Checkpoint {
  const c = v as Md5Checkpoint | null;
  return typeof c === 'object' && c !== null && Number.isSafeInteger(c.offset) && c.offset >= 0 && c.offset % 64 === 0 &&
    typeof c.state === 'string' && /^[0-9a-f]{32}$/.test(c.state);
}

export class ResumableMd5 {
  private readonly md5 = native();
  private readonly h: object;
  /** Bytes given, and bytes hashed, the checkpoint's offset included in both. */
  private given: number;
  private done: number;
  /** Buffers given and not yet hashed, with the count of bytes given at their end. */
  private held: { end: number; buffers: Buffer[] }[] = [];
  private waiters: (() => void)[] = [];
  private closed = false;

  /** An empty MD5, or one continuing after `from.offset` bytes. */
  constructor(from?: Md5Checkpoint) {
    if (from && !isCheckpoint(from)) throw new RangeError(`not an MD5 checkpoint: ${JSON.stringify(from)}`);
    this.h = this.md5.create((hashed) => this.progress(hashed));
    if (from) this.md5.restore(this.h, from.offset, Buffer.from(from.state, 'hex'));
    this.given = this.done = from?.offset ?? 0;
  }

  /** Queues buffers after everything given before. */
  update(buffers: readonly Buffer[]): void {
    this.assertOpen();
    for (const b of buffers) if (!Buffer.isBuffer(b)) throw new TypeError('ResumableMd5.update takes Buffers only');
    const nonEmpty = buffers.filter((b) => b.byteLength > 0);
    if (nonEmpty.length === 0) return;
    this.md5.push(this.h, nonEmpty);
    for (const b of nonEmpty) this.given += b.byteLength;
    this.held.push({ end: this.given, buffers: nonEmpty });
  }

  /** Bytes given and not yet hashed. */
  get pending(): number {
    return this.given - this.done;
  }

  /** Bytes of the input hashed so far. */
  get hashed(): number {
    return this.done;
  }

  /** Resolves when at most `bytes` are pending. */
  async waitBelow(bytes: number): Promise<void> {
    while (this.pending > bytes) {
      if (this.closed) throw new Error('MD5 closed with bytes still queued');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The MD5 of everything given so far, hex; the hash goes on. */
  async digest(): Promise<string> {
    await this.waitBelow(0);
    this.assertOpen();
    return this.md5.digest(this.h).toString('hex');
  }

  /**
   * The state as of the last buffer hashed, without waiting for the rest:
   * it covers the first `offset` bytes, less an unfinished 64-byte block
   * (hashed again from the file on resume).
   */
  save(): Md5Checkpoint {
    this.assertOpen();
    const { offset, words } = this.md5.save(this.h);
    return { offset, state: words.toString('hex') };
  }

  /** Stops the thread; buffers still queued are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.md5.close(this.h);
    this.held = [];
    this.wake();
  }

  /** The native hasher is freed after close: it must not be touched again. */
  private assertOpen(): void {
    if (this.closed) throw new Error('MD5 already closed');
  }

  private progress(hashed: number): void {
    this.done = hashed;
    while (this.held.length > 0 && this.held[0]!.end <= hashed) this.held.shift();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
