/**
 * One tarball from source to target (SPEC section 5): into `<path>.part`,
 * resumed with Range/If-Range, retried with backoff on network trouble,
 * verified against the dna while the bytes arrive, then promoted to its final
 * name with its sidecar last. A digest mismatch quarantines the download and
 * starts once more from zero before giving up.
 *
 * The steps are the methods of `Transfer`, in the order they run:
 * `prepare` (the files on disk become one `.part`), `attempt` (one request
 * and what its answer decides: `apply`), `receive` (the body into the
 * `.part`), `verifyAndPromote`. `transferTarball` runs them with p-retry
 * around `attempt`.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import { AltError, md5FromReprDigest, partPathOf, redactUrl, unlinkQuiet, type Dna, type Logger } from '@altbackup/shared';
import type { SuspicionRecord, TransferRecord, TransferResult } from '../ledger/ledger.js';
import { HttpStatusError, classify, shortCause, type RetryPolicy } from '../source/retryPolicy.js';
import { fileUrl, type SourceClient } from '../source/sourceClient.js';
import { describeFailure, isRetryable } from '../source/sourceFailure.js';
import type { Throttle } from './bandwidth.js';
import type { ConnectionSlots } from './connectionSlots.js';
import { PartFile } from './part/partFile.js';
import { PartMetaWriter, removePartMeta } from './part/partMeta.js';
import type { PlanItem, Replacement } from './plan.js';
import { promote, quarantine, setAside } from './promote.js';
import { decide, rangeHeaders, type Decision } from './rangeAnswer.js';
import { bytesIn, contiguousPrefix, mergeRanges, type ByteRange } from './segments/ranges.js';
import { SegmentedFetch } from './segments/segmentedFetch.js';

export interface TransferContext {
  root: string;
  client: SourceClient;
  log: Logger;
  throttle: Throttle;
  /** Aborted by the run deadline or a signal: the `.part` stays for the next run. */
  signal: AbortSignal;
  retry: RetryPolicy;
  /** Bytes between saved hash states (`target.checkpoint`). */
  checkpointEvery: number;
  /** Connections per file (`target.streams`) for files of at least `streamMinSize` bytes. */
  streams: number;
  streamMinSize: number;
  /** A first stream at least this fast (bytes/s) over `streamProbeMs` keeps the file to itself; 0: every stream at once. */
  oneStreamRate: number;
  streamProbeMs: number;
  /** The run's cap on connections to the source: a file's extra streams take from it. */
  slots: ConnectionSlots;
  onProgress?: (path: string, held: number, total: number) => void;
  onDigest?: (d: DigestComparison) => void;
  /** The copy under the final name went aside (to `dest`) before the download. */
  onSetAside?: (path: string, dest: string, r: Replacement) => void;
}

/** The MD5 of a finished download against the dna it must match. */
export interface DigestComparison {
  path: string;
  expected: Dna;
  actual: Dna;
  ok: boolean;
}

/** What one transfer did: the ledger's row (its size and md5 as the dna), and what was kept aside. */
export interface TransferOutcome extends Omit<TransferRecord, 'size' | 'md5' | 'endedAt'> {
  /** The dna the tarball was verified against (from the source). */
  dna: Dna;
  endedAt: number;
  quarantined: string[];
  /** Where the copy this transfer replaces went, if it replaced one. */
  setAside: string | null;
  /** Set by the run: the new copy is much smaller than its series' last good one. */
  suspicious: SuspicionRecord | null;
}

/** A transfer the run stopped before it began: its bytes on disk wait for the next run. */
export function notStarted(item: PlanItem, why: string, now = Date.now()): TransferOutcome {
  return {
    path: item.entry.path, result: 'aborted', dna: item.entry.dna, etag: null, sourceUrl: null, bytesFetched: 0, resumedFrom: item.offset,
    attempts: 0, startedAt: now, endedAt: now, error: `not started: ${why}`, quarantined: [], setAside: null, suspicious: null,
  };
}

/** Restarts from zero within one attempt: a source that keeps sending unusable ranges is an error, not a loop. */
const MAX_RESTARTS = 3;

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentLengthOf(res: Dispatcher.ResponseData): number | null {
  const v = header(res, 'content-length');
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** An answer's body that is not wanted: read off so the connection can be reused; errors are moot. */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}

class Transfer {
  private readonly item: PlanItem;
  private readonly ctx: TransferContext;
  private readonly path: string;
  private readonly abs: string;
  private readonly partAbs: string;
  private readonly log: Logger;
  /** The dna the bytes must match: the listing's, unless the source sends a new file whole. */
  private expected: Dna;
  /** ETag sent as If-Range: the one the `.part`'s bytes came with; null once they are dropped. */
  private etag: string | null;
  private readonly meta: PartMetaWriter;
  /** The open `.part`; a fresh one after a quarantine. Set by `prepare`. */
  private part: PartFile | null = null;
  /** The attempt in flight: p-retry settles as soon as the signal aborts, while an attempt may still write. */
  private running: Promise<void> = Promise.resolve();
  /**
   * Whether the file comes in segments over several streams: a large file
   * when `streams` > 1, and any `.part` a segmented run left (its meta
   * lists the ranges held), whatever `streams` says now.
   */
  private readonly segmented: boolean;
  /** The segmented download in progress; its ranges go into `.part.meta`. */
  private segments: SegmentedFetch | null = null;
  /** Filled in as the transfer goes; returned at the end whatever happened. */
  private readonly out: TransferOutcome;

  constructor(item: PlanItem, ctx: TransferContext) {
    this.item = item;
    this.ctx = ctx;
    this.path = item.entry.path;
    this.abs = join(ctx.root, this.path);
    this.partAbs = partPathOf(this.abs);
    this.log = ctx.log.child({ path: this.path });
    this.expected = { ...item.entry.dna };
    this.etag = item.action === 'resume' ? item.ifRange : null;
    this.meta = new PartMetaWriter(this.partAbs);
    this.segmented = item.ranges !== null || (ctx.streams > 1 && item.entry.size >= ctx.streamMinSize);
    const now = Date.now();
    this.out = {
      path: this.path, result: 'failed', dna: { ...item.entry.dna }, etag: item.ifRange, sourceUrl: null, bytesFetched: 0,
      resumedFrom: 0, attempts: 0, startedAt: now, endedAt: now, error: null, quarantined: [], setAside: null, suspicious: null,
    };
  }

  private get pf(): PartFile {
    return this.part!;
  }

  async run(): Promise<TransferOutcome> {
    try {
      await this.prepare();
      for (let round = 0; ; round++) {
        if (this.segmented) await (this.running = this.fetchSegments(round === 0 ? this.heldRanges() : []));
        else await this.fetchOneStream();
        if (await this.verifyAndPromote()) return this.finish('ok', null);
        if (round >= 1) {
          return this.finish('mismatch', `digest mismatch twice (expected md5 ${this.expected.dig}); downloads kept in ${dirname(this.out.quarantined.at(-1)!)}: check the source's copy and its sidecar`);
        }
        this.meta.forget();
        this.part = await this.openPart(true);
        this.etag = null;
      }
    } catch (e) {
      await this.running.catch(() => undefined);
      // A segmented `.part`'s length does not say what it holds: its ranges are saved for the next run.
      if (this.segments) await this.part?.saveState().catch(() => undefined);
      await this.part?.close().catch(() => undefined);
      const held = this.segments?.held ?? this.part?.length ?? 0;
      if (this.ctx.signal.aborted) return this.finish('aborted', `stopped at ${held} of ${this.expected.size} bytes: ${shortCause(this.ctx.signal.reason)}`);
      return this.finish('failed', describeFailure(e, this.out.sourceUrl ?? this.path));
    }
  }

  /** One stream, from the end of the `.part`, retried with backoff. */
  private async fetchOneStream(): Promise<void> {
    await pRetry(() => (this.running = this.attempt()), {
      ...this.ctx.retry,
      shouldRetry: (e) => isRetryable(e, this.ctx.signal),
      onFailedAttempt: (e) => {
        if (this.ctx.signal.aborted) return;
        const more = isRetryable(e, this.ctx.signal) && e.retriesLeft > 0;
        this.log.warn({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft, cause: shortCause(e) },
          `${this.path}: attempt ${e.attemptNumber} failed (${shortCause(e)}) at ${this.pf.length} of ${this.expected.size} bytes${more ? `; retrying (${e.retriesLeft} left)` : ''}`);
      },
    });
  }

  /** What the `.part` holds as ranges: a segmented run's list, or the whole file of a one-stream run. */
  private heldRanges(): ByteRange[] {
    if (this.item.ranges) return this.item.ranges;
    return this.item.offset > 0 ? [[0, this.item.offset]] : [];
  }

  /** The missing ranges over several streams; each failed piece is retried alone (segmentedFetch.ts). */
  private async fetchSegments(held: ByteRange[]): Promise<void> {
    this.out.attempts++;
    const prefix = this.pf.length;
    this.segments = new SegmentedFetch({
      path: this.path, client: this.ctx.client, log: this.log, throttle: this.ctx.throttle, signal: this.ctx.signal, retry: this.ctx.retry,
      streams: this.ctx.streams, oneStreamRate: this.ctx.oneStreamRate, probeMs: this.ctx.streamProbeMs, slots: this.ctx.slots, expected: this.expected, etag: this.etag, part: this.pf, meta: this.meta,
      onDisk: held.filter(([, end]) => end > prefix),
      report: {
        bytes: (n) => (this.out.bytesFetched += n),
        retried: () => this.out.attempts++,
        answered: (url, etag) => {
          this.out.sourceUrl = url;
          this.out.etag = etag;
        },
        progress: (h, total) => this.ctx.onProgress?.(this.path, h, total),
      },
    });
    await this.segments.run();
  }

  /** The files on disk become one `.part` to continue or to fill from zero. */
  private async prepare(): Promise<void> {
    await mkdir(dirname(this.abs), { recursive: true });
    if (this.item.resumeFrom === 'final') {
      // An old interrupted copy under the final name: from here on it is a
      // `.part`, so the final name again only ever holds a verified tarball.
      await removePartMeta(this.partAbs);
      await rename(this.abs, this.partAbs);
    } else if (this.item.replaces) {
      // The copy this download replaces is never overwritten in place: it goes aside first.
      const dest = await setAside(this.ctx.root, this.path, this.item.replaces.aside);
      this.out.setAside = dest;
      this.ctx.onSetAside?.(this.path, dest, this.item.replaces);
    } else {
      // A final name without sidecar that is not being continued holds nothing worth keeping.
      await unlinkQuiet(this.abs);
    }
    this.part = await this.openPart(this.item.action === 'fetch');
    this.out.resumedFrom = this.segmented ? bytesIn(this.heldRanges()) : this.pf.length;
    if (this.out.resumedFrom > 0) {
      this.log.info({ offset: this.out.resumedFrom, size: this.expected.size, rehashed: this.pf.rehashed },
        this.segmented
          ? `${this.path}: resuming with ${this.out.resumedFrom} of ${this.expected.size} bytes held in ${this.heldRanges().length} range(s) (${this.pf.rehashed} read back to hash)`
          : `${this.path}: resuming at ${this.pf.length} of ${this.expected.size} bytes (${this.pf.rehashed} read back to hash)`);
    }
  }

  private openPart(fresh: boolean): Promise<PartFile> {
    return PartFile.open(this.partAbs, {
      fresh,
      checkpoint: fresh ? null : this.item.checkpoint,
      checkpointEvery: this.ctx.checkpointEvery,
      ...(this.segmented ? {
        contiguous: fresh ? 0 : contiguousPrefix(this.heldRanges()),
        snapshot: () => this.segments?.durable(this.pf.written) ?? mergeRanges([[0, this.pf.written]]),
      } : {}),
      onCheckpoint: async (cp, snap) => {
        try {
          await this.meta.checkpoint(cp, snap as ByteRange[] | undefined);
        } catch (e) {
          if (cp) this.log.warn({ err: e }, `${this.path}: could not save the hash checkpoint (${(e as Error).message}); a resume would read the .part back`);
          throw e;
        }
      },
    });
  }

  /** One request, and what its answer decides; restarts from zero stay inside the attempt. */
  private async attempt(): Promise<void> {
    this.ctx.signal.throwIfAborted();
    this.out.attempts++;
    for (let restarts = 0; ; restarts++) {
      await this.pf.flush();
      const offset = this.pf.length;
      const { source, url, res } = await this.ctx.client.send((s) => fileUrl(s, this.path), rangeHeaders(offset, this.etag), this.ctx.signal);
      this.out.sourceUrl = redactUrl(url);
      const md5 = md5FromReprDigest(header(res, 'repr-digest'));
      const d = decide(
        { status: res.statusCode, contentRange: header(res, 'content-range'), etag: header(res, 'etag'), md5, contentLength: contentLengthOf(res) },
        { offset, etag: this.etag, size: this.expected.size, dig: this.expected.dig },
      );
      if ((await this.apply(d, res, source, url)) === 'again') {
        if (restarts >= MAX_RESTARTS) throw new AbortError(new AltError('source-unusable', `the source keeps answering unusably (${(d as { reason: string }).reason}): check the source server`));
        continue;
      }
      if (this.pf.length < this.expected.size) throw new AltError('short-body', `body ended at ${this.pf.length} of ${this.expected.size} bytes`);
      return;
    }
  }

  /** Acts on one decision: 'again' asks once more from zero, 'done' means the body was taken (or nothing is left). */
  private async apply(d: Decision, res: Dispatcher.ResponseData, source: string, url: string): Promise<'done' | 'again'> {
    const etag = header(res, 'etag') ?? null;
    switch (d.kind) {
      case 'status': {
        await discard(res.body);
        const err = HttpStatusError.of(res, redactUrl(url));
        throw classify(err) === 'fatal' ? new AbortError(err) : err;
      }
      case 'refuse':
        await discard(res.body);
        throw new AbortError(new AltError('source-unusable', d.reason));
      case 'restart':
        await discard(res.body);
        this.log.warn({ reason: d.reason }, `${this.path}: ${d.reason}; starting over from zero`);
        await this.pf.truncate();
        this.etag = null;
        return 'again';
      case 'complete':
        await discard(res.body);
        return 'done';
      case 'whole':
        if (d.reason) this.log.warn({ offset: this.pf.length }, `${this.path}: ${d.reason}; starting over from zero`);
        await this.pf.truncate();
        await this.identify(etag, source);
        await this.receive(res.body, 0);
        return 'done';
      case 'append':
        await this.identify(etag ?? this.etag, source);
        await this.receive(res.body, d.skip);
        return 'done';
    }
  }

  /** The ETag the bytes now come with: sent as If-Range from here on, and recorded in `.part.meta`. */
  private async identify(etag: string | null, source: string): Promise<void> {
    this.etag = etag;
    this.out.etag = etag;
    if (etag !== null) await this.meta.identify({ etag, size: this.expected.size, dig: this.expected.dig, source }, this.pf.checkpoint);
  }

  /**
   * The body into the `.part`, after dropping `skip` leading bytes it already
   * holds. The file never grows past the promised size: once it is reached
   * the rest of the body, if any, is not read (whatever the Content-Length
   * said, or none), and the digest decides.
   */
  private async receive(body: Dispatcher.ResponseData['body'], skip: number): Promise<void> {
    let toSkip = skip;
    try {
      for await (const raw of body) {
        if (this.pf.length >= this.expected.size) break;
        let chunk = raw as Buffer;
        this.out.bytesFetched += chunk.length;
        if (toSkip > 0) {
          const n = Math.min(toSkip, chunk.length);
          toSkip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) continue;
        }
        if (this.pf.length + chunk.length > this.expected.size) chunk = chunk.subarray(0, this.expected.size - this.pf.length);
        await this.ctx.throttle.take(chunk.length, this.ctx.signal);
        await this.pf.append(chunk);
        this.ctx.onProgress?.(this.path, this.pf.length, this.expected.size);
      }
    } finally {
      await this.pf.flush();
    }
  }

  /** True once the verified `.part` is the final name; false after a mismatch, the download quarantined. */
  private async verifyAndPromote(): Promise<boolean> {
    const actual = { dig: await this.pf.digest(), size: this.pf.length };
    const ok = actual.size === this.expected.size && actual.dig === this.expected.dig;
    this.ctx.onDigest?.({ path: this.path, expected: this.expected, actual, ok });
    if (ok) {
      await this.pf.sync();
      await this.pf.close();
      await promote(this.abs, this.expected);
      return true;
    }
    await this.pf.close();
    const dest = await quarantine(this.ctx.root, this.path, this.partAbs);
    this.out.quarantined.push(dest);
    this.log.warn({ expected: this.expected, actual, quarantined: dest },
      `${this.path}: digest mismatch (got md5 ${actual.dig} size ${actual.size}, expected md5 ${this.expected.dig} size ${this.expected.size}); kept aside as ${dest}`);
    return false;
  }

  private finish(result: TransferResult, error: string | null): TransferOutcome {
    this.out.result = result;
    this.out.error = error;
    this.out.endedAt = Date.now();
    return this.out;
  }
}

export function transferTarball(item: PlanItem, ctx: TransferContext): Promise<TransferOutcome> {
  return new Transfer(item, ctx).run();
}
