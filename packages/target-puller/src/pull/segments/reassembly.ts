/**
 * The bytes of several streams put back in file order for the MD5. Each
 * stream hands over blocks at their offsets: a block at the end of the
 * hashed prefix is appended (written and hashed); a block further on is
 * written at its offset and kept in memory, within a budget, until the prefix
 * reaches it and it is hashed from memory. A block beyond the budget, and
 * any range a previous run left on the disk, is read back from the file
 * when the prefix reaches it: verification costs no second read of bytes
 * that arrive in order, and at most the out-of-order span when they do not.
 */
import type { PartFile } from '../part/partFile.js';
import { bytesIn, mergeRanges, type ByteRange } from './ranges.js';

/** Received past the prefix: hashed from `chunks`, or read back from the disk when they were not kept. */
interface Ahead {
  start: number;
  end: number;
  chunks: Buffer[] | null;
}

export class Reassembly {
  private readonly pf: PartFile;
  private readonly budget: number;
  /** Sorted by start, apart from each other and from the prefix. */
  private ahead: Ahead[] = [];
  private inMemory = 0;
  /** Ranges past the prefix whose writes have finished: what `.part.meta` may claim. */
  private written: ByteRange[] = [];
  /** Hashing runs one range at a time, in order. */
  private advancing: Promise<void> = Promise.resolve();
  private advanceRunning = false;

  /** `onDisk`: ranges past the prefix a previous run wrote (from `.part.meta`). */
  constructor(pf: PartFile, onDisk: readonly ByteRange[], budget: number) {
    this.pf = pf;
    this.budget = budget;
    for (const [start, end] of mergeRanges(onDisk)) {
      if (end <= pf.length) continue;
      const s = Math.max(start, pf.length);
      this.ahead.push({ start: s, end, chunks: null });
      this.written.push([s, end]);
    }
  }

  /** End of the hashed prefix. */
  get prefix(): number {
    return this.pf.length;
  }

  /** Bytes held: the prefix and everything received past it. */
  get held(): number {
    return this.pf.length + this.ahead.reduce((n, a) => n + (a.end - a.start), 0);
  }

  /** The ranges on the disk, as `.part.meta` records them: taken just before a checkpoint's fdatasync. */
  durable(writtenPrefix: number): ByteRange[] {
    return mergeRanges([[0, writtenPrefix], ...this.written]);
  }

  /** Ranges held past the prefix. */
  aheadRanges(): ByteRange[] {
    return this.ahead.map((a) => [a.start, a.end]);
  }

  /** One block of a stream, at its offset in the file. */
  async put(at: number, chunks: Buffer[]): Promise<void> {
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    if (bytes === 0) return;
    if (at === this.pf.length && !this.advanceRunning) {
      for (const c of chunks) await this.pf.append(c);
      this.advance();
      return;
    }
    // Past the budget a block goes to the disk alone and is read back when the prefix reaches it.
    // Never wait for room: the stream at the prefix frees it only as fast as it goes, so a wait
    // held every other stream to that pace (a 2 GiB pull over 4 loopback streams took 197 s
    // instead of 5 with a budget below three pieces).
    const keep = this.inMemory + bytes <= this.budget;
    this.insert({ start: at, end: at + bytes, chunks: keep ? chunks : null });
    if (keep) this.inMemory += bytes;
    await this.pf.writeAhead(at, chunks, () => this.written.push([at, at + bytes]));
    this.advance();
  }

  private insert(a: Ahead): void {
    let i = this.ahead.length;
    while (i > 0 && this.ahead[i - 1]!.start > a.start) i--;
    const before = this.ahead[i - 1];
    // A stream's blocks follow each other: join them so the list stays short.
    if (before && before.end === a.start && (before.chunks === null) === (a.chunks === null)) {
      before.end = a.end;
      if (before.chunks && a.chunks) before.chunks.push(...a.chunks);
      return;
    }
    this.ahead.splice(i, 0, a);
  }

  /** Hashes what now follows the prefix without a gap. */
  private advance(): void {
    if (this.advanceRunning) return;
    const next = this.ahead[0];
    if (!next || next.start !== this.pf.length) return;
    this.advanceRunning = true;
    this.advancing = (async () => {
      try {
        for (let a = this.ahead[0]; a && a.start === this.pf.length; a = this.ahead[0]) {
          this.ahead.shift();
          if (a.chunks) {
            this.inMemory -= bytesIn([[a.start, a.end]]);
            await this.pf.adopt(a.chunks);
          } else {
            await this.pf.adoptFromDisk(a.end);
          }
        }
      } finally {
        this.advanceRunning = false;
      }
    })();
    // A failure surfaces at `settle`.
    this.advancing.catch(() => undefined);
  }

  /** Waits until everything that follows the prefix without a gap is hashed. */
  async settle(): Promise<void> {
    for (;;) {
      await this.advancing;
      const next = this.ahead[0];
      if (!next || next.start !== this.pf.length) return;
      this.advance();
    }
  }

  /** Forgets everything past the prefix: the file is being emptied. */
  reset(): void {
    this.ahead = [];
    this.inMemory = 0;
    this.written = [];
  }
}
