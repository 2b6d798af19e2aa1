/**
 * Ranged streaming against a real server process: the range cases of SPEC
 * section 4, HEAD headers, and real download tools (curl, wget, aria2c)
 * fetching, resuming and splitting a tarball; then shutdown with a download
 * running.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import http from 'node:http';
import { formatDna, reprDigestOf } from '@altbackup/shared';
import { md5Of, md5OfFile, tempDir, waitFor } from '@altbackup/shared/testing';
import { startSource, type RunningServer } from './support/processes.js';
import { rawRequest, sampleRoot, tool } from './support/sourceServerFixture.js';
import type { SampleManifest, SampleTarball } from '@altbackup/sample-tree';

const tmp = tempDir('ranges');
let manifest: SampleManifest;
let server: RunningServer;
let big: SampleTarball;
let whole: Buffer;
/** Larger than any socket buffers, so a paused client really holds the stream open. */
let huge: { path: string; md5: string };

before(async () => {
  manifest = await sampleRoot(join(tmp, 'root'), 3 * 1024 * 1024);
  big = manifest.tarballs.filter((t) => !t.pending).sort((a, b) => b.size - a.size)[0]!;
  whole = await readFile(join(manifest.root, big.path));
  const hugeBody = Buffer.alloc(64 * 1024 * 1024, 7);
  huge = { path: `${big.path.split('/').slice(0, 6).join('/')}/huge-1.tar.gz`, md5: md5Of(hugeBody) };
  await writeFile(join(manifest.root, huge.path), hugeBody);
  await writeFile(join(manifest.root, huge.path + '.dna'), formatDna({ dig: huge.md5, size: hugeBody.length }));
  server = await startSource(['--root', manifest.root, '--timezone', 'UTC']);
});

after(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const url = () => `${server.url}/v1/files/${big.path}`;
const get = (headers: Record<string, string> = {}, method = 'GET') => rawRequest(server.url, `/v1/files/${big.path}`, { headers, method });

test('HEAD: length, ranges, strong ETag, Last-Modified, Repr-Digest from the sidecar; no body', async () => {
  const r = await get({}, 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(big.size));
  assert.equal(r.headers['accept-ranges'], 'bytes');
  assert.match(String(r.headers.etag), /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/, 'strong (no W/)');
  const st = await stat(join(manifest.root, big.path));
  assert.equal(r.headers['last-modified'], st.mtime.toUTCString());
  assert.equal(r.headers['repr-digest'], reprDigestOf({ dig: big.md5, size: big.size }));
  assert.equal(r.body.length, 0);
  const again = await get({}, 'HEAD');
  assert.equal(again.headers.etag, r.headers.etag, 'stable while the file is unchanged');
});

test('ranges: a-b, a-, -n answer 206 with Content-Range; unsatisfiable 416 with bytes */size', async () => {
  const size = big.size;
  const cases: [string, number, number][] = [['bytes=0-99', 0, 99], ['bytes=1000-', 1000, size - 1], ['bytes=-500', size - 500, size - 1], ['bytes=10-' + (size + 100), 10, size - 1]];
  for (const [range, start, end] of cases) {
    const r = await get({ range });
    assert.equal(r.status, 206, range);
    assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
    assert.equal(r.headers['content-length'], String(end - start + 1), range);
    assert.deepEqual(r.body, whole.subarray(start, end + 1), range);
    assert.equal(r.headers['repr-digest'], reprDigestOf({ dig: big.md5, size }), 'digest of the whole file, also on 206');
  }
  for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0']) {
    const r = await get({ range });
    assert.equal(r.status, 416, range);
    assert.equal(r.headers['content-range'], `bytes */${size}`, range);
  }
});

test('If-Range: current ETag gives 206, stale ETag or date gives the whole file', async () => {
  const etag = String((await get({}, 'HEAD')).headers.etag);
  const current = await get({ range: 'bytes=100-199', 'if-range': etag });
  assert.equal(current.status, 206);
  assert.deepEqual(current.body, whole.subarray(100, 200));
  for (const stale of ['"0-0-0"', `W/${etag}`, 'Thu, 01 Jan 1998 00:00:00 GMT']) {
    const r = await get({ range: 'bytes=100-199', 'if-range': stale });
    assert.equal(r.status, 200, stale);
    assert.equal(r.body.length, big.size, stale);
    assert.equal(md5Of(r.body), big.md5, stale);
  }
});

test('curl downloads it whole, and `curl -C -` finishes a half download', async () => {
  const full = join(tmp, 'curl-full.tar.gz');
  const r = await tool('curl', ['-sS', '--fail', '-o', full, url()]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(md5OfFile(full), big.md5);
  const half = join(tmp, 'curl-half.tar.gz');
  await writeFile(half, whole.subarray(0, Math.floor(big.size / 2)));
  const resumed = await tool('curl', ['-sS', '--fail', '-C', '-', '-o', half, url()]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal((await stat(half)).size, big.size);
  assert.equal(md5OfFile(half), big.md5);
});

test('`wget -c` finishes a partial download', async () => {
  const dir = join(tmp, 'wget');
  await tool('mkdir', ['-p', dir]);
  const part = join(dir, big.name);
  await writeFile(part, whole.subarray(0, 12345));
  const r = await tool('wget', ['-q', '-c', '-O', part, url()]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(md5OfFile(part), big.md5);
});

test('aria2c splits the download over several ranged connections and gets it right', async () => {
  const dir = join(tmp, 'aria2');
  const r = await tool('aria2c', ['-q', '-x', '4', '-s', '4', '-k', '1M', '--min-split-size=1M', '--allow-overwrite=true', '--auto-file-renaming=false', '-d', dir, '-o', 'got.tar.gz', url()]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(md5OfFile(join(dir, 'got.tar.gz')), big.md5);
});

test('sidecar route returns the sidecar as stored', async () => {
  const r = await rawRequest(server.url, `/v1/files/${big.path}.dna`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, await readFile(join(manifest.root, big.path + '.dna')));
});

/** A download of `path` whose headers arrived and whose body waits, paused, in the socket. */
function pausedDownload(base: string, path: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${base}/v1/files/${path}`);
    http.get({ host: u.hostname, port: u.port, path: u.pathname, agent: false }, (r) => {
      r.pause();
      resolve(r);
    }).on('error', reject);
  });
}

test('SIGTERM: a running download may finish within the grace period, then exit 0', async () => {
  const own = await startSource(['--root', manifest.root, '--timezone', 'UTC', '--shutdown-grace', '20s']);
  const received: Buffer[] = [];
  const res = await pausedDownload(own.url, huge.path);
  const exited = new Promise<number | null>((resolve) => own.child.once('exit', (code) => resolve(code)));
  own.child.kill('SIGTERM');
  // The signal lands when the server next runs: wait until new connections
  // are refused while the download above is still open.
  await waitFor('no new connections once stopping', () => rawRequest(own.url, '/healthz').then(() => false, () => true), 10_000);
  const done = new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => received.push(c));
    res.on('end', resolve);
    res.on('error', reject);
  });
  res.resume();
  await done;
  assert.equal(md5Of(Buffer.concat(received)), huge.md5, 'the running download completed');
  assert.equal(await exited, 0);
});

test('SIGTERM: a stalled download is cut after the grace period and the server still exits 0', async () => {
  const own = await startSource(['--root', manifest.root, '--timezone', 'UTC', '--shutdown-grace', '300ms']);
  const res = await pausedDownload(own.url, huge.path);
  const cut = new Promise<string>((resolve) => {
    res.on('aborted', () => resolve('aborted'));
    res.on('error', () => resolve('error'));
    res.on('end', () => resolve('end'));
  });
  const exited = new Promise<number | null>((resolve) => own.child.once('exit', (code) => resolve(code)));
  own.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  res.resume();
  assert.notEqual(await cut, 'end', 'the stalled download did not complete');
  assert.match(own.stderr(), /cutting running downloads/);
});
