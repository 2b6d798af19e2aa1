/**
 * One tarball from source to target (SPEC section 5): into `<path>.part`,
 * resumed with Range/If-Range, retried with backoff on network trouble,
 * verified against the dna while the bytes arrive, then promoted to its final
 * name with its sidecar last. A digest mismatch quarantines the download and
 * starts once more from zero before giving up.
 */
import { mkdir, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import { AltError, md5FromReprDigest, partPathOf, redactUrl, type Dna, type Logger } from '@altbackup/shared';
import type { Throttle } from './bandwidth.js';
import { fsyncDir, metaPathOf, promote, quarantine, unlinkQuiet, writeMeta } from './promote.js';
import type { TransferRecord } from '../ledger/ledger.js';
import { PartFile } from './part/partFile.js';
import type { PartCheckpoint } from './part/partCheckpoint.js';
import { describeFailure, isRetryable } from '../source/sourceFailure.js';
import type { PartMeta, PlanItem } from './plan.js';
import { decide, rangeHeaders } from './rangeAnswer.js';
import { HttpStatusError, classify, shortCause, type RetryPolicy } from '../source/retryPolicy.js';
import { fileUrl, type SourceClient } from '../source/sourceClient.js';

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
  onProgress?: (path: string, held: number, total: number) => void;
  onVerified?: (v: Verification) => void;
}

export interface Verification {
  path: string;
  expected: Dna;
  actual: Dna;
  ok: boolean;
}

export type TransferResult = TransferRecord['result'];

/** What the ledger records of a transfer, with the dna in place of its size and md5. */
export interface TransferOutcome extends Omit<TransferRecord, 'size' | 'md5' | 'endedAt'> {
  /** The dna the tarball was verified against (from the source). */
  dna: Dna;
  endedAt: number;
  quarantined: string[];
}

/** A body that ended before the file did: the next attempt resumes where it stopped. */
class ShortBody extends Error {
  constructor(held: number, size: number) {
    super(`body ended at ${held} of ${size} bytes`);
    this.name = 'ShortBody';
  }
}

function header(res: Dispatcher.ResponseData, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Restarts per attempt: a source that keeps sending unusable ranges is an error, not a loop. */
const MAX_RESTARTS = 3;

export async function transferTarball(item: PlanItem, ctx: TransferContext): Promise<TransferOutcome> {
  const { entry } = item;
  const { path } = entry;
  const abs = join(ctx.root, path);
  const partAbs = partPathOf(abs);
  const log = ctx.log.child({ path });
  const startedAt = Date.now();
  const out: TransferOutcome = {
    path, result: 'failed', dna: { ...entry.dna }, etag: item.ifRange, sourceUrl: null, bytesFetched: 0,
    resumedFrom: 0, attempts: 0, startedAt, endedAt: startedAt, error: null, quarantined: [],
  };
  let expected: Dna = { ...entry.dna };
  let etag: string | null = item.action === 'resume' ? item.ifRange : null;

  await mkdir(dirname(abs), { recursive: true });
  if (item.resumeFrom === 'final') {
    // An old interrupted copy under the final name: from here on it is a
    // `.part`, so the final name again only ever holds a verified tarball.
    // A `.part.meta` beside it described the `.part` this replaces.
    await unlinkQuiet(metaPathOf(partAbs));
    await rename(abs, partAbs);
  } else if (item.conflict === null) {
    // A final name without sidecar that is not being continued holds nothing worth keeping.
    await unlinkQuiet(abs);
  }

  // What `.part.meta` holds: written when the file's identity is known, then
  // again at each hash checkpoint; the writes run one after another. A fresh
  // open withdraws the checkpoint first, which, with no meta written yet,
  // removes an older run's `.part.meta` (durably).
  let meta: PartMeta | null = null;
  let metaWrites: Promise<void> = Promise.resolve();
  const saveMeta = (next: PartMeta | null): Promise<void> => {
    meta = next;
    // One failed write must not fail every later one.
    metaWrites = metaWrites.catch(() => undefined).then(() => (next ? writeMeta(partAbs, next) : unlinkQuiet(metaPathOf(partAbs)).then(() => undefined)));
    return metaWrites;
  };
  const onCheckpoint = async (cp: PartCheckpoint | null): Promise<void> => {
    if (cp === null) {
      // Withdrawn durably before the file is emptied.
      await saveMeta(meta && { ...meta, hashed: null });
      await fsyncDir(dirname(partAbs));
      return;
    }
    if (!meta) return;
    try {
      await saveMeta({ ...meta, hashed: cp });
    } catch (e) {
      log.warn({ err: e }, `${path}: could not save the hash checkpoint (${(e as Error).message}); a resume would read the .part back`);
      throw e;
    }
  };
  const openPart = (fresh: boolean) => PartFile.open(partAbs, { fresh, checkpoint: fresh ? null : item.checkpoint, onCheckpoint, checkpointEvery: ctx.checkpointEvery });

  let pf = await openPart(item.action === 'fetch');
  out.resumedFrom = pf.length;
  if (pf.length > 0) {
    log.info({ offset: pf.length, size: entry.size, rehashed: pf.rehashed }, `${path}: resuming at ${pf.length} of ${entry.size} bytes (${pf.rehashed} read back to hash)`);
  }

  const recordIdentity = async (newEtag: string | null, source: string) => {
    etag = newEtag;
    out.etag = newEtag;
    if (newEtag === null || newEtag === meta?.etag) return;
    await saveMeta({ etag: newEtag, size: expected.size, dig: expected.dig, source: redactUrl(source), startedAt: new Date().toISOString(), hashed: pf.checkpoint });
  };

  const receive = async (body: Dispatcher.ResponseData['body'], skip: number) => {
    let toSkip = skip;
    try {
      for await (const raw of body) {
        let chunk = raw as Buffer;
        out.bytesFetched += chunk.length;
        if (toSkip > 0) {
          const n = Math.min(toSkip, chunk.length);
          toSkip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) continue;
        }
        if (pf.length + chunk.length > expected.size) {
          throw new AltError('overflow', `source sent more than the ${expected.size} bytes of ${path}`);
        }
        await ctx.throttle.take(chunk.length, ctx.signal);
        await pf.append(chunk);
        ctx.onProgress?.(path, pf.length, expected.size);
      }
    } finally {
      await pf.flush();
    }
  };

  const attempt = async (): Promise<void> => {
    ctx.signal.throwIfAborted();
    out.attempts++;
    for (let restarts = 0; ; restarts++) {
      await pf.flush();
      const offset = pf.length;
      const { source, url, res } = await ctx.client.send((s) => fileUrl(s, path), rangeHeaders(offset, etag), ctx.signal);
      out.sourceUrl = redactUrl(url);
      const resEtag = header(res, 'etag');
      const resMd5 = md5FromReprDigest(header(res, 'repr-digest'));
      const d = decide({ status: res.statusCode, contentRange: header(res, 'content-range'), etag: resEtag, md5: resMd5 }, { offset, etag, size: expected.size, dig: expected.dig });
      switch (d.kind) {
        case 'status': {
          await res.body.dump().catch(() => undefined);
          const err = new HttpStatusError(res.statusCode, redactUrl(url));
          if (classify(err) === 'fatal') throw new AbortError(err);
          throw err;
        }
        case 'restart':
          res.body.destroy();
          if (restarts >= MAX_RESTARTS) throw new Error(`source keeps answering unusably: ${d.reason}`);
          log.warn({ reason: d.reason }, `${path}: ${d.reason}; starting over from zero`);
          await pf.truncate();
          etag = null;
          continue;
        case 'complete':
          await res.body.dump().catch(() => undefined);
          return;
        case 'whole': {
          if (d.reason) log.warn({ offset }, `${path}: ${d.reason}; starting over from zero`);
          await pf.truncate();
          const length = Number(header(res, 'content-length'));
          if (resMd5 && Number.isSafeInteger(length) && (resMd5 !== expected.dig || length !== expected.size)) {
            log.warn({ etag: resEtag }, `${path}: the source now has md5 ${resMd5} size ${length} (listed md5 ${expected.dig} size ${expected.size}); fetching the new file`);
            expected = { dig: resMd5, size: length };
            out.dna = expected;
          }
          await recordIdentity(resEtag ?? null, source);
          await receive(res.body, 0);
          break;
        }
        case 'append':
          await recordIdentity(resEtag ?? etag, source);
          await receive(res.body, d.skip);
          break;
      }
      if (pf.length < expected.size) throw new ShortBody(pf.length, expected.size);
      return;
    }
  };

  // p-retry settles as soon as the signal aborts, while an attempt may still
  // be writing: the .part is closed only once that attempt has settled too.
  let running: Promise<void> = Promise.resolve();
  const tracked = () => (running = attempt());
  try {
    for (let round = 0; ; round++) {
      await pRetry(tracked, {
        ...ctx.retry,
        shouldRetry: (e) => isRetryable(e, ctx.signal),
        onFailedAttempt: (e) => {
          if (ctx.signal.aborted) return;
          const more = isRetryable(e, ctx.signal) && e.retriesLeft > 0;
          log.warn({ attempt: e.attemptNumber, retriesLeft: e.retriesLeft, cause: shortCause(e) },
            `${path}: attempt ${e.attemptNumber} failed (${shortCause(e)}) at ${pf.length} of ${expected.size} bytes${more ? `; retrying (${e.retriesLeft} left)` : ''}`);
        },
      });
      const md5 = await pf.digest();
      const actual = { dig: md5, size: pf.length };
      const ok = actual.size === expected.size && actual.dig === expected.dig;
      ctx.onVerified?.({ path, expected, actual, ok });
      if (ok) {
        await pf.sync();
        await pf.close();
        await promote(abs, expected);
        out.result = 'ok';
        return finish(out);
      }
      await pf.close();
      const dest = await quarantine(ctx.root, path, partAbs);
      out.quarantined.push(dest);
      log.warn({ expected, actual, quarantined: dest }, `${path}: digest mismatch (got md5 ${actual.dig} size ${actual.size}, expected md5 ${expected.dig} size ${expected.size}); kept aside as ${dest}`);
      if (round >= 1) {
        out.result = 'mismatch';
        out.error = `digest mismatch twice (expected md5 ${expected.dig}); downloads kept in ${dirname(dest)}: check the source's copy and its sidecar`;
        return finish(out);
      }
      pf = await openPart(true);
      etag = null;
    }
  } catch (e) {
    await running.catch(() => undefined);
    await pf.close().catch(() => undefined);
    if (ctx.signal.aborted) {
      out.result = 'aborted';
      out.error = `stopped at ${pf.length} of ${expected.size} bytes: ${shortCause(ctx.signal.reason)}`;
    } else {
      out.result = 'failed';
      out.error = describeFailure(e, out.sourceUrl ?? path);
    }
    return finish(out);
  }
}

function finish(out: TransferOutcome): TransferOutcome {
  out.endedAt = Date.now();
  return out;
}
