/**
 * The fault proxy itself, against a tiny upstream that serves one file with
 * Range and If-Range support: every fault kind must be visible to a client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@altbackup/shared/testing';
import { seededFaults, shiftRangeHeader, startFaultProxy, type Fault, type FaultRequest } from './support/faultProxy.js';

const FILE = randomBytes(256 * 1024);
const ETAG = '"v1"';
const PATH = '/v1/files/svn/dybsvn/2024/05/01/104701/dybsvn-1.tar.gz';

let upstream: http.Server;
let upstreamUrl: string;
let upstreamHits = 0;

function serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
  upstreamHits++;
  if (req.url !== PATH) { res.writeHead(404).end(); return; }
  const base = { etag: ETAG, 'accept-ranges': 'bytes', 'content-type': 'application/gzip' };
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  const m = typeof range === 'string' ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (m && (ifRange === undefined || ifRange === ETAG)) {
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), FILE.length - 1) : FILE.length - 1;
    if (start >= FILE.length) {
      res.writeHead(416, { ...base, 'content-range': `bytes */${FILE.length}` }).end();
      return;
    }
    res.writeHead(206, { ...base, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${FILE.length}` });
    res.end(FILE.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { ...base, 'content-length': FILE.length });
  res.end(FILE);
}

interface Got {
  status?: number;
  headers?: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the response did not complete (socket cut, timeout, abort). */
  error?: string;
}

/** GET through a fresh connection; gives up (without failing) after `idleMs` of silence. */
function get(url: string, headers: Record<string, string> = {}, idleMs = 5000): Promise<Got> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const got: Got = { body: Buffer.alloc(0) };
    const done = (error?: string) => {
      got.body = Buffer.concat(chunks);
      if (error) got.error = error;
      resolve(got);
    };
    const req = http.get(url, { headers, agent: false }, (res) => {
      got.status = res.statusCode;
      got.headers = res.headers;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e) => done(e.message));
    });
    req.setTimeout(idleMs, () => { req.destroy(); done('idle timeout'); });
    req.on('error', (e) => done(e.message));
  });
}

before(async () => {
  upstream = http.createServer(serveFile);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => upstream.close(() => r())));

async function withProxy(fault: Fault | undefined, fn: (url: string, proxy: Awaited<ReturnType<typeof startFaultProxy>>) => Promise<void>): Promise<void> {
  const proxy = await startFaultProxy({ upstream: upstreamUrl, fault: fault ? () => fault : undefined });
  try {
    await fn(proxy.url, proxy);
  } finally {
    await proxy.close();
  }
}

describe('fault proxy', () => {
  it('passes a request through unchanged and logs it', async () => {
    await withProxy(undefined, async (url, proxy) => {
      const got = await get(url + PATH);
      assert.equal(got.status, 200);
      assert.equal(got.headers?.etag, ETAG);
      assert.ok(got.body.equals(FILE));
      const ranged = await get(url + PATH, { range: 'bytes=1000-', 'if-range': ETAG });
      assert.equal(ranged.status, 206);
      assert.ok(ranged.body.equals(FILE.subarray(1000)));
      assert.equal(proxy.requests.length, 2);
      assert.deepEqual(proxy.requests.map((r) => [r.n, r.method, r.url, r.status, r.bytesSent]), [
        [0, 'GET', PATH, 200, FILE.length], [1, 'GET', PATH, 206, FILE.length - 1000],
      ]);
      assert.equal(proxy.requests[1]!.range, 'bytes=1000-');
      assert.equal(proxy.requests[1]!.ifRange, ETAG);
    });
  });

  it('status: answers the injected status without asking upstream', async () => {
    await withProxy({ kind: 'status', status: 503 }, async (url, proxy) => {
      const before = upstreamHits;
      const got = await get(url + PATH);
      assert.equal(got.status, 503);
      assert.equal(upstreamHits, before);
      assert.equal(proxy.requests[0]!.status, 503);
    });
  });

  it('cut: the client gets exactly N body bytes, then the connection dies', async () => {
    await withProxy({ kind: 'cut', afterBytes: 70_000 }, async (url, proxy) => {
      const got = await get(url + PATH);
      assert.equal(got.status, 200);
      assert.equal(got.headers?.['content-length'], String(FILE.length));
      assert.ok(got.error, 'response must not complete');
      assert.equal(got.body.length, 70_000);
      assert.ok(got.body.equals(FILE.subarray(0, 70_000)));
      assert.equal(proxy.requests[0]!.bytesSent, 70_000);
    });
  });

  it('cut at 0: headers arrive, no body byte does', async () => {
    await withProxy({ kind: 'cut', afterBytes: 0 }, async (url) => {
      const got = await get(url + PATH);
      assert.equal(got.status, 200);
      assert.ok(got.error);
      assert.equal(got.body.length, 0);
    });
  });

  it('stallHeaders: no response at all, and close() still ends the stalled socket', async () => {
    const proxy = await startFaultProxy({ upstream: upstreamUrl, fault: () => ({ kind: 'stallHeaders' }) });
    const pending = get(proxy.url + PATH, {}, 60_000);
    await waitFor('the proxy to see the request', () => proxy.requests.length === 1, 10_000);
    const early = await Promise.race([pending, sleep(300).then(() => 'still waiting')]);
    assert.equal(early, 'still waiting');
    assert.equal(proxy.requests[0]!.status, undefined);
    await proxy.close();
    const got = await pending;
    assert.equal(got.status, undefined);
    assert.ok(got.error);
  });

  it('stallBody: N bytes arrive, then silence with the socket open until close()', async () => {
    const proxy = await startFaultProxy({ upstream: upstreamUrl, fault: () => ({ kind: 'stallBody', afterBytes: 5000 }) });
    const chunks: Buffer[] = [];
    let ended = false;
    const req = http.get(proxy.url + PATH, { agent: false }, (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => { ended = true; });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    await waitFor('the first 5000 bytes', () => Buffer.concat(chunks).length === 5000, 10_000);
    await sleep(300);
    assert.equal(Buffer.concat(chunks).length, 5000);
    assert.equal(ended, false);
    assert.equal(req.destroyed, false, 'socket stays open during the stall');
    assert.equal(proxy.requests[0]!.status, 200);
    assert.equal(proxy.requests[0]!.bytesSent, 5000);
    await proxy.close();
    await waitFor('close() to end the stalled socket', () => req.destroyed || req.socket?.destroyed === true, 10_000);
    assert.ok(Buffer.concat(chunks).equals(FILE.subarray(0, 5000)));
  });

  it('corrupt: same length, exactly one byte differs, at the offset of this body', async () => {
    await withProxy({ kind: 'corrupt', offset: 123_456 }, async (url) => {
      const got = await get(url + PATH);
      assert.equal(got.status, 200);
      assert.equal(got.body.length, FILE.length);
      assert.deepEqual(diffOffsets(got.body, FILE), [123_456]);
      assert.equal(got.body[123_456], FILE[123_456]! ^ 0xff);
    });
    await withProxy({ kind: 'corrupt', offset: 10 }, async (url) => {
      const got = await get(url + PATH, { range: 'bytes=2000-' });
      assert.equal(got.status, 206);
      assert.deepEqual(diffOffsets(got.body, FILE.subarray(2000)), [10]);
    });
  });

  it('ignoreRange: the client asked for a range and If-Range, upstream answers 200 with the whole file', async () => {
    await withProxy({ kind: 'ignoreRange' }, async (url, proxy) => {
      const got = await get(url + PATH, { range: 'bytes=1000-', 'if-range': ETAG });
      assert.equal(got.status, 200);
      assert.equal(got.headers?.['content-range'], undefined);
      assert.ok(got.body.equals(FILE));
      assert.equal(proxy.requests[0]!.range, 'bytes=1000-', 'the log keeps what the client asked');
    });
  });

  it('shiftRange: the 206 starts earlier than asked and says so in Content-Range', async () => {
    await withProxy({ kind: 'shiftRange', by: 300 }, async (url) => {
      const got = await get(url + PATH, { range: 'bytes=1000-', 'if-range': ETAG });
      assert.equal(got.status, 206);
      assert.equal(got.headers?.['content-range'], `bytes 700-${FILE.length - 1}/${FILE.length}`);
      assert.ok(got.body.equals(FILE.subarray(700)));
    });
  });

  it('delay: the answer is held back at least that long, then complete', async () => {
    await withProxy({ kind: 'delay', ms: 250 }, async (url) => {
      const t0 = performance.now();
      const got = await get(url + PATH);
      assert.ok(performance.now() - t0 >= 240);
      assert.equal(got.status, 200);
      assert.ok(got.body.equals(FILE));
    });
  });

  it('setFault switches behaviour between requests; the fault sees the request and its index', async () => {
    const seen: FaultRequest[] = [];
    await withProxy(undefined, async (url, proxy) => {
      proxy.setFault((req) => { seen.push(req); return req.n === 1 ? { kind: 'status', status: 500 } : undefined; });
      const a = await get(url + PATH, { range: 'bytes=0-9' });
      const b = await get(url + PATH);
      proxy.setFault(undefined);
      const c = await get(url + PATH);
      assert.deepEqual([a.status, b.status, c.status], [206, 500, 200]);
      assert.deepEqual(seen.map((r) => [r.n, r.method, r.url]), [[0, 'GET', PATH], [1, 'GET', PATH]]);
      assert.equal(seen[0]!.headers.range, 'bytes=0-9');
      assert.equal(proxy.requests[1]!.fault?.kind, 'status');
      assert.equal(proxy.requests[2]!.fault, undefined);
    });
  });

  it('answers 502 when upstream is down', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const proxy = await startFaultProxy({ upstream: deadUrl });
    try {
      const got = await get(proxy.url + PATH);
      assert.equal(got.status, 502);
    } finally {
      await proxy.close();
    }
  });
});

describe('shiftRangeHeader', () => {
  it('moves open and closed ranges earlier, not below 0, leaves other forms alone', () => {
    assert.equal(shiftRangeHeader('bytes=1000-', 300), 'bytes=700-');
    assert.equal(shiftRangeHeader('bytes=1000-1999', 300), 'bytes=700-1999');
    assert.equal(shiftRangeHeader('bytes=100-', 300), 'bytes=0-');
    assert.equal(shiftRangeHeader('bytes=-500', 300), 'bytes=-500');
  });
});

describe('seededFaults', () => {
  const mix = { pass: 4, cut: 1, stallHeaders: 1, stallBody: 1, status: 1, corrupt: 1, maxOffset: 10_000 };
  const req = (n: number, url = PATH, method = 'GET'): FaultRequest => ({ n, url, method, headers: {} });

  it('is deterministic per seed and request index, whatever the call order', () => {
    const a = seededFaults(42, mix);
    const b = seededFaults(42, mix);
    const forward = Array.from({ length: 500 }, (_, n) => a(req(n)));
    const backward = Array.from({ length: 500 }, (_, i) => b(req(499 - i))).reverse();
    assert.deepEqual(forward, backward);
    const other = Array.from({ length: 500 }, (_, n) => seededFaults(43, mix)(req(n)));
    assert.notDeepEqual(forward, other);
  });

  it('mixes every weighted kind with offsets in range, and passes about as often as weighted', () => {
    const f = seededFaults(7, mix);
    const draws = Array.from({ length: 4000 }, (_, n) => f(req(n)));
    const kinds = new Set(draws.map((d) => d?.kind ?? 'pass'));
    assert.deepEqual([...kinds].sort(), ['corrupt', 'cut', 'pass', 'stallBody', 'stallHeaders', 'status']);
    const passes = draws.filter((d) => d === undefined).length / draws.length;
    assert.ok(passes > 0.4 && passes < 0.5, `pass ratio ${passes}`);
    for (const d of draws) {
      if (d?.kind === 'cut' || d?.kind === 'stallBody') assert.ok(d.afterBytes >= 0 && d.afterBytes < 10_000);
      if (d?.kind === 'corrupt') assert.ok(d.offset >= 0 && d.offset < 10_000);
      if (d?.kind === 'status') assert.equal(d.status, 503);
    }
  });

  it('by default leaves listings, sidecars and HEAD requests alone', () => {
    const f = seededFaults(1, { pass: 0, cut: 1, maxOffset: 10 });
    assert.equal(f(req(0, '/v1/tarballs?day=2024/05/01')), undefined);
    assert.equal(f(req(1, PATH + '.dna')), undefined);
    assert.equal(f(req(2, PATH, 'HEAD')), undefined);
    assert.equal(f(req(3))?.kind, 'cut');
  });

  it('rejects weights that cannot draw anything', () => {
    assert.throws(() => seededFaults(1, { pass: 0, maxOffset: 10 }));
    assert.throws(() => seededFaults(1, { pass: 1, cut: -1, maxOffset: 10 }));
  });
});

function diffOffsets(a: Buffer, b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) out.push(i);
  return out;
}
