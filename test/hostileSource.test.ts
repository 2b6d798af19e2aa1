/**
 * A broken or compromised source cannot harm the mirror (SPEC section 8).
 * A source server of the test's own (test/support/hostileSource.ts, raw
 * node:http speaking the v1 wire format) tries what an attacker or a broken
 * disk would; every pull runs as the real CLI under /usr/bin/time. In each
 * case: nothing is written outside the target root, no stack trace, one
 * operator line on stderr when the run fails, and the pull's peak RSS stays
 * under the bound the README states.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { formatDna, type ListingBody } from '@altbackup/shared';
import { DAY, filesBelow, md5Of, tempDir } from '@altbackup/shared/testing';
import { dnaOf, listedEntry, startHostileSource, type Handler, type HostileFile, type HostileSource } from './support/hostileSource.js';
import { runTargetMeasured, type MeasuredResult, type MeasureOptions } from './support/measured.js';
import { FAST, STREAM_COUNTS, streamFlags, tarballPath } from './support/pullFixtures.js';
import { runTarget } from './support/processes.js';

/** The bound on a pull's peak RSS that README.md states, whatever the source sends. */
const RSS_BOUND_KB = 256 * 1024;

const dirs: string[] = [];
const servers: { close(): Promise<void> }[] = [];
/** Every measured pull's peak RSS, reported once at the end (the closing note quotes it). */
const peaks: number[] = [];
after(async () => {
  if (peaks.length) console.log(`# peak RSS of ${peaks.length} hostile-source pulls: max ${Math.max(...peaks)} KiB, median ${[...peaks].sort((a, b) => a - b)[peaks.length >> 1]} KiB (bound ${RSS_BOUND_KB} KiB)`);
  for (const s of servers) await s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Mirror {
  /** Holds the target root and nothing else: anything else appearing here was written outside it. */
  dir: string;
  target: string;
}

function mirror(): Mirror {
  const dir = tempDir('hostile');
  dirs.push(dir);
  const target = join(dir, 'root');
  mkdirSync(target);
  return { dir, target };
}

async function hostile(files: HostileFile[], handler?: Handler): Promise<HostileSource> {
  const s = await startHostileSource(files, handler);
  servers.push(s);
  return s;
}

const A = tarballPath('dybsvn', 'dybsvn-20550.tar.gz');
const B = tarballPath('dybaux', 'dybaux-7.tar.gz');

function file(path: string, size: number): HostileFile {
  return { path, data: randomBytes(size) };
}

/** Set by each stream count's `before`; the listing cases need none. */
let streamArgs: string[] = [];

async function pull(m: Mirror, src: HostileSource | string, extra: string[] = [], opts: MeasureOptions = {}): Promise<MeasuredResult> {
  const url = typeof src === 'string' ? src : src.url;
  return runTargetMeasured(['--target', m.target, '--source', url, '--day', DAY, ...FAST, ...streamArgs, ...extra, 'pull'], { timeoutMs: 90_000, ...opts });
}

/** What every case must show, whatever else it shows. */
function assertContained(m: Mirror, r: MeasuredResult): void {
  peaks.push(r.maxRssKb);
  assert.deepEqual(readdirSync(m.dir), ['root'], 'nothing written outside the target root');
  assert.doesNotMatch(r.stderr, /\n\s+at |Unhandled|internal:|RequestAbortedError/, r.stderr);
  assert.ok(r.maxRssKb < RSS_BOUND_KB, `peak RSS ${r.maxRssKb} KiB over the ${RSS_BOUND_KB} KiB bound`);
}

function operatorLines(r: MeasuredResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('altbackup'));
}

function assertFails(m: Mirror, r: MeasuredResult, pattern: RegExp): void {
  assertContained(m, r);
  assert.equal(r.code, 1, r.stderr);
  const lines = operatorLines(r);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
}

/** Tarball files on the target (final names, sidecars, parts), relative. */
function targetFiles(m: Mirror): string[] {
  return filesBelow(m.target).filter((f) => !f.startsWith('.altbackup/'));
}

/** A listing body from arbitrary JSON, for the malformed cases. */
function listingHandler(body: unknown): Handler {
  return (req, res) => {
    if (!req.url!.startsWith('/v1/tarballs')) return;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
    return true;
  };
}

describe('hostile listings', () => {
  it('a path off the layout or climbing out refuses the whole listing, nothing written', async () => {
    const good = listedEntry(file(A, 1000));
    for (const path of ['../../etc/passwd.tar.gz', `svn/dybsvn/${DAY}/104701/../../../../../x.tar.gz`, `/svn/dybsvn/${DAY}/104701/x.tar.gz`, `svn/dybsvn/${DAY}/104701/.x.tar.gz`, 'svn/dybsvn/2024/02/30/104701/x.tar.gz', `svn/dybsvn/${DAY}/104701/x.tar.gz\u0000`, `svn\\dybsvn/${DAY}/104701/x.tar.gz`]) {
      const m = mirror();
      const src = await hostile([], listingHandler({ days: [DAY], tarballs: [good, { ...good, path }], pending: [], invalid: [] }));
      const r = await pull(m, src);
      assertFails(m, r, /^altbackup pull: bad-listing: listing from .* refused \(path .* is off the layout\): nothing was fetched/);
      assert.deepEqual(targetFiles(m), [], path);
      assert.equal(src.requests.filter((q) => q.url.startsWith('/v1/files/')).length, 0, 'no file asked for');
    }
  });

  it('malformed and contradictory entries refuse the listing with one line naming the problem', async () => {
    const f = file(A, 1000);
    const e = listedEntry(f);
    const cases: [unknown, RegExp][] = [
      ['{"tarballs": [', /not JSON/],
      [{ tarballs: {}, pending: [] }, /no tarballs and pending arrays/],
      [{ tarballs: ['x'], pending: [] }, /is not an object/],
      [{ tarballs: [{ ...e, size: -1, dna: { ...e.dna, size: -1 } }], pending: [] }, /lacks size, dna or etag/],
      [{ tarballs: [{ ...e, size: 1.5 }], pending: [] }, /lacks size, dna or etag/],
      [{ tarballs: [{ ...e, size: 2 ** 60 }], pending: [] }, /lacks size, dna or etag/],
      [{ tarballs: [{ ...e, size: 999 }], pending: [] }, /says 999 bytes but its dna says 1000/],
      [{ tarballs: [{ ...e, dna: { dig: e.dna!.dig.slice(1), size: 1000 } }], pending: [] }, /no 32-hex-digit md5/],
      [{ tarballs: [{ ...e, dna: { dig: 'z'.repeat(32), size: 1000 } }], pending: [] }, /no 32-hex-digit md5/],
      [{ tarballs: [{ ...e, dna: { dig: e.dna!.dig, size: '1000' } }], pending: [] }, /dna size that is not a whole number/],
      [{ tarballs: [{ ...e, etag: undefined }], pending: [] }, /lacks size, dna or etag/],
      [{ tarballs: [{ ...e, etag: 'no quotes\r\nX-Evil: 1' }], pending: [] }, /unusable ETag/],
      [{ tarballs: [{ ...e, mtime: 'yesterday' }], pending: [] }, /no ISO 8601 mtime/],
      [{ tarballs: [e, e], pending: [] }, /listed twice/],
      [{ tarballs: [e], pending: [{ path: A }] }, /listed twice/],
      [{ tarballs: [], pending: [{ path: '../x' }] }, /off the layout/],
    ];
    for (const [body, why] of cases) {
      const m = mirror();
      const src = await hostile([f], listingHandler(body));
      const r = await pull(m, src);
      assertFails(m, r, new RegExp(`^altbackup pull: bad-listing: .*${why.source}`));
      assert.deepEqual(targetFiles(m), [], JSON.stringify(body).slice(0, 80));
    }
  });

  it('a listing larger than target.max_listing is refused while it is read (announced or not)', async () => {
    const big = { days: [DAY], tarballs: [], pending: Array.from({ length: 4000 }, (_, i) => ({ path: tarballPath('dybsvn', `dybsvn-${i}.tar.gz`) })), invalid: [] };
    for (const chunked of [false, true]) {
      const m = mirror();
      const text = JSON.stringify(big);
      const src = await hostile([], (req, res) => {
        if (!req.url!.startsWith('/v1/tarballs')) return;
        res.writeHead(200, chunked ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return true;
      });
      const r = await pull(m, src, ['--max-listing', '64K']);
      assertFails(m, r, /^altbackup pull: bad-listing: .*refused \(the listing is larger than 64K, what is left of target\.max_listing for the selected days\)/);
    }
  });

  it('a listing just under the default cap stays within the memory bound', async () => {
    const m = mirror();
    // Nearly 4 MiB of pending entries of the asked day: all parsed and validated.
    const pending = Array.from({ length: 55_000 }, (_, i) => ({ path: tarballPath(`s${i % 997}`, `x${i}-${'p'.repeat(20)}.tar.gz`) }));
    const text = JSON.stringify({ days: [DAY], tarballs: [], pending, invalid: [] });
    assert.ok(text.length > 3.5 * (1 << 20) && text.length < 4 << 20, `${text.length} bytes`);
    const src = await hostile([], (req, res) => {
      if (!req.url!.startsWith('/v1/tarballs')) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
      return true;
    });
    const r = await pull(m, src);
    assertContained(m, r);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /55000 pending on the source/);
  });
});

for (const streams of STREAM_COUNTS) {
  describe(`hostile bodies (--streams ${streams})`, () => {
    before(() => (streamArgs = streamFlags(streams)));

    it('a body that never ends, or is longer than promised: the file stops at the dna size and verifies', async () => {
      for (const how of ['endless', 'longer'] as const) {
        const m = mirror();
        const f = file(A, 300_000);
        const src = await hostile([f], (req, res) => {
          if (!req.url!.startsWith('/v1/files/') || req.url!.endsWith('.dna')) return;
          // No Content-Length: the body is delimited by the connection, and it goes on.
          res.writeHead(200, { etag: listedEntry(f).etag, connection: 'close' });
          res.write(f.data);
          if (how === 'longer') {
            res.end(randomBytes(1 << 20));
          } else {
            const more = setInterval(() => { if (!res.write(randomBytes(64 << 10))) res.once('drain', () => undefined); }, 5);
            res.on('close', () => clearInterval(more));
          }
          return true;
        });
        const r = await pull(m, src);
        assertContained(m, r);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(statSync(join(m.target, A)).size, 300_000, how);
        assert.equal(md5Of(readFileSync(join(m.target, A))), f.dna?.dig ?? dnaOf(f.data).dig);
        assert.equal(readFileSync(join(m.target, A + '.dna'), 'utf8'), formatDna(dnaOf(f.data)));
      }
    });

    it('a Content-Length or Content-Range that disagrees with the dna is refused before a byte is written', async () => {
      for (const lie of ['content-length', 'content-range'] as const) {
        const m = mirror();
        const f = file(A, 300_000);
        const src = await hostile([f], (req, res) => {
          if (!req.url!.startsWith('/v1/files/') || req.url!.endsWith('.dna')) return;
          if (lie === 'content-length') res.writeHead(200, { 'content-length': 600_000, etag: listedEntry(f).etag });
          else res.writeHead(206, { 'content-range': 'bytes 0-599999/600000', 'content-length': 600_000, etag: listedEntry(f).etag });
          res.end(Buffer.concat([f.data, f.data]));
          return true;
        });
        const r = await pull(m, src);
        assertFails(m, r, new RegExp(`^altbackup pull: pull-failed: ${A.replace(/[.]/g, '\\.')}: .*(600000 bytes but its sidecar says 300000|file is 600000 bytes)`));
        const part = join(m.target, A + '.part');
        assert.equal(existsSync(part) ? statSync(part).size : 0, 0, `${lie}: nothing written`);
        assert.equal(existsSync(join(m.target, A)), false);
      }
    });

    it('a file larger than the free space is refused with one line naming the filesystem; a file that fits still goes', async () => {
      const m = mirror();
      const big = file(A, 12 << 20);
      const small = file(B, 200_000);
      const src = await hostile([big, small]);
      const r = await pull(m, src, ['--min-free', '1M'], { smallFs: { dir: m.target, bytes: 8 << 20 } });
      assertFails(m, r, new RegExp(`^altbackup pull: pull-failed: ${A.replace(/[.]/g, '\\.')}: not enough free space: needs 12M plus the 1\\.0M kept free \\(target\\.min_free\\), ${m.target.replace(/[.]/g, '\\.')} \\(tmpfs\\) has [\\d.]+[KM] free`));
      assert.match(r.stdout, new RegExp(`^fetched ${B.replace(/[.]/g, '\\.')} `, 'm'), 'the small file went');
      assert.equal(src.requests.filter((q) => q.url.includes(A.split('/').pop()!)).length, 0, 'the big one was never asked for');
    });
  });
}


/** A second loopback server that records whether anything, and a token, reached it. */
async function recorder(): Promise<{ url: string; seen: { url: string; authorization?: string }[] }> {
  const seen: { url: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

for (const streams of STREAM_COUNTS) {
  describe(`redirects (--streams ${streams})`, () => {
    before(() => (streamArgs = streamFlags(streams)));

    it('are never followed, for the listing or a file: the line names the Location and the token stays home', async () => {
      for (const what of ['listing', 'file'] as const) {
        const m = mirror();
        const other = await recorder();
        const f = file(A, 1000);
        const token = join(m.dir, '..', `token-${what}-${process.pid}`);
        writeFileSync(token, 's3cret-token\n');
        dirs.push(token);
        const src = await hostile([f], (req, res) => {
          const isListing = req.url!.startsWith('/v1/tarballs');
          if ((what === 'listing') !== isListing) return;
          res.writeHead(what === 'listing' ? 302 : 307, { location: `${other.url}${req.url}` });
          res.end();
          return true;
        });
        const r = await pull(m, src, ['--token-file', token]);
        assertFails(m, r, new RegExp(`^altbackup pull: (source-redirect|pull-failed): .*HTTP 30[27] from http://127\\.0\\.0\\.1:\\d+/v1/.* redirects to ${other.url}/v1/.*: altbackup never follows a redirect`));
        assert.deepEqual(other.seen, [], 'nothing, and no token, reached the other server');
        assert.ok(src.requests.every((q) => q.headers.authorization === 'Bearer s3cret-token'), 'the source itself got the token');
      }
    });
  });
}


for (const streams of STREAM_COUNTS) {
  describe(`a verified copy the source changes (--streams ${streams})`, () => {
    before(() => (streamArgs = streamFlags(streams)));

    it('is kept byte for byte with an alarm (exit 1, ledger, status) until --accept-changed moves it aside and fetches the new one', async () => {
      const m = mirror();
      const f = file(A, 200_000);
      const src = await hostile([f]);
      const first = await pull(m, src);
      assertContained(m, first);
      assert.equal(first.code, 0, first.stderr);
      const old = readFileSync(join(m.target, A));
      const oldDna = readFileSync(join(m.target, A + '.dna'), 'utf8');

      // Ransomware on the source: new bytes, and a sidecar rewritten to match.
      f.data = randomBytes(200_000);
      const changed = await pull(m, src);
      const newMd5 = md5Of(f.data);
      assertFails(m, changed, new RegExp(`^altbackup pull: source-changed: ${A.replace(/[.]/g, '\\.')}: the target holds md5 ${md5Of(old)} size 200000, the source now lists md5 ${newMd5} size 200000; the verified copy is kept; if the source's new version is right, run altbackup pull --accept-changed ${A.replace(/[.]/g, '\\.')}$`));
      assert.deepEqual(readFileSync(join(m.target, A)), old, 'kept byte for byte');
      assert.equal(readFileSync(join(m.target, A + '.dna'), 'utf8'), oldDna);
      assert.equal(src.requests.filter((q) => q.url.startsWith('/v1/files/') && q.url.endsWith('.tar.gz')).length, 1, 'the changed file was not fetched');
      const db = new Database(join(m.target, '.altbackup/ledger.sqlite'), { readonly: true });
      const rows = db.prepare('SELECT path, old_md5, old_size, new_md5, new_size, source_url, at, resolved_at FROM source_changes').all() as Record<string, unknown>[];
      db.close();
      assert.equal(rows.length, 1);
      assert.deepEqual({ ...rows[0], at: typeof rows[0]!.at }, { path: A, old_md5: md5Of(old), old_size: 200_000, new_md5: newMd5, new_size: 200_000, source_url: `${src.url}`, at: 'number', resolved_at: null });

      const status = await runTarget(['--target', m.target, '--day', DAY, '--timezone', 'UTC', '--max-age', '100000h', 'status']);
      assert.equal(status.code, 1);
      assert.match(status.stderr, new RegExp(`altbackup status: source changed a mirrored tarball: ${A.replace(/[.]/g, '\\.')}: the target holds md5 ${md5Of(old)}`));

      const accepted = await pull(m, src, ['--accept-changed', A]);
      assertContained(m, accepted);
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.deepEqual(readFileSync(join(m.target, A)), f.data, 'the new version, verified');
      const replaced = readdirSync(join(m.target, '.altbackup/replaced'));
      assert.equal(replaced.length, 1);
      assert.deepEqual(readFileSync(join(m.target, '.altbackup/replaced', replaced[0]!, A)), old, 'the old copy kept aside');
      const healthy = await runTarget(['--target', m.target, '--day', DAY, '--timezone', 'UTC', '--max-age', '100000h', 'status']);
      assert.doesNotMatch(healthy.stderr, /source changed/, healthy.stderr);
    });
  });
}


for (const streams of STREAM_COUNTS) {
  describe(`a source that feeds shrinking tarballs (--streams ${streams})`, () => {
    before(() => (streamArgs = streamFlags(streams)));

    it('marks them suspicious; purge_target keeps the good copies instead of counting them', async () => {
      const m = mirror();
      const days = ['2024/03/01', '2024/03/02', '2024/03/03', '2024/03/04', '2024/03/05'];
      const sizes = [100_000, 101_000, 102_000, 9_000, 8_000];
      const files = days.map((d, i) => file(tarballPath('dybsvn', `dybsvn-${100 + i}.tar.gz`, d), sizes[i]!));
      const src = await hostile(files);
      for (const day of days) {
        const r = await runTargetMeasured(['--target', m.target, '--source', src.url, '--day', day, ...FAST, ...streamArgs, 'pull'], { timeoutMs: 60_000 });
        assertContained(m, r);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(/SUSPICIOUS/.test(r.stdout), sizes[days.indexOf(day)]! < 50_000, `${day}: ${r.stdout}`);
      }
      const status = await runTarget(['--target', m.target, '--day', '2024/03/05', '--timezone', 'UTC', '--max-age', '100000h', 'status']);
      assert.equal(status.code, 1);
      assert.match(status.stderr, new RegExp(`suspicious: ${files[4]!.path.replace(/[.]/g, '\\.')} is 8000 bytes, 8% of the last good copy ${files[2]!.path.replace(/[.]/g, '\\.')}`));
      const ls = JSON.parse((await runTarget(['--target', m.target, '--json', 'ls'])).stdout) as { path: string; state: string }[];
      assert.deepEqual(ls.map((r) => r.state), ['verified', 'verified', 'verified', 'suspicious', 'suspicious']);
      const purge = await runTarget(['--target', m.target, '--keep', '2', '--json', 'purge_target']);
      assert.equal(purge.code, 0, purge.stderr);
      const left = targetFiles(m).filter((p) => p.endsWith('.tar.gz'));
      assert.deepEqual(left, files.slice(1).map((f) => f.path), 'two good copies kept, the suspicious ones not counted (and not deleted)');
    });
  });
}


describe('retention is the target\'s alone', () => {
  it('purge_target decides the same whatever the source lists, or if it is down', async () => {
    const m = mirror();
    const files = ['2024/03/01', '2024/03/02', '2024/03/03', '2024/03/04'].map((d, i) => file(tarballPath('dybsvn', `dybsvn-${i}.tar.gz`, d), 5000));
    for (const f of files) {
      mkdirSync(join(m.target, f.path, '..'), { recursive: true });
      writeFileSync(join(m.target, f.path), f.data);
      writeFileSync(join(m.target, f.path + '.dna'), formatDna(dnaOf(f.data)));
    }
    // A source that lists every copy changed, and one more that does not exist.
    const lying = await hostile(files.map((f) => ({ ...f, data: randomBytes(5000) })));
    const plans: string[] = [];
    for (const source of [lying.url, 'http://127.0.0.1:9', undefined]) {
      const r = await runTarget(['--target', m.target, '--keep', '2', '--json', '--dry-run', ...(source ? ['--source', source] : []), 'purge_target']);
      assert.equal(r.code, 0, r.stderr);
      plans.push(r.stdout);
    }
    assert.equal(plans[1], plans[0]);
    assert.equal(plans[2], plans[0]);
    assert.equal(lying.requests.length, 0, 'purge_target never asks the source');
  });

  it('calendar retention over 400 generated days keeps exactly the copies the rules name', async () => {
    const m = mirror();
    const start = Date.UTC(2023, 0, 1);
    const days = Array.from({ length: 400 }, (_, i) => new Date(start + i * 86_400_000));
    const dayText = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '/');
    const paths = days.map((d, i) => tarballPath('dybsvn', `dybsvn-${i}.tar.gz`, dayText(d)));
    for (const p of paths) {
      mkdirSync(join(m.target, p, '..'), { recursive: true });
      const data = Buffer.from(p);
      writeFileSync(join(m.target, p), data);
      writeFileSync(join(m.target, p + '.dna'), formatDna(dnaOf(data)));
    }
    // The rules, computed here another way: week buckets by their Monday, months by their first day.
    const newestPer = (key: (d: Date) => string, n: number): Set<number> => {
      const picked = new Map<string, number>();
      for (let i = days.length - 1; i >= 0 && picked.size <= n; i--) if (!picked.has(key(days[i]!))) picked.set(key(days[i]!), i);
      return new Set([...picked.values()].slice(0, n));
    };
    const monday = (d: Date) => dayText(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000));
    const expected = new Set<number>([
      ...[...Array(3).keys()].map((k) => days.length - 1 - k),
      ...newestPer(dayText, 10),
      ...newestPer(monday, 8),
      ...newestPer((d) => dayText(d).slice(0, 7), 12),
    ]);
    const r = await runTarget(['--target', m.target, '--keep', '3', '--keep-daily', '10', '--keep-weekly', '8', '--keep-monthly', '12', 'purge_target']);
    assert.equal(r.code, 0, r.stderr);
    const left = new Set(targetFiles(m).filter((p) => p.endsWith('.tar.gz')));
    assert.deepEqual([...left].sort(), [...expected].sort((a, b) => a - b).map((i) => paths[i]!));
    assert.equal(left.size, expected.size);
  });
});

describe('the listing helper of these tests', () => {
  it('serves what altbackup-source would, so each case changes one answer only', async () => {
    const f = file(A, 1234);
    const src = await hostile([f]);
    const body = JSON.parse(await (await fetch(`${src.url}/v1/tarballs?day=${encodeURIComponent(DAY)}`)).text()) as ListingBody;
    assert.deepEqual(body.tarballs.map((t) => [t.path, t.size, t.dna?.dig]), [[A, 1234, md5Of(f.data)]]);
  });
});
