/**
 * The shaped link against real sockets on 127.0.0.1: bytes cross it intact
 * both ways (raw TCP with half-closes, HTTP ranges on keep-alive), it counts
 * them exactly, cuts where told, and leaves nothing running once closed.
 * Its timing is the bench's business (bench/support/shapedLink.ts); here
 * the model is checked as arithmetic on given times.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arrival, lineClock, startShapedLink, type ShapedLink, type ShapedLinkOptions } from './support/shapedLink.js';

const DOWN = randomBytes(3 * 1024 * 1024);
const FILE = randomBytes(256 * 1024);

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `p`, or a failure naming `what` after `ms`: a stalled link fails the test instead of hanging it. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Raw TCP exchange: the client sends a 4-byte answer length L, then any
 * bytes, then FIN. The server starts sending DOWN[0, L) at once, keeps
 * reading meanwhile, and after the client's FIN appends the MD5 (hex) of
 * what it read and closes: the trailer proves the FIN came behind the data.
 */
let exchange: net.Server;
let exchangePort: number;
/** Bytes each accepted upstream connection wrote and read, by the server's own count. */
const exchangeSockets: Socket[] = [];

function serveExchange(s: Socket): void {
  exchangeSockets.push(s);
  let head = Buffer.alloc(0);
  let want = -1;
  const body = createHash('md5');
  let sent = false;
  let gotFin = false;
  const finish = () => { if (sent && gotFin) s.end(body.digest('hex')); };
  s.on('data', (d: Buffer) => {
    if (want < 0) {
      head = Buffer.concat([head, d]);
      if (head.length < 4) return;
      want = head.readUInt32BE(0);
      body.update(head.subarray(4));
      s.write(DOWN.subarray(0, want), () => { sent = true; finish(); });
      return;
    }
    body.update(d);
  });
  s.on('end', () => { gotFin = true; finish(); });
  s.on('error', () => undefined);
}

interface Exchanged {
  got: Buffer;
  /** The socket closed without an end from the far side (a reset). */
  reset: boolean;
}

function runExchange(port: number, answer: number, upload: Buffer): Promise<Exchanged> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    const c = net.connect({ host: '127.0.0.1', port });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(answer, 0);
    c.write(len);
    c.end(upload);
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => { ended = true; });
    c.on('error', () => undefined);
    c.on('close', () => resolve({ got: Buffer.concat(chunks), reset: !ended }));
  });
}

function expectExchange(x: Exchanged, answer: number, upload: Buffer): void {
  assert.equal(x.reset, false);
  assert.equal(x.got.length, answer + 32);
  assert.equal(md5(x.got.subarray(0, answer)), md5(DOWN.subarray(0, answer)), 'server->client bytes intact');
  assert.equal(x.got.subarray(answer).toString(), md5(upload), 'client->server bytes intact, FIN behind them');
}

/** A tiny file server with Range support and keep-alive, counting what its sockets carried. */
let web: http.Server;
let webPort: number;
const webSockets: Socket[] = [];

function serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
  const m = typeof req.headers.range === 'string' ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range) : null;
  if (m) {
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), FILE.length - 1) : FILE.length - 1;
    res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${FILE.length}` });
    res.end(FILE.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { 'content-length': FILE.length });
  res.end(FILE);
}

interface Got {
  status?: number;
  body: Buffer;
  error?: string;
}

function get(port: number, headers: Record<string, string>, agent: http.Agent | false = false): Promise<Got> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const got: Got = { body: Buffer.alloc(0) };
    const done = (error?: string) => {
      got.body = Buffer.concat(chunks);
      if (error) got.error = error;
      resolve(got);
    };
    const req = http.get({ host: '127.0.0.1', port, path: '/f', headers, agent }, (res) => {
      got.status = res.statusCode;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done());
      res.on('aborted', () => done('aborted'));
      res.on('error', (e) => done(e.message));
    });
    req.on('error', (e) => done(e.message));
  });
}

before(async () => {
  exchange = net.createServer({ allowHalfOpen: true }, serveExchange);
  exchangePort = await listen(exchange);
  web = http.createServer(serveFile);
  web.on('connection', (s) => webSockets.push(s));
  webPort = await listen(web);
});
after(async () => {
  await closeServer(exchange);
  web.closeAllConnections();
  await closeServer(web);
});

async function withLink(o: Omit<ShapedLinkOptions, 'upstream'> & { port: number }, fn: (link: ShapedLink) => Promise<void>): Promise<void> {
  const { port, ...rest } = o;
  const link = await startShapedLink({ upstream: { host: '127.0.0.1', port }, ...rest });
  try {
    await fn(link);
  } finally {
    await link.close();
  }
}

// A line fast enough for a quick suite, slow and long enough that every chunk waits on both the bucket and the delay.
const SHAPED = { rateBytesPerSec: 50e6, rttMs: 10 };

describe('shaped link: the model as arithmetic', () => {
  it('a burst passes at once, then the bucket paces, a FIN rides behind, idling saves only one burst', () => {
    const c = lineClock(1000, 100, 20);
    assert.equal(arrival(c, 0, 100), 20, 'one burst: only the delay');
    assert.equal(arrival(c, 0, 100), 120, 'the next 100 bytes wait 100 ms for the bucket');
    assert.equal(arrival(c, 0, 0), 120, 'a FIN right behind the data');
    assert.equal(arrival(c, 50, 10), 130, 'sent later, still queued behind');
    assert.equal(arrival(c, 10_000, 150), 10_070, 'after idling: 100 bytes of credit, 50 paced');
  });

  it('holds a long run to the rate exactly, whatever the chunking', () => {
    const a = lineClock(25e6, 16 * 1024, 20);
    const b = lineClock(25e6, 16 * 1024, 20);
    let lastA = 0;
    let lastB = 0;
    for (let i = 0; i < 1000; i++) lastA = arrival(a, 0, 64 * 1024);
    for (let i = 0; i < 64_000; i++) lastB = arrival(b, 0, 1024);
    const ideal = ((64 * 1024 * 1000 - 16 * 1024) / 25e6) * 1000 + 20;
    assert.ok(Math.abs(lastA - ideal) < 1e-6, `${lastA} vs ${ideal}`);
    assert.ok(Math.abs(lastB - ideal) < 1e-6, `${lastB} vs ${ideal}`);
  });

  it('without a bottleneck only the delay is left', () => {
    const c = lineClock(Infinity, 16 * 1024, 5);
    assert.equal(arrival(c, 7, 1e9), 12);
    assert.equal(arrival(c, 7, 1), 12);
  });

  it('rejects a rate, delay or bound that cannot be', async () => {
    const upstream = { host: '127.0.0.1', port: 1 };
    await assert.rejects(startShapedLink({ upstream, rateBytesPerSec: 0 }), RangeError);
    await assert.rejects(startShapedLink({ upstream, upRateBytesPerSec: -1 }), RangeError);
    await assert.rejects(startShapedLink({ upstream, rttMs: Infinity }), RangeError);
    await assert.rejects(startShapedLink({ upstream, setupMs: -1 }), RangeError);
    await assert.rejects(startShapedLink({ upstream, maxQueuedBytes: 0 }), RangeError);
    await assert.rejects(startShapedLink({ upstream, tickMs: 0 }), RangeError);
  });
});

describe('shaped link: relaying', () => {
  for (const [name, shape] of [['unshaped', {}], ['shaped', SHAPED]] as const) {
    it(`${name}: raw TCP both ways with half-closes, counted exactly`, async () => {
      await withLink({ port: exchangePort, ...shape }, async (link) => {
        const upload = randomBytes(1024 * 1024 + 17);
        const before = exchangeSockets.length;
        const x = await runExchange(link.port, DOWN.length, upload);
        expectExchange(x, DOWN.length, upload);
        await waitFor(() => link.stats().open === 0);
        const st = link.stats();
        const server = exchangeSockets[before]!;
        assert.equal(st.connections, 1);
        assert.equal(st.bytesDown, DOWN.length + 32);
        assert.equal(st.bytesUp, 4 + upload.length);
        assert.equal(st.bytesDown, server.bytesWritten);
        assert.equal(st.bytesUp, server.bytesRead);
        assert.deepEqual(st.perConnection, [{ n: 0, bytesUp: st.bytesUp, bytesDown: st.bytesDown, cut: false, open: false }]);
      });
    });
  }

  it('several connections at once, each on its own line', async () => {
    await withLink({ port: exchangePort, ...SHAPED }, async (link) => {
      const jobs = [3 * 1024 * 1024, 1, 700_000, 2_000_003].map((answer, i) => ({ answer, upload: randomBytes(i * 300_000 + 5) }));
      const results = await Promise.all(jobs.map((j) => runExchange(link.port, j.answer, j.upload)));
      results.forEach((x, i) => expectExchange(x, jobs[i]!.answer, jobs[i]!.upload));
      await waitFor(() => link.stats().open === 0);
      const st = link.stats();
      assert.equal(st.connections, 4);
      assert.equal(st.perConnection.length, 4);
      // Accept order need not be the order of the connects, so the counts are compared as sets.
      const sort = (xs: number[]) => [...xs].sort((a, b) => a - b);
      assert.deepEqual(sort(st.perConnection.map((c) => c.bytesDown)), sort(jobs.map((j) => j.answer + 32)));
      assert.deepEqual(sort(st.perConnection.map((c) => c.bytesUp)), sort(jobs.map((j) => 4 + j.upload.length)));
      assert.equal(st.bytesDown, jobs.reduce((s, j) => s + j.answer + 32, 0));
    });
  });

  it('HTTP: a whole file and ranges, one keep-alive connection, every byte counted', async () => {
    await withLink({ port: webPort, ...SHAPED }, async (link) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const before = webSockets.length;
      try {
        const whole = await get(link.port, {}, agent);
        assert.equal(whole.status, 200);
        assert.equal(md5(whole.body), md5(FILE));
        const tail = await get(link.port, { range: 'bytes=100000-' }, agent);
        assert.equal(tail.status, 206);
        assert.equal(md5(tail.body), md5(FILE.subarray(100_000)));
        const mid = await get(link.port, { range: 'bytes=7-1006' }, agent);
        assert.equal(mid.status, 206);
        assert.ok(mid.body.equals(FILE.subarray(7, 1007)));
      } finally {
        agent.destroy();
      }
      await waitFor(() => link.stats().open === 0);
      const st = link.stats();
      assert.equal(st.connections, 1, 'the three requests shared one connection');
      assert.equal(webSockets.length, before + 1);
      assert.equal(st.bytesDown, webSockets[before]!.bytesWritten);
      assert.equal(st.bytesUp, webSockets[before]!.bytesRead);
    });
  });
});

describe('shaped link: flow control', () => {
  const BIG = 64 * 1024 * 1024;
  const bigFile = Buffer.alloc(BIG);
  for (let i = 0; i < BIG; i += DOWN.length) DOWN.copy(bigFile, i);

  // A small line and a reader that starts late: the link must stop reading the sender and start again, or the transfer hangs.
  for (const [name, shape] of [['shaped', { rateBytesPerSec: 400e6, rttMs: 10 }], ['delay only', { rttMs: 10 }]] as const) {
    it(`${name}: a full line and a reader that waits still get every byte, in order`, async () => {
      const sender = net.createServer((s) => { s.on('error', () => undefined); s.end(bigFile); });
      const port = await listen(sender);
      try {
        await withLink({ port, ...shape, maxQueuedBytes: 256 * 1024 }, async (link) => {
          const c = net.connect({ host: '127.0.0.1', port: link.port });
          c.pause();
          const chunks: Buffer[] = [];
          c.on('data', (d: Buffer) => chunks.push(d));
          const ended = new Promise((r) => c.on('end', r));
          await waitFor(() => link.stats().bytesDown > 0);
          c.resume();
          await within(ended, 30_000, 'the whole stream');
          c.destroy();
          assert.equal(md5(Buffer.concat(chunks)), md5(bigFile));
          assert.equal(link.stats().bytesDown, BIG);
        });
      } finally {
        await closeServer(sender);
      }
    });
  }
});

describe('shaped link: cuts', () => {
  it('cutAfter: chosen connections get exactly N bytes and die, the others finish', async () => {
    const cutAt = 50_000;
    await withLink({ port: exchangePort, ...SHAPED, cutAfter: (n) => (n % 2 === 0 ? cutAt : undefined) }, async (link) => {
      const upload = randomBytes(10_000);
      const results = await Promise.all([0, 1, 2, 3].map(() => runExchange(link.port, DOWN.length, upload)));
      // A cut ends the stream early: the trailer never comes.
      const cut = results.filter((x) => x.got.length < DOWN.length + 32);
      const whole = results.filter((x) => x.got.length === DOWN.length + 32);
      assert.equal(cut.length, 2);
      for (const x of cut) assert.ok(x.got.equals(DOWN.subarray(0, cutAt)));
      for (const x of whole) expectExchange(x, DOWN.length, upload);
      await waitFor(() => link.stats().open === 0);
      const st = link.stats();
      assert.deepEqual(st.perConnection.map((c) => c.cut), [true, false, true, false]);
      assert.deepEqual(st.perConnection.filter((c) => c.cut).map((c) => c.bytesDown), [cutAt, cutAt]);
    });
  });

  it('a download cut on every connection still completes by resuming, and the count says what each try fetched', async () => {
    const cutAt = 60_000;
    await withLink({ port: webPort, ...SHAPED, cutAfter: () => cutAt }, async (link) => {
      const parts: Buffer[] = [];
      let have = 0;
      let tries = 0;
      while (have < FILE.length && tries < 20) {
        tries++;
        const got = await get(link.port, have === 0 ? {} : { range: `bytes=${have}-` });
        parts.push(got.body);
        have += got.body.length;
      }
      assert.equal(md5(Buffer.concat(parts)), md5(FILE));
      await waitFor(() => link.stats().open === 0);
      const st = link.stats();
      assert.equal(st.connections, tries);
      assert.ok(tries > 1);
      for (const c of st.perConnection.slice(0, -1)) {
        assert.equal(c.cut, true);
        assert.equal(c.bytesDown, cutAt);
      }
      assert.equal(st.perConnection.at(-1)!.cut, false, 'the last try ended before its cut');
    });
  });

  it('cutAll ends open connections at once, setCutAfter changes later ones', async () => {
    // An upstream that sends a little and then holds the connection open.
    const quiet = net.createServer((s) => { s.write(Buffer.alloc(1000, 1)); s.on('error', () => undefined); });
    const port = await listen(quiet);
    try {
      await withLink({ port, ...SHAPED }, async (link) => {
        let got = 0;
        let closed = false;
        const c = net.connect({ host: '127.0.0.1', port: link.port });
        c.on('data', (d: Buffer) => { got += d.length; });
        c.on('error', () => undefined);
        c.on('close', () => { closed = true; });
        await waitFor(() => got === 1000);
        assert.equal(link.stats().open, 1);
        assert.equal(link.cutAll(), 1);
        await waitFor(() => closed);
        assert.deepEqual(link.stats().perConnection.map((x) => [x.cut, x.open, x.bytesDown]), [[true, false, 1000]]);

        link.setCutAfter(() => 10);
        let later = 0;
        const d = net.connect({ host: '127.0.0.1', port: link.port });
        d.on('data', (b: Buffer) => { later += b.length; });
        d.on('error', () => undefined);
        await new Promise((r) => d.on('close', r));
        assert.equal(later, 10);
        assert.equal(link.stats().perConnection[1]!.cut, true);
      });
    } finally {
      await closeServer(quiet);
    }
  });
});

describe('shaped link: closing', () => {
  it('close() in mid-flight and mid-handshake leaves nothing running: the process exits by itself', async () => {
    const moduleUrl = pathToFileURL(fileURLToPath(new URL('./support/shapedLink.js', import.meta.url))).href;
    // Data on the line behind a long delay, one connection still in its handshake, then close().
    const script = `
      import net from 'node:net';
      import { startShapedLink } from ${JSON.stringify(moduleUrl)};
      const up = net.createServer((s) => { s.on('data', () => s.write(Buffer.alloc(1 << 20))); s.on('error', () => {}); });
      await new Promise((r) => up.listen(0, '127.0.0.1', r));
      const fast = await startShapedLink({ upstream: { host: '127.0.0.1', port: up.address().port }, rateBytesPerSec: 1e6, rttMs: 400, setupMs: 0 });
      const slow = await startShapedLink({ upstream: { host: '127.0.0.1', port: up.address().port }, setupMs: 60000 });
      let got = 0;
      const a = net.connect(fast.port, '127.0.0.1');
      a.on('error', () => {});
      a.on('data', (d) => { got += d.length; });
      a.write('x');
      const b = net.connect(slow.port, '127.0.0.1');
      b.on('error', () => {});
      b.write('y');
      while (got === 0) await new Promise((r) => setTimeout(r, 10));
      await Promise.all([fast.close(), slow.close()]);
      up.close();
      console.log('closed', fast.stats().open + slow.stats().open, got < (1 << 20));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    clearTimeout(killer);
    assert.equal(signal, null, `the process had to be killed: something kept it alive (${out.trim()} ${err.trim()})`);
    assert.equal(code, 0, err);
    assert.equal(out.trim(), 'closed 0 true', 'closed while bytes were still on the line');
  });
});
