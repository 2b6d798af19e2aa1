/**
 * `altbackup pull` against the real source server, through the fault proxy:
 * a whole day mirrored byte for byte, then each network misbehaviour of
 * SPEC section 5 ending with a verified file.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { formatDna, parseDna } from '@altbackup/shared';
import { DAY, md5OfFile, tempDir } from '@altbackup/shared/testing';
import { runTarget, startSource } from './support/processes.js';
import { makeSampleTree } from '@altbackup/sample-tree';
import {
  FAST, STREAM_COUNTS, assertMirror, bodyRequests, bytesSent, filesUnder, pull, rigPool, streamFlags, tarballPath, writeSourceTarball,
} from './support/pullFixtures.js';

const rig = rigPool();

const MiB = 1 << 20;
const A = tarballPath('dybsvn', 'dybsvn-20550.tar.gz');
const B = tarballPath('dybaux', 'dybaux-5123.tar.gz');

/** Set by each stream count's `before`. */
let streamArgs: string[] = [];
const pullN = (r: Parameters<typeof pull>[0], extra: string[] = []) => pull(r, [...streamArgs, ...extra]);

function ok(r: { code: number | null; stderr: string }): void {
  assert.equal(r.code, 0, r.stderr);
}

describe('pull: a day', () => {
  it('mirrors every tarball byte for byte with its sidecar, skips pending ones, and a second pull fetches 0 bytes', async () => {
    const src = tempDir('pull-sample-src');
    const dst = tempDir('pull-sample-dst');
    const manifest = await makeSampleTree({ root: src, days: 2, end: DAY, bulk: 512 * 1024 });
    const server = await startSource(['--root', src, '--timezone', 'UTC']);
    try {
      const args = ['pull', '--target', dst, '--source', server.url, '--day', DAY, ...FAST];
      const first = await runTarget(args);
      ok(first);
      const day = manifest.tarballs.filter((t) => t.day === DAY);
      const complete = day.filter((t) => !t.pending);
      assert.ok(complete.length >= 4 && day.some((t) => t.pending));
      for (const t of complete) {
        const abs = join(dst, t.path);
        assert.equal(md5OfFile(abs), t.md5, t.path);
        const srcDna = readFileSync(join(src, t.path + '.dna'), 'utf8');
        const dstDna = readFileSync(abs + '.dna', 'utf8');
        // Canonical source sidecars are copied byte for byte; legacy forms (`L`, double quotes) are written canonically.
        if (t.dnaForm === 'canonical') assert.equal(dstDna, srcDna, t.path);
        else assert.equal(dstDna, formatDna(parseDna(srcDna, t.path)), t.path);
      }
      assert.deepEqual(filesUnder(dst), complete.flatMap((t) => [t.path, t.path + '.dna']).sort(), 'nothing else on the target: no pending tarball, no other day');
      assert.match(first.stdout, new RegExp(`${complete.length} fetched .*1 pending on the source`));

      const second = await runTarget([...args, '--json']);
      ok(second);
      const j = JSON.parse(second.stdout);
      assert.equal(j.summary.bytes, 0);
      assert.equal(j.summary.skipped, complete.length);
      assert.equal(j.summary.fetched, 0);

      const db = new Database(join(dst, '.altbackup/ledger.sqlite'), { readonly: true });
      const runs = db.prepare("SELECT result FROM runs WHERE command = 'pull'").all() as { result: string }[];
      const transfers = db.prepare("SELECT COUNT(*) AS n, SUM(bytes_fetched) AS bytes FROM transfers WHERE result = 'ok'").get() as { n: number; bytes: number };
      db.close();
      assert.deepEqual(runs.map((r) => r.result), ['ok', 'ok']);
      assert.equal(transfers.n, complete.length);
      assert.equal(transfers.bytes, complete.reduce((n, t) => n + t.size, 0));
    } finally {
      await server.stop();
      rmSync(src, { recursive: true, force: true });
      rmSync(dst, { recursive: true, force: true });
    }
  });

  it('--dry-run prints the plan and fetches nothing', async () => {
    const r = await rig();
    const f = writeSourceTarball(r.src, A, 100_000);
    const res = await pull(r, ['--dry-run']);
    ok(res);
    assert.match(res.stdout, new RegExp(`fetch +${f.path}`));
    assert.deepEqual(filesUnder(r.dst), []);
    assert.equal(bodyRequests(r.proxy, A).length, 0);
  });
});

for (const streams of STREAM_COUNTS) {
  describe(`pull: network faults (--streams ${streams})`, () => {
    before(() => (streamArgs = streamFlags(streams)));

    it('a cut at 30% and another at 70% resume with Range; total bytes stay under size + 1 MiB', async () => {
      const size = 6 * MiB;
      let bodies = 0;
      const r = await rig((req) => {
        if (!req.url.startsWith('/v1/files/')) return undefined;
        const from = Number(/bytes=(\d+)-/.exec(String(req.headers.range ?? ''))?.[1] ?? 0);
        bodies++;
        if (bodies === 1) return { kind: 'cut', afterBytes: Math.floor(0.3 * size) };
        if (bodies === 2) return { kind: 'cut', afterBytes: Math.floor(0.7 * size) - from };
        return undefined;
      });
      const f = writeSourceTarball(r.src, A, size);
      const res = await pullN(r);
      ok(res);
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      const reqs = bodyRequests(r.proxy, A);
      if (streams === 1) {
        assert.equal(reqs.length, 3);
        assert.equal(reqs[0]!.range, undefined);
        const starts = reqs.slice(1).map((q) => Number(/^bytes=(\d+)-$/.exec(q.range ?? '')?.[1]));
        assert.ok(starts[0]! > 0.25 * size && starts[0]! <= 0.3 * size, `resumed at ${starts[0]}`);
        assert.ok(starts[1]! > 0.65 * size && starts[1]! <= 0.7 * size, `resumed at ${starts[1]}`);
      }
      assert.ok(reqs.slice(1).every((q) => q.ifRange), 'If-Range on every resume');
      assert.ok(bytesSent(r.proxy, A) < size + MiB, `sent ${bytesSent(r.proxy, A)}`);
    });

    it('a stall after headers, a stall mid-body and a silent server each time out; the retries resume; well inside the deadline', async () => {
      const size = 4 * MiB;
      const r = await rig((req) => {
        if (!req.url.startsWith('/v1/files/')) return undefined;
        return [{ kind: 'stallBody', afterBytes: 0 } as const, { kind: 'stallBody', afterBytes: 2 * MiB } as const, { kind: 'stallHeaders' } as const][req.n - 1];
      });
      const f = writeSourceTarball(r.src, A, size);
      const res = await pullN(r);
      ok(res);
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      const reqs = bodyRequests(r.proxy, A);
      if (streams === 1) {
        assert.equal(reqs.length, 4);
        assert.equal(reqs[3]!.range, reqs[2]!.range, 'after the silent server it resumes at the same place');
        assert.match(reqs[2]!.range ?? '', /^bytes=2097152-$/);
      }
      assert.ok(res.ms < 10_000, `took ${res.ms} ms against a 20 s deadline`);
      assert.match(res.stderr, /UND_ERR_BODY_TIMEOUT/);
      assert.match(res.stderr, /UND_ERR_HEADERS_TIMEOUT/);
    });

    it('503 twice, then success', async () => {
      const r = await rig((req) => (req.url.startsWith('/v1/files/') && req.n <= 2 ? { kind: 'status', status: 503 } : undefined));
      const f = writeSourceTarball(r.src, A, 2 * MiB);
      ok(await pullN(r));
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      assert.deepEqual(bodyRequests(r.proxy, A).map((q) => q.status), streams === 1 ? [503, 503, 200] : [503, 503, 206, 206]);
    });

    it('a server ignoring Range (200) makes it start over; the file verifies', async () => {
      const size = 3 * MiB;
      const r = await rig((req) => (req.n === 1 ? { kind: 'cut', afterBytes: MiB } : req.n === 2 ? { kind: 'ignoreRange' } : undefined));
      const f = writeSourceTarball(r.src, A, size);
      const res = await pullN(r);
      ok(res);
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      if (streams === 1) {
        assert.deepEqual(bodyRequests(r.proxy, A).map((q) => q.status), [200, 200]);
        assert.match(res.stderr, /sent the whole file instead of the range asked/);
      } else {
        assert.match(res.stderr, /Range ignored\): one stream from here/);
      }
    });

    it('a Content-Range starting earlier than asked: the overlap is skipped, not appended', async () => {
      const size = 3 * MiB;
      const r = await rig((req) => (req.n === 1 ? { kind: 'cut', afterBytes: MiB } : req.n === 2 ? { kind: 'shiftRange', by: 100_000 } : undefined));
      const f = writeSourceTarball(r.src, A, size);
      ok(await pullN(r));
      assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
      const reqs = bodyRequests(r.proxy, A);
      if (streams === 1) assert.deepEqual(reqs.map((q) => q.status), [200, 206]);
      assert.equal(bytesSent(r.proxy, A), size + 100_000);
    });

    it('a file replaced on the source between attempts (new ETag) is refused, then fetched anew by the next run and verified', async () => {
      let replaced: ReturnType<typeof writeSourceTarball> | null = null;
      let src = '';
      const r = await rig((req) => {
        if (req.n === 1) return { kind: 'cut', afterBytes: MiB };
        if (req.n === 2 && !replaced) replaced = writeSourceTarball(src, A, 3 * MiB + 17, 'replacement');
        return undefined;
      });
      src = r.src;
      writeSourceTarball(r.src, A, 3 * MiB);
      const refused = await pullN(r);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /pull-failed: .*: the source's file now has md5 [0-9a-f]{32}, its listing said [0-9a-f]{32}: it changed since it was listed/);
      assert.equal(existsSync(join(r.dst, A)), false, 'not a byte of the new file under the final name');
      const reqs = bodyRequests(r.proxy, A);
      assert.ok(reqs.slice(1).some((q) => q.status === 200), 'If-Range with the old ETag answers the whole new file');
      await r.settle();
      const res = await pullN(r);
      ok(res);
      assert.ok(replaced);
      assert.deepEqual(assertMirror(r.src, r.dst, [replaced]), []);
    });

    it('one corrupted byte: detected, quarantined, refetched, verified', async () => {
      const r = await rig((req) => (req.n === 1 ? { kind: 'corrupt', offset: 234_567 } : undefined));
      const f = writeSourceTarball(r.src, A, 2 * MiB);
      const res = await pullN(r);
      ok(res);
      const q = readdirSync(join(r.dst, '.altbackup/quarantine'));
      assert.equal(q.length, 1);
      assert.deepEqual(assertMirror(r.src, r.dst, [f], [`.altbackup/quarantine/${q[0]}`]), []);
      assert.ok(q[0]!.startsWith(A.replace(/\//g, '__') + '.'));
      assert.match(res.stderr, /digest mismatch/);
    });

    it('persistent corruption: exit 1, one line, no final file, no sidecar', async () => {
      const r = await rig((req) => (req.url.startsWith('/v1/files/') ? { kind: 'corrupt', offset: 99 } : undefined));
      writeSourceTarball(r.src, A, MiB);
      const res = await pullN(r);
      assert.equal(res.code, 1);
      const last = res.stderr.trim().split('\n').at(-1)!;
      assert.match(last, /^altbackup pull: pull-failed: svn\/dybsvn\/.*digest mismatch twice/);
      assert.equal(existsSync(join(r.dst, A)), false);
      assert.equal(existsSync(join(r.dst, A + '.dna')), false);
      assert.equal(existsSync(join(r.dst, A + '.part')), false);
      assert.equal(readdirSync(join(r.dst, '.altbackup/quarantine')).length, 2);
    });

    it('404 on a file fails at once, naming the URL and what to do, no retries', async () => {
      const r = await rig((req) => (req.url.startsWith('/v1/files/') ? { kind: 'status', status: 404 } : undefined));
      writeSourceTarball(r.src, A, 1000);
      const res = await pullN(r, ['--retry-min-delay', '2s']);
      assert.equal(res.code, 1);
      assert.equal(bodyRequests(r.proxy, A).length, 1);
      assert.match(res.stderr.trim().split('\n').at(-1)!, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/v1\/files\/svn\/dybsvn\/.*no longer serves this path/);
    });

    it('two files at once under a shared bandwidth limit', async () => {
      const r = await rig();
      const files = [writeSourceTarball(r.src, A, MiB), writeSourceTarball(r.src, B, MiB)];
      const res = await pullN(r, ['--bwlimit', '1M', '--concurrency', '2']);
      ok(res);
      assert.deepEqual(assertMirror(r.src, r.dst, files), []);
      // 2 MiB at 1 MiB/s with a one-second burst: at least about a second.
      assert.ok(res.ms > 900, `took ${res.ms} ms`);
    });
  });
}

