/**
 * One file over several connections (SPEC section 5, `target.streams`): the
 * bytes still missing are cut into pieces (ranges.ts), and each stream asks
 * for the next piece in file order with `Range` and `If-Range`, so the
 * hashed prefix follows close behind (reassembly.ts). The first stream's
 * answer identifies the file (its ETag, sent as If-Range by the others, and
 * `.part.meta` marked segmented before any byte lands past a gap); the
 * others start after it, each while a connection slot is free.
 *
 * More streams pay only where one stream is held back by the link: on
 * loopback they cost CPU and memory (out-of-order bytes wait for the MD5)
 * and gain nothing. So unless `oneStreamRate` is 0 the first stream asks for
 * its whole first missing range and is timed for `probeMs`; only if it
 * brings less than `oneStreamRate` is its range cut (ranges.ts splitLead)
 * and the others opened on the rest.
 *
 * A failed piece is retried alone, from the byte it reached, with the run's
 * backoff; the other streams go on. A source that answers a range with the
 * whole file (200, same ETag) has ignored Range: the other streams stop and
 * that one body fills every missing byte, skipping those already held. An
 * answer that shows the file changed, or that cannot be placed, starts the
 * whole file over from zero (a few times at most).
 */
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import { AltError, md5FromReprDigest, redactUrl, type Dna, type Logger } from '@altbackup/shared';
import { HttpStatusError, classify, shortCause, type RetryPolicy } from '../../source/retryPolicy.js';
import { fileUrl, type SourceClient } from '../../source/sourceClient.js';
import { isRetryable } from '../../source/sourceFailure.js';
import type { Throttle } from '../bandwidth.js';
import type { ConnectionSlots } from '../connectionSlots.js';
import type { PartFile } from '../part/partFile.js';
import type { PartMetaWriter } from '../part/partMeta.js';
import { decide } from '../rangeAnswer.js';
import { leadPieces, missingRanges, pieceSizeFor, piecesOf, splitLead, type ByteRange } from './ranges.js';
import { Reassembly } from './reassembly.js';

export interface SegmentedFetchOptions {
  path: string;
  client: SourceClient;
  log: Logger;
  throttle: Throttle;
  signal: AbortSignal;
  retry: RetryPolicy;
  /** Streams wanted for this file; fewer when the connection cap is reached. */
  streams: number;
  /** Bytes/s of the first stream over `probeMs` at which it keeps the file to itself; 0: every stream at once. */
  oneStreamRate: number;
  probeMs: number;
  slots: ConnectionSlots;
  expected: Dna;
  /** ETag the held bytes came with (sent as If-Range); null for a fresh download. */
  etag: string | null;
  part: PartFile;
  meta: PartMetaWriter;
  /** Bytes a previous run left on the disk past the hashed prefix. */
  onDisk: readonly ByteRange[];
  /** Counters and facts for the transfer's ledger row. */
  report: {
    bytes(n: number): void;
    retried(): void;
    answered(url: string, etag: string | null): void;
    progress(held: number, total: number): void;
  };
}

/** A piece a stream works on: `at` is how far it got. */
interface Piece {
  start: number;
  at: number;
  end: number;
}

/** Blocks handed to the reassembly: big enough for few writes, small enough for the prefix to follow closely. */
const BLOCK = 1 << 20;
/**
 * Most bytes kept in memory past the hashed prefix, per file; beyond it they
 * are read back from the disk (the page cache, as a rule). 128 MiB made a
 * 2 GiB pull over 4 loopback streams peak at 320 MB RSS, 32 MiB at 245 MB
 * and about 10% slower; on a thin link the read-back costs nothing that shows.
 */
const AHEAD_BUDGET = 32 << 20;
const MAX_RESTARTS = 3;
/**
 * Windows the first stream is timed over, the best counting: a stream's
 * first moments on a loaded machine (fresh pages, the disk still writing
 * back the last file) can be far slower than the link.
 */
const PROBES = 3;

/** The file changed or an answer could not be placed: everything starts over from zero. */
class Restart extends Error {}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentLengthOf(res: Dispatcher.ResponseData): number | null {
  const n = Number(header(res, 'content-length') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** One stream: its own stop, so a fallback to one stream can end the others. */
interface Stream {
  stop: AbortController;
  /** The run's signal and `stop`. */
  signal: AbortSignal;
  done: Promise<void>;
}

export class SegmentedFetch {
  private readonly o: SegmentedFetchOptions;
  private readonly size: number;
  private readonly pieceSize: number;
  private reasm: Reassembly;
  private etag: string | null;
  /** Pieces not taken yet, in file order. */
  private queue: Piece[] = [];
  private streams: Stream[] = [];
  private failure: unknown = null;
  /** False once the source answered a range with the whole file; `owner` is the stream that takes it. */
  private ranged = true;
  private owner: AbortSignal | null = null;
  private identified = false;
  /** Body bytes received by every stream, for timing the first one. */
  private received = 0;
  /** Only the first stream appends, nothing lies past the prefix: `.part.meta`'s `tail` (partMeta.ts step 4). */
  private alone = false;

  constructor(o: SegmentedFetchOptions) {
    this.o = o;
    this.size = o.expected.size;
    this.pieceSize = pieceSizeFor(this.size, o.streams);
    this.etag = o.etag;
    this.reasm = new Reassembly(o.part, o.onDisk, Math.min(AHEAD_BUDGET, Math.max(0, o.streams - 1) * this.pieceSize));
  }

  /** Bytes held: the hashed prefix and what lies past it. */
  get held(): number {
    return this.reasm.held;
  }

  /** The ranges on the disk now (`.part.meta`'s `held`), given how far the prefix is written. */
  durable(writtenPrefix: number): ByteRange[] {
    return this.reasm.durable(writtenPrefix);
  }

  async run(): Promise<void> {
    for (let restarts = 0; ; restarts++) {
      try {
        await this.round();
        return;
      } catch (e) {
        if (!(e instanceof Restart)) throw e;
        if (restarts >= MAX_RESTARTS) throw new AbortError(new AltError('source-unusable', `the source keeps answering unusably (${e.message}): check the source server`));
        this.o.log.warn({ reason: e.message }, `${this.o.path}: ${e.message}; starting over from zero`);
        await this.o.part.truncate();
        this.reasm.reset();
        this.etag = null;
        this.identified = false;
        this.ranged = true;
        this.owner = null;
        this.failure = null;
      }
    }
  }

  private async round(): Promise<void> {
    const held: ByteRange[] = [[0, this.reasm.prefix], ...this.reasm.aheadRanges()];
    const missing = missingRanges(this.size, held);
    const timed = this.o.streams > 1 && this.o.oneStreamRate > 0;
    this.alone = timed && held.length === 1;
    this.queue = (timed ? leadPieces(missing, this.pieceSize) : piecesOf(missing, this.pieceSize)).map(([start, end]) => ({ start, at: start, end }));
    if (this.queue.length > 0) {
      const lead = this.queue[0]!;
      let identified!: () => void;
      const first = new Promise<void>((resolve) => (identified = resolve));
      this.streams = [];
      const leader = this.start(identified);
      await first;
      const share = !timed || (await this.shareLead(lead, leader));
      // Without an ETag there is no If-Range to keep the streams on one version, nor a meta to record the ranges in.
      for (let i = 1; share && i < this.o.streams && this.etag !== null && this.ranged && this.failure === null && this.queue.length > 0; i++) {
        if (!this.o.slots.tryTake()) break;
        void this.start(() => undefined).done.finally(() => this.o.slots.release());
      }
      await Promise.all(this.streams.map((s) => s.done));
      if (this.failure !== null) throw this.failure;
    }
    await this.reasm.settle();
    if (this.reasm.prefix < this.size) throw new AltError('short-body', `the streams ended at ${this.reasm.prefix} of ${this.size} bytes`);
  }

  /**
   * Times the first stream after its first answer, over up to PROBES
   * windows of `probeMs`; if none reaches `oneStreamRate`, cuts its piece so
   * the others share the rest. False when the first stream keeps the file
   * (fast enough, or done).
   */
  private async shareLead(lead: Piece, leader: Stream): Promise<boolean> {
    if (this.etag === null || !this.ranged || this.failure !== null) return false;
    // A resumed `.part` is read back and hashed first; until then that, not the link, holds the stream back.
    await Promise.race([this.o.part.readBackDone, leader.done]);
    let rate = 0;
    for (let w = 0; w < PROBES && rate < this.o.oneStreamRate; w++) {
      const t0 = performance.now();
      const b0 = this.received;
      let timer: NodeJS.Timeout | undefined;
      const probe = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.o.probeMs)));
      const more = await Promise.race([probe, leader.done.then(() => false)]);
      clearTimeout(timer);
      rate = Math.max(rate, (this.received - b0) / Math.max(1e-3, (performance.now() - t0) / 1000));
      if (!more) break;
    }
    if (rate >= this.o.oneStreamRate) {
      this.o.log.debug({ rate: Math.round(rate) }, `${this.o.path}: one stream brings ${(rate / 1e6).toFixed(0)} MB/s: no more streams`);
      return false;
    }
    // The lead's receiver may hold up to a block past `at` and a chunk more: the cut stays beyond both.
    const cut = lead.at < lead.end ? splitLead(lead.at, lead.end, this.pieceSize, 4 * BLOCK) : null;
    if (cut) {
      this.alone = false;
      await this.o.meta.endTail();
      lead.end = cut.end;
      this.queue.unshift(...cut.rest.map(([start, end]) => ({ start, at: start, end })));
    }
    this.o.log.debug({ rate: Math.round(rate) }, `${this.o.path}: one stream brings ${(rate / 1e6).toFixed(1)} MB/s: opening more`);
    return this.queue.length > 0;
  }

  /** Starts a stream; `identified` runs once its first answer is in (or it ended without one). */
  private start(identified: () => void): Stream {
    const stop = new AbortController();
    const signal = AbortSignal.any([this.o.signal, stop.signal]);
    const s: Stream = { stop, signal, done: this.work(signal, identified).finally(identified) };
    this.streams.push(s);
    return s;
  }

  private fail(e: unknown): void {
    if (this.failure === null) this.failure = e;
    for (const s of this.streams) s.stop.abort(e);
  }

  /** Takes pieces until none is left; never rejects (a failure ends every stream). */
  private async work(signal: AbortSignal, identified: () => void): Promise<void> {
    while (this.failure === null) {
      if (!this.ranged && this.owner !== signal) return;
      const piece = this.queue.shift();
      if (!piece) return;
      // p-retry settles as soon as the signal aborts, while an attempt may still be writing: it is waited for.
      let attempt: Promise<void> = Promise.resolve();
      try {
        await pRetry(() => (attempt = this.fetch(piece, signal, identified)), {
          ...this.o.retry,
          signal,
          shouldRetry: (e) => isRetryable(e, signal),
          onFailedAttempt: (e) => {
            if (signal.aborted) return;
            const more = isRetryable(e, signal) && e.retriesLeft > 0;
            if (more) this.o.report.retried();
            this.o.log.warn({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft, cause: shortCause(e), range: [piece.start, piece.end] },
              `${this.o.path}: bytes ${piece.start}-${piece.end - 1}: attempt ${e.attemptNumber} failed (${shortCause(e)}) at ${piece.at}${more ? `; retrying (${e.retriesLeft} left)` : ''}`);
          },
        });
      } catch (e) {
        await attempt.catch(() => undefined);
        // Stopped because another stream took over the whole file: its piece goes back.
        if (signal.aborted && !this.o.signal.aborted && this.failure === null) {
          this.giveBack(piece);
          return;
        }
        this.fail(e);
        return;
      }
    }
  }

  private giveBack(piece: Piece): void {
    if (piece.at >= piece.end || this.queue.includes(piece)) return;
    let i = 0;
    while (i < this.queue.length && this.queue[i]!.at < piece.at) i++;
    this.queue.splice(i, 0, piece);
  }

  /** One request for what is left of a piece (or, once Range is ignored, for the whole file). */
  private async fetch(piece: Piece, signal: AbortSignal, identified: () => void): Promise<void> {
    signal.throwIfAborted();
    if (!this.ranged) return this.fetchWhole(piece, signal);
    const headers: Record<string, string> = { range: `bytes=${piece.at}-${piece.end - 1}` };
    if (this.etag && !this.etag.startsWith('W/')) headers['if-range'] = this.etag;
    const { source, url, res } = await this.o.client.send((s) => fileUrl(s, this.o.path), headers, signal);
    const etag = header(res, 'etag') ?? null;
    this.o.report.answered(redactUrl(url), etag ?? this.etag);
    const d = decide(
      { status: res.statusCode, contentRange: header(res, 'content-range'), etag: etag ?? undefined, md5: md5FromReprDigest(header(res, 'repr-digest')), contentLength: contentLengthOf(res) },
      { offset: piece.at, etag: this.etag, size: this.size, dig: this.o.expected.dig },
    );
    switch (d.kind) {
      case 'status': {
        await res.body.dump().catch(() => undefined);
        const err = HttpStatusError.of(res, redactUrl(url));
        throw classify(err) === 'fatal' ? new AbortError(err) : err;
      }
      case 'refuse':
        await res.body.dump().catch(() => undefined);
        throw new AbortError(new AltError('source-unusable', d.reason));
      case 'restart':
      case 'complete':
        await res.body.dump().catch(() => undefined);
        throw new AbortError(new Restart(d.kind === 'restart' ? d.reason : `range not satisfiable at ${piece.at}`));
      case 'whole':
        if (this.etag !== null && etag !== null && etag !== this.etag) {
          await res.body.dump().catch(() => undefined);
          throw new AbortError(new Restart(`the file changed on the source (ETag ${this.etag} -> ${etag})`));
        }
        await this.identify(etag, source, identified);
        await this.takeOverWhole(piece, res.body, signal);
        return;
      case 'append':
        await this.identify(etag ?? this.etag, source, identified);
        await this.receive(piece, res.body, d.skip, signal);
        if (piece.at < piece.end) throw new AltError('short-body', `body ended at ${piece.at} of bytes ${piece.start}-${piece.end - 1}`);
    }
  }

  /** The first answer names the file: `.part.meta` says so, marked segmented, before a byte lands past a gap. */
  private async identify(etag: string | null, source: string, identified: () => void): Promise<void> {
    if (!this.identified) {
      this.identified = true;
      this.etag = etag;
      if (etag !== null) {
        await this.o.meta.identify({ etag, size: this.size, dig: this.o.expected.dig, source }, this.o.part.checkpoint, this.durable(this.o.part.written), this.alone);
      }
    }
    identified();
  }

  /** A piece's body, in blocks, to the reassembly; never past the piece's end. */
  private async receive(piece: Piece, body: Dispatcher.ResponseData['body'], skip: number, signal: AbortSignal): Promise<void> {
    let toSkip = skip;
    let block: Buffer[] = [];
    let blockBytes = 0;
    const hand = async () => {
      if (blockBytes === 0) return;
      const at = piece.at;
      const chunks = block;
      piece.at += blockBytes;
      block = [];
      blockBytes = 0;
      await this.reasm.put(at, chunks);
      this.o.report.progress(this.reasm.held, this.size);
    };
    try {
      for await (const raw of body) {
        let chunk = raw as Buffer;
        this.o.report.bytes(chunk.length);
        this.received += chunk.length;
        if (toSkip > 0) {
          const n = Math.min(toSkip, chunk.length);
          toSkip -= n;
          chunk = chunk.subarray(n);
        }
        const room = piece.end - piece.at - blockBytes;
        if (chunk.length > room) chunk = chunk.subarray(0, room);
        if (chunk.length > 0) {
          await this.o.throttle.take(chunk.length, signal);
          block.push(chunk);
          blockBytes += chunk.length;
        }
        if (blockBytes >= BLOCK || piece.at + blockBytes >= piece.end) await hand();
        if (piece.at >= piece.end) break;
      }
    } finally {
      await hand();
    }
  }

  /**
   * The source ignored Range and sent the whole file: the other streams
   * stop (their pieces come back), and this body fills every missing piece.
   */
  private async takeOverWhole(piece: Piece, body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<void> {
    this.giveBack(piece);
    if (this.owner !== null && this.owner !== signal) {
      // Another stream already took the whole file over.
      await body.dump().catch(() => undefined);
      return;
    }
    if (this.owner === null) {
      this.ranged = false;
      this.owner = signal;
      this.o.log.warn(`${this.o.path}: the source answered a range with the whole file (Range ignored): one stream from here, bytes already held are kept`);
      const others = this.streams.filter((s) => s.signal !== signal);
      for (const s of others) s.stop.abort(new Error('one stream takes the whole file over'));
      await Promise.all(others.map((s) => s.done));
    }
    await this.route(body, signal);
  }

  /** Once Range is ignored: one request, whole file, routed into the missing pieces. */
  private async fetchWhole(piece: Piece, signal: AbortSignal): Promise<void> {
    this.giveBack(piece);
    const { url, res } = await this.o.client.send((s) => fileUrl(s, this.o.path), {}, signal);
    const etag = header(res, 'etag') ?? null;
    this.o.report.answered(redactUrl(url), etag ?? this.etag);
    const d = decide(
      { status: res.statusCode, contentRange: header(res, 'content-range'), etag: etag ?? undefined, md5: md5FromReprDigest(header(res, 'repr-digest')), contentLength: contentLengthOf(res) },
      { offset: 0, etag: null, size: this.size, dig: this.o.expected.dig },
    );
    if (d.kind === 'status') {
      await res.body.dump().catch(() => undefined);
      const err = HttpStatusError.of(res, redactUrl(url));
      throw classify(err) === 'fatal' ? new AbortError(err) : err;
    }
    if (d.kind !== 'whole') {
      await res.body.dump().catch(() => undefined);
      throw new AbortError(new AltError('source-unusable', d.kind === 'refuse' ? d.reason : `asked for the whole file, the source answered ${res.statusCode}`));
    }
    if (this.etag !== null && etag !== null && etag !== this.etag) {
      await res.body.dump().catch(() => undefined);
      throw new AbortError(new Restart(`the file changed on the source (ETag ${this.etag} -> ${etag})`));
    }
    await this.route(res.body, signal);
  }

  /** A whole-file body: each byte a missing piece wants goes to it; the rest is read past. */
  private async route(body: Dispatcher.ResponseData['body'], signal: AbortSignal): Promise<void> {
    let pos = 0;
    for await (const raw of body) {
      const chunk = raw as Buffer;
      this.o.report.bytes(chunk.length);
      const end = pos + chunk.length;
      while (this.queue.length > 0 && this.queue[0]!.at < end) {
        const p = this.queue[0]!;
        const from = Math.max(p.at, pos);
        const to = Math.min(p.end, end);
        // Pieces are in file order and the body is read once from byte 0: `from` is always `p.at`.
        if (from >= to || from > p.at) break;
        await this.o.throttle.take(to - from, signal);
        await this.reasm.put(from, [chunk.subarray(from - pos, to - pos)]);
        p.at = to;
        this.o.report.progress(this.reasm.held, this.size);
        if (p.at >= p.end) this.queue.shift();
        else break;
      }
      pos = end;
      if (this.queue.length === 0 || pos >= this.size) break;
    }
    if (this.queue.length > 0) throw new AltError('short-body', `whole-file body ended at ${pos} of ${this.size} bytes`);
  }
}
