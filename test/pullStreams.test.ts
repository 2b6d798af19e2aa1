/**
 * One file over several streams (`--streams`), against the real source
 * server through the fault proxy, which counts every byte it sends: a
 * segmented resume asks only for what is missing, a source that ignores
 * Range falls back to one stream, a piece cut again and again is retried
 * alone while the others finish, and kill -9 mid-file resumes. Every end is
 * a byte-identical file with the source's sidecar.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  assertMirror, bodyRequests, bytesSent, killPullWhen, pull, pullArgs, rigPool, tarballPath, writeSourceTarball,
} from './support/pullFixtures.js';
import { startShapedLink } from './support/shapedLink.js';

const rig = rigPool();
const MiB = 1 << 20;
const A = tarballPath('dybsvn', 'dybsvn-20550.tar.gz');
/** Four streams for any file: the pieces are 1 MiB for the sizes here (ranges.ts pieceSizeFor). */
const STREAMS = ['--streams', '4', '--stream-min-size', '1'];

function rangeOf(q: { range?: string }): [number, number] | null {
  const m = /^bytes=(\d+)-(\d+)$/.exec(q.range ?? '');
  return m ? [Number(m[1]), Number(m[2]) + 1] : null;
}

/** The piece at 1 MiB gets no headers: with FAST's 500 ms header timeout it fails, after the other streams got far. */
function stallSecondPiece(req: { headers: Record<string, unknown> }): { kind: 'stallHeaders' } | undefined {
  return rangeOf({ range: String(req.headers.range ?? '') })?.[0] === MiB ? { kind: 'stallHeaders' } : undefined;
}

/** Bytes a `.part.meta` range list claims. */
function heldBytes(held: [number, number][]): number {
  return held.reduce((n, [a, b]) => n + (b - a), 0);
}

function heldRanges(dst: string): [number, number][] {
  return JSON.parse(readFileSync(join(dst, A + '.part.meta'), 'utf8')).held;
}

describe('pull --streams 4', () => {
  it('fetches one file as ranged pieces over several connections, each after the first with If-Range; the file and sidecar are the source\'s', async () => {
    const size = 12 * MiB + 12345;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    const res = await pull(r, STREAMS);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    const reqs = bodyRequests(r.proxy, A);
    const ranges = reqs.map(rangeOf);
    assert.ok(ranges.every((x) => x !== null), JSON.stringify(reqs.map((q) => q.range)));
    // The pieces tile the file exactly once.
    const sorted = (ranges as [number, number][]).sort((a, b) => a[0] - b[0]);
    assert.equal(sorted[0]![0], 0);
    for (let i = 1; i < sorted.length; i++) assert.equal(sorted[i]![0], sorted[i - 1]![1]);
    assert.equal(sorted.at(-1)![1], size);
    assert.equal(bytesSent(r.proxy, A), size);
    assert.ok(reqs.slice(1).every((q) => q.ifRange), 'If-Range on every piece after the first answer');
    assert.ok(new Set(reqs.map((q) => q.socket)).size > 1, 'more than one connection');
  });

  it('a segmented .part resumes with only the missing ranges: the bytes through the proxy are what the first run lacked', async () => {
    const size = 12 * MiB;
    // The first run: the second piece never gets its headers (a 500 ms timeout, no retries) while the other streams go on: the run fails holding a file with a gap.
    const r = await rig(stallSecondPiece);
    const f = writeSourceTarball(r.src, A, size);
    const failed = await pull(r, [...STREAMS, '--retries', '0']);
    assert.equal(failed.code, 1, failed.stderr);
    const held = heldRanges(r.dst);
    const heldBytes = held.reduce((n, [a, b]) => n + (b - a), 0);
    assert.ok(held.length >= 2, `held ${JSON.stringify(held)}: a gap between the prefix and a later piece`);
    assert.ok(heldBytes >= 2 * MiB && heldBytes < size, `held ${heldBytes}`);
    const before = bytesSent(r.proxy, A);
    const n = bodyRequests(r.proxy, A).length;
    r.proxy.setFault(undefined);
    const res = await pull(r, [...STREAMS, '--log-level', 'info']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    assert.equal(bytesSent(r.proxy, A) - before, size - heldBytes, 'exactly the missing bytes came again');
    for (const q of bodyRequests(r.proxy, A).slice(n)) {
      const [a, b] = rangeOf(q)!;
      assert.ok(!held.some(([x, y]) => a < y && b > x), `asked ${q.range}, which overlaps a held range ${JSON.stringify(held)}`);
    }
    assert.match(res.stderr, /resuming with \d+ of \d+ bytes held in \d+ range\(s\)/);
  });

  it('a source that ignores Range (200) falls back to one stream, keeps the ranges already held, and verifies', async () => {
    const size = 10 * MiB;
    const r = await rig(stallSecondPiece);
    const f = writeSourceTarball(r.src, A, size);
    assert.equal((await pull(r, [...STREAMS, '--retries', '0'])).code, 1);
    const held = heldRanges(r.dst);
    assert.ok(held.length >= 2, JSON.stringify(held));
    r.proxy.setFault(() => ({ kind: 'ignoreRange' }));
    const n = bodyRequests(r.proxy, A).length;
    const res = await pull(r, STREAMS);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    assert.match(res.stderr, /Range ignored\): one stream from here, bytes already held are kept/);
    const later = bodyRequests(r.proxy, A).slice(n);
    assert.ok(later.every((q) => q.status === 200), JSON.stringify(later.map((q) => q.status)));
    assert.ok(later.length <= 4, `${later.length} requests after the fallback`);
  });

  it('one piece cut again and again is retried alone while the other streams finish theirs', async () => {
    const size = 8 * MiB;
    let cuts = 0;
    const r = await rig((req) => {
      const range = rangeOf({ range: String(req.headers.range ?? '') });
      if (range && range[0] >= 2 * MiB && range[0] < 3 * MiB && cuts < 4) {
        cuts++;
        return { kind: 'cut', afterBytes: 50_000 };
      }
      return undefined;
    });
    const f = writeSourceTarball(r.src, A, size);
    const res = await pull(r, STREAMS);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    assert.equal(cuts, 4);
    const reqs = bodyRequests(r.proxy, A).map(rangeOf) as [number, number][];
    const cutPiece = reqs.filter(([a]) => a >= 2 * MiB && a < 3 * MiB);
    assert.equal(cutPiece.length, 5, 'four cuts, then the rest of that piece');
    // Each retry continues where the cut left it, not at the piece's start.
    const starts = cutPiece.map(([a]) => a);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! > starts[i - 1]!, JSON.stringify(starts));
    const others = reqs.filter(([a]) => a < 2 * MiB || a >= 3 * MiB);
    assert.equal(others.length, 7, 'every other piece asked once');
    assert.ok(bytesSent(r.proxy, A) < size + 64 * 1024, `sent ${bytesSent(r.proxy, A)}`);
    assert.match(res.stderr, /bytes 2097152-3145727: attempt 1 failed/);
  });

  it('kill -9 in the middle of a file with 4 streams: the next run resumes the held ranges and verifies', async () => {
    const size = 16 * MiB;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    await r.settle();
    const meta = join(r.dst, A + '.part.meta');
    await killPullWhen(pullArgs(r, [...STREAMS, '--bwlimit', '4M', '--checkpoint', '1M']), 'a checkpoint with held ranges past 40%', () => {
      if (!existsSync(meta)) return false;
      try {
        const m = JSON.parse(readFileSync(meta, 'utf8'));
        return Array.isArray(m.held) && heldBytes(m.held) >= 0.4 * size;
      } catch {
        return false;
      }
    });
    const before = bytesSent(r.proxy, A);
    const res = await pull(r, STREAMS);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), [], 'verified, and no .part or meta left');
    assert.ok(bytesSent(r.proxy, A) - before <= 0.6 * size + 4 * MiB, `the resume fetched ${bytesSent(r.proxy, A) - before} bytes`);
  });

  describe('the first stream is timed before others open (target.one_stream_rate)', () => {
    it('a first stream at least that fast keeps the file: one request for the whole file, one connection', async () => {
      const size = 12 * MiB;
      const r = await rig();
      const f = writeSourceTarball(r.src, A, size);
      // 64 KB/s over 300 ms: a loopback stream is far above it even on a loaded machine.
      const res = await pull(r, ['--streams', '4', '--stream-min-size', '1', '--one-stream-rate', '64K', '--stream-probe', '300ms']);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      const reqs = bodyRequests(r.proxy, A);
      assert.deepEqual(reqs.map((q) => q.range), [`bytes=0-${size - 1}`]);
      assert.equal(bytesSent(r.proxy, A), size);
    });

    it('kill -9 while the first stream has the file alone: the next run keeps every byte it appended, not only those of the last checkpoint', async () => {
      const size = 16 * MiB;
      const r = await rig();
      const f = writeSourceTarball(r.src, A, size);
      await r.settle();
      const part = join(r.dst, A + '.part');
      const alone = ['--streams', '4', '--stream-min-size', '1', '--one-stream-rate', '64K', '--stream-probe', '300ms'];
      // Checkpoints far apart: what the meta's ranges say lags far behind the file.
      await killPullWhen(pullArgs(r, [...alone, '--bwlimit', '4M', '--checkpoint', '64M']), 'the .part past 40%', () => existsSync(part) && statSync(part).size >= 0.4 * size);
      const onDisk = statSync(part).size;
      const meta = JSON.parse(readFileSync(part + '.meta', 'utf8'));
      assert.equal(meta.tail, true, JSON.stringify(meta));
      assert.ok(heldBytes(meta.held) < onDisk, `the meta's ranges ${JSON.stringify(meta.held)} already cover the ${onDisk} bytes: the case is not shown`);
      const asked = bodyRequests(r.proxy, A).length;
      const res = await pull(r, alone);
      assert.equal(res.code, 0, res.stderr);
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      assert.deepEqual(bodyRequests(r.proxy, A).slice(asked).map((q) => q.range), [`bytes=${onDisk}-${size - 1}`]);
    });

    it('a slower first stream is cut short and the others share the rest: several connections, each byte once, verified', async () => {
      const size = 6 * MiB;
      const r = await rig();
      const f = writeSourceTarball(r.src, A, size);
      await r.settle();
      // 1 MB/s per connection: the first stream is far below the 100 MiB/s asked of it.
      const link = await startShapedLink({ upstream: { host: '127.0.0.1', port: Number(new URL(r.server.url).port) }, rateBytesPerSec: 1e6, rttMs: 10 });
      try {
        const res = await pull({ dst: r.dst, url: `http://127.0.0.1:${link.port}` }, ['--streams', '4', '--stream-min-size', '1', '--one-stream-rate', '100M', '--stream-probe', '100ms', '--log-level', 'debug'], 120_000);
        assert.equal(res.code, 0, res.stderr);
        assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
        assert.match(res.stderr, /one stream brings [\d.]+ MB\/s: opening more/);
        const busy = link.stats().perConnection.filter((c) => c.bytesDown > 256 * 1024);
        assert.ok(busy.length >= 3, `connections that carried the file: ${busy.length}`);
        const down = link.stats().perConnection.reduce((n, c) => n + c.bytesDown, 0);
        // Each byte once; what is over is headers and the listing (a few KiB), and at most one chunk the first stream read past its cut.
        assert.ok(down < size + 256 * 1024, `${down} bytes down for a ${size}-byte file`);
      } finally {
        await link.close();
      }
    });
  });
});
