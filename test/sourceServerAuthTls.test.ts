/**
 * Bearer token and TLS on a real server process: none/wrong/right token,
 * tokens never in the logs, the loopback rule and bad token files at start,
 * and HTTPS with a test CA trusted by curl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { md5OfFile, tempDir } from '@altbackup/shared/testing';
import { runSource, startSource } from './support/processes.js';
import { rawRequest, sampleRoot, tool } from './support/sourceServerFixture.js';
import type { SampleManifest } from '@altbackup/sample-tree';
import { makeTestPki } from './support/tls.js';

const TOKEN = 'tok-9f2c1d-not-for-logs';
const tmp = tempDir('authtls');
let manifest: SampleManifest;
let tokenFile: string;
let valid: SampleManifest['tarballs'][number];

before(async () => {
  manifest = await sampleRoot(join(tmp, 'root'), 0);
  valid = manifest.tarballs.find((t) => !t.pending)!;
  tokenFile = join(tmp, 'token');
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('token: none, wrong and right give 401, 401 and 200; /healthz stays open; the token is never logged', async () => {
  const server = await startSource(['--root', manifest.root, '--timezone', 'UTC', '--token-file', tokenFile, '--log-level', 'debug']);
  try {
    const path = `/v1/files/${valid.path}`;
    for (const url of [path, `/v1/tarballs?day=${valid.day}`, '/metrics']) {
      const none = await rawRequest(server.url, url);
      assert.equal(none.status, 401, `${url} without token`);
      assert.match(String(none.headers['www-authenticate']), /^Bearer/);
      assert.equal((await rawRequest(server.url, url, { headers: { authorization: `Bearer ${TOKEN}x` } })).status, 401, `${url} wrong token`);
      assert.equal((await rawRequest(server.url, url, { headers: { authorization: `Basic ${TOKEN}` } })).status, 401, `${url} wrong scheme`);
      assert.equal((await rawRequest(server.url, url, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, `${url} right token`);
    }
    assert.equal((await rawRequest(server.url, '/healthz')).status, 200);
    const out = join(tmp, 'curl-token.tar.gz');
    const r = await tool('curl', ['-sS', '--fail', '-H', `Authorization: Bearer ${TOKEN}`, '-o', out, `${server.url}${path}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(md5OfFile(out), valid.md5);
  } finally {
    assert.equal(await server.stop(), 0);
  }
  assert.ok(server.stderr().length > 0, 'the server logged something');
  assert.ok(!server.stderr().includes(TOKEN), 'token absent from the log');
  assert.ok(!server.stdout().includes(TOKEN), 'token absent from stdout');
});

test('start-up refusals exit 2 with one line: non-loopback without token, empty token file, half a TLS pair', async () => {
  const exposed = await runSource(['serve', '--root', manifest.root, '--listen', '0.0.0.0:0'], { timeoutMs: 20_000 });
  assert.equal(exposed.code, 2);
  assert.match(exposed.stderr, /refusing to listen on 0\.0\.0\.0 without a token.*--insecure-no-auth/);
  assert.equal(exposed.stderr.trim().split('\n').length, 1);

  const empty = join(tmp, 'empty-token');
  await writeFile(empty, '\n');
  const r = await runSource(['serve', '--root', manifest.root, '--listen', '127.0.0.1:0', '--token-file', empty], { timeoutMs: 20_000 });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /token file .*empty-token is empty/);

  const half = await runSource(['serve', '--root', manifest.root, '--listen', '127.0.0.1:0', '--tls-cert', join(tmp, 'nope.pem')], { timeoutMs: 20_000 });
  assert.equal(half.code, 2);
  assert.match(half.stderr, /TLS needs both --tls-cert and --tls-key/);

  const noRoot = await runSource(['serve', '--root', join(tmp, 'missing'), '--listen', '127.0.0.1:0'], { timeoutMs: 20_000 });
  assert.equal(noRoot.code, 2);
  assert.match(noRoot.stderr, /backup root .*missing cannot be read/);
});

test('TLS: curl trusts the test CA; without it the connection is refused', async () => {
  const pki = await makeTestPki(tmp);
  const server = await startSource(['--root', manifest.root, '--timezone', 'UTC', '--tls-cert', pki.cert, '--tls-key', pki.key, '--token-file', tokenFile]);
  try {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const url = `${server.url}/v1/files/${valid.path}`;
    const out = join(tmp, 'curl-tls.tar.gz');
    const ok = await tool('curl', ['-sS', '--fail', '--cacert', pki.ca, '-H', `Authorization: Bearer ${TOKEN}`, '-o', out, url]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(md5OfFile(out), valid.md5);
    const viaName = await tool('curl', ['-sS', '--fail', '--cacert', pki.ca, '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/healthz`]);
    assert.equal(viaName.code, 0, viaName.stderr);
    const untrusted = await tool('curl', ['-sS', '--fail', '-o', '/dev/null', url]);
    assert.equal(untrusted.code, 60, 'curl: peer certificate cannot be authenticated');
    const head = await rawRequest(server.url, `/v1/files/${valid.path}`, { method: 'HEAD', ca: await readFile(pki.ca), headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(valid.size));
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
