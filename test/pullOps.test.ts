/**
 * `altbackup pull` as an operator meets it: several sources, the lock, kill -9
 * in the middle of a file, the old tool's truncated copy, a wrong token, and
 * HTTPS with a private CA and a token that never reaches a log.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DAY, tempDir, waitFor } from '@altbackup/shared/testing';
import { runTarget, startSource } from './support/processes.js';
import { makeTestPki } from './support/tls.js';
import {
  FAST, assertMirror, bodyRequests, bytesSent, exited, filesUnder, killPullWhen, pull, pullArgs, spawnPull, rigPool, tarballPath, writeSourceTarball,
} from './support/pullFixtures.js';

const rig = rigPool();

const MiB = 1 << 20;
const A = tarballPath('dybsvn', 'dybsvn-20550.tar.gz');
/** The operator line runProgram prints for a failed command (debug logging may follow it). */
const lastLine = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('altbackup ')).at(-1) ?? '';

describe('pull: sources', () => {
  it('falls back from an unresolvable first source to the second, and the log names the fallback', async () => {
    const r = await rig();
    const f = writeSourceTarball(r.src, A, MiB);
    const res = await runTarget(['pull', '--target', r.dst, '--source', 'http://nonexistent.invalid:7878', '--source', r.url, '--day', DAY, ...FAST]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    assert.match(res.stderr, new RegExp(`source http://nonexistent\\.invalid:7878 failed \\((ENOTFOUND|EAI_AGAIN)[^)]*\\), using ${r.url.replace(/\./g, '\\.')}`));
  });

  it('all sources bad: exit 1 within the deadline, one line naming each cause', async () => {
    const dst = tempDir('pull-nosrc');
    const res = await runTarget(['pull', '--target', dst, '--source', 'http://nonexistent.invalid:7878', '--source', 'http://127.0.0.1:1', '--day', DAY, ...FAST, '--retries', '3', '--deadline', '10s']);
    assert.equal(res.code, 1);
    assert.match(lastLine(res.stderr), /^altbackup pull: source-unreachable: all sources failed: http:\/\/nonexistent\.invalid:7878 \((ENOTFOUND|EAI_AGAIN)[^)]*\), http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED[^)]*\): check the network/);
    assert.ok(res.ms < 10_000, `took ${res.ms} ms`);

    const bounded = await runTarget(['pull', '--target', dst, '--source', 'http://127.0.0.1:1', '--day', DAY, ...FAST, '--retries', '1000', '--deadline', '2s']);
    assert.equal(bounded.code, 1);
    assert.match(lastLine(bounded.stderr), /deadline: the run deadline of 2\.0s passed while listing the source; nothing was pulled \(last failure: all sources failed: http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED/);
    assert.ok(bounded.ms < 2000 + 3000, `took ${bounded.ms} ms`);
  });
});

describe('pull: one run per target', () => {
  it('a second concurrent pull exits 75 at once naming the holder; SIGTERM stops the first cleanly and frees the lock', async () => {
    const r = await rig();
    writeSourceTarball(r.src, A, 4 * MiB);
    await r.settle();
    const first = spawnPull(pullArgs(r, ['--bwlimit', '512K']));
    let firstErr = '';
    first.stderr!.setEncoding('utf8').on('data', (d: string) => { firstErr += d; });
    const lock = join(r.dst, '.altbackup/pull.lock');
    await waitFor('the first pull to start its download', () => existsSync(join(r.dst, A + '.part')), 20_000);
    const second = await pull(r);
    assert.equal(second.code, 75);
    assert.match(lastLine(second.stderr), new RegExp(`^altbackup pull: locked: another pull holds .*pull\\.lock \\(pid ${first.pid}, started \\d{4}-\\d\\d-\\d\\dT`));
    assert.ok(second.ms < 15_000, `took ${second.ms} ms: a locked run must not wait`);
    first.kill('SIGTERM');
    const end = await exited(first);
    assert.equal(end.code, 1);
    assert.match(firstErr, /interrupted by SIGTERM.*\.part files are kept/);
    assert.equal(existsSync(lock), false, 'lock released');
    assert.ok(existsSync(join(r.dst, A + '.part')));
  });

  it('kill -9 in the middle of a file three times: each next run takes the lock over and resumes; the last completes with nothing left behind', async () => {
    const size = 8 * MiB;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    const part = join(r.dst, A + '.part');
    const partSize = () => (existsSync(part) ? statSync(part).size : 0);
    const resumedAt: number[] = [];
    for (const fraction of [0.2, 0.5, 0.8]) {
      await r.settle();
      await killPullWhen(pullArgs(r, ['--bwlimit', '2M']), `.part at ${fraction * 100}%`, () => partSize() >= fraction * size);
      resumedAt.push(partSize());
      assert.ok(existsSync(join(r.dst, '.altbackup/pull.lock')), 'a killed pull leaves its lock behind');
    }
    const res = await pull(r);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), [], 'verified, and no lock, .part, meta or temp file left');
    const ranges = bodyRequests(r.proxy, A).map((q) => Number(/^bytes=(\d+)-$/.exec(q.range ?? '')?.[1] ?? 0));
    assert.equal(ranges[0], 0);
    // Each run continues exactly where the killed one's bytes on disk end.
    assert.deepEqual(ranges, [0, ...resumedAt]);
  });
});

describe('pull: the hash state saved while downloading', () => {
  /** Kills a pull (checkpoints every 1 MiB) once its .part passes `fraction`; returns the .part's size. */
  async function killAt(r: Awaited<ReturnType<typeof rig>>, size: number, fraction: number): Promise<number> {
    const part = join(r.dst, A + '.part');
    const meta = part + '.meta';
    await r.settle();
    // Past the fraction, and a checkpoint on disk: the resume has something to start from.
    await killPullWhen(pullArgs(r, ['--bwlimit', '4M', '--checkpoint', '1M']), `.part at ${fraction * 100}% with a checkpoint`,
      () => existsSync(part) && statSync(part).size >= fraction * size && existsSync(meta) && readFileSync(meta, 'utf8').includes('"hashed":{'));
    return statSync(part).size;
  }

  it('kill -9 at 60%: the next run reads back only what came after the last checkpoint, fetches nothing twice, and verifies', async () => {
    const size = 16 * MiB;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    const held = await killAt(r, size, 0.6);
    const hashed = JSON.parse(readFileSync(join(r.dst, A + '.part.meta'), 'utf8')).hashed as { offset: number; state: string };
    assert.ok(hashed.offset > 0 && hashed.offset <= held && hashed.offset % 64 === 0, JSON.stringify(hashed));
    const res = await pull(r, ['--log-level', 'info']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    const readBack = Number(/resuming at \d+ of \d+ bytes \((\d+) read back to hash\)/.exec(res.stderr)?.[1]);
    assert.equal(readBack, held - hashed.offset, res.stderr);
    assert.ok(readBack < held, `read back ${readBack} of ${held}`);
    assert.equal(bodyRequests(r.proxy, A).at(-1)!.range, `bytes=${held}-`);
  });

  it('a saved state that does not match the bytes (tampered) cannot pass verification: the digest catches it, the file is fetched again and verifies', async () => {
    const size = 8 * MiB;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    await killAt(r, size, 0.5);
    const metaFile = join(r.dst, A + '.part.meta');
    const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
    meta.hashed.state = meta.hashed.state.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    writeFileSync(metaFile, JSON.stringify(meta));
    const res = await pull(r);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /digest mismatch/);
    const q = filesUnder(join(r.dst, '.altbackup/quarantine'));
    assert.equal(q.length, 1, 'the bad download is kept aside');
    assert.deepEqual(assertMirror(r.src, r.dst, [f], [`.altbackup/quarantine/${q[0]}`]), []);
  });
  it('a saved state never applies to other bytes: an old copy under the final name taking the .part\'s place is read back whole and caught', async () => {
    const size = 8 * MiB;
    let filesFail = false;
    const r = await rig((req) => (filesFail && req.url.startsWith('/v1/files/') ? { kind: 'status', status: 503 } : undefined));
    const f = writeSourceTarball(r.src, A, size);
    await killAt(r, size, 0.5);
    // The old tool's copy of another version under the final name, as long as the source's, no sidecar:
    // the next run continues it (the longer one) in place of the .part, whose meta holds a checkpoint.
    const abs = join(r.dst, A);
    const wrong = readFileSync(join(r.src, A));
    wrong.fill(0, 0, MiB);
    writeFileSync(abs, wrong);
    // That run ends before the source sends a byte...
    filesFail = true;
    const down = await pull(r, ['--retries', '0']);
    assert.equal(down.code, 1, down.stderr);
    assert.ok(existsSync(join(r.dst, A + '.part')) && !existsSync(abs), 'the old copy is the .part now');
    // ...and the next one must not trust the old .part's hash state for these bytes.
    filesFail = false;
    const res = await pull(r);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /digest mismatch/);
    const q = filesUnder(join(r.dst, '.altbackup/quarantine'));
    assert.deepEqual(assertMirror(r.src, r.dst, [f], q.map((n) => `.altbackup/quarantine/${n}`)), []);
  });
});

describe('pull: target state', () => {
  it("the old tool's truncated final file without sidecar is resumed, not re-sent", async () => {
    const size = 1_531_229;
    const have = 1_147_682;
    const r = await rig();
    const f = writeSourceTarball(r.src, A, size);
    const abs = join(r.dst, A);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, readFileSync(join(r.src, A)).subarray(0, have));
    const res = await pull(r);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(assertMirror(r.src, r.dst, [f]), []);
    assert.deepEqual(bodyRequests(r.proxy, A).map((q) => q.range), [`bytes=${have}-`]);
    assert.equal(bytesSent(r.proxy, A), size - have);
  });
});

describe('pull: authentication and TLS', () => {
  it('401 (no token, or a wrong one): immediate failure with a clear line, no retries', async () => {
    const dir = tempDir('pull-401');
    writeFileSync(join(dir, 'token'), 's3cret-token-value\n');
    writeFileSync(join(dir, 'wrong'), 'not-the-token\n');
    const r = await rig(undefined, ['--token-file', join(dir, 'token')]);
    writeSourceTarball(r.src, A, 1000);
    for (const extra of [[], ['--token-file', join(dir, 'wrong')]]) {
      const before = r.proxy.requests.length;
      const res = await pull(r, ['--retry-min-delay', '2s', ...extra]);
      assert.equal(res.code, 1);
      assert.match(lastLine(res.stderr), /HTTP 401 from http:\/\/127\.0\.0\.1:\d+\/v1\/tarballs\?.*: check --token-file/);
      assert.equal(r.proxy.requests.length - before, 1, 'one request, no retries');
    }
  });

  it('HTTPS with a private CA and a token: succeeds with --ca; without it, one certificate line and exit 1; the token is in no log line', async () => {
    const dir = tempDir('pull-tls');
    const pki = await makeTestPki(dir);
    const token = 'tls-token-' + 'x'.repeat(24);
    writeFileSync(join(dir, 'token'), token + '\n');
    const src = tempDir('pull-tls-src');
    const dst = tempDir('pull-tls-dst');
    const f = writeSourceTarball(src, A, MiB);
    const server = await startSource(['--root', src, '--timezone', 'UTC', '--tls-cert', pki.cert, '--tls-key', pki.key, '--token-file', join(dir, 'token')]);
    try {
      assert.match(server.url, /^https:/);
      const base = ['pull', '--target', dst, '--source', server.url, '--day', DAY, ...FAST, '--token-file', join(dir, 'token')];
      const logFile = join(dir, 'pull.log');
      const good = await runTarget([...base, '--ca', pki.ca, '--log-level', 'debug', '--log-file', logFile]);
      assert.equal(good.code, 0, good.stderr);
      assert.deepEqual(assertMirror(src, dst, [f]), []);
      const bad = await runTarget([...base, '--log-level', 'debug']);
      assert.equal(bad.code, 1);
      assert.match(lastLine(bad.stderr), /^altbackup pull: source-unreachable: all sources failed: https:\/\/127\.0\.0\.1:\d+ \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)[^)]*\): check --ca/);
      assert.ok(bad.ms < 5000, 'a certificate error is not retried');
      for (const text of [good.stdout, good.stderr, readFileSync(logFile, 'utf8'), bad.stdout, bad.stderr, server.stdout(), server.stderr()]) {
        assert.equal(text.includes(token), false, 'token leaked into a log');
      }
      assert.ok(filesUnder(dst).length > 0);
    } finally {
      await server.stop();
    }
  });
});
