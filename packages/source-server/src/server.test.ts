import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, formatDna, reprDigestOf } from '@altbackup/shared';
import { md5Of, tempDir } from '@altbackup/shared/testing';
import { Catalog } from './catalog.js';
import { buildServer } from './server.js';

const DAY = '2024/01/03';
const P = `svn/dybsvn/${DAY}/104701/dybsvn-7.tar.gz`;
const BODY = Buffer.from('0123456789'.repeat(10));
const MD5 = md5Of(BODY);

async function fixture(token: string | null) {
  const root = tempDir('server');
  mkdirSync(join(root, `svn/dybsvn/${DAY}/104701`), { recursive: true });
  writeFileSync(join(root, P), BODY);
  writeFileSync(join(root, P + '.dna'), formatDna({ dig: MD5, size: BODY.length }));
  const catalog = await Catalog.open(root);
  const app = buildServer({ catalog, log: createLogger({ level: 'silent' }), token, timezone: 'UTC' });
  return { app, done: async () => { await app.close(); rmSync(root, { recursive: true, force: true }); } };
}

test('read-only: other methods get 405 with Allow', async () => {
  const f = await fixture(null);
  try {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      const r = await f.app.inject({ method, url: `/v1/files/${P}` });
      assert.equal(r.statusCode, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
  } finally {
    await f.done();
  }
});

test('token: /v1 and /metrics need it, /healthz does not and names no file', async () => {
  const f = await fixture('tok-123');
  try {
    for (const url of [`/v1/files/${P}`, `/v1/tarballs?day=${DAY}`, '/metrics', '/v1/nothing']) {
      assert.equal((await f.app.inject({ url })).statusCode, 401, url);
      assert.equal((await f.app.inject({ url, headers: { authorization: 'Bearer tok-12' } })).statusCode, 401, url);
    }
    const ok = await f.app.inject({ url: `/v1/files/${P}`, headers: { authorization: 'Bearer tok-123' } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.rawPayload, BODY);
    const h = await f.app.inject({ url: '/healthz' });
    assert.equal(h.statusCode, 200);
    assert.equal(h.json().status, 'ok');
    assert.doesNotMatch(h.body, /dybsvn|tar\.gz|svn/);
    const m = await f.app.inject({ url: '/metrics', headers: { authorization: 'Bearer tok-123' } });
    assert.match(m.body, /altbackup_source_requests_total\{route="files",status="401"\} 2/);
    assert.match(m.body, /altbackup_source_requests_total\{route="files",status="200"\} 1/);
    assert.match(m.body, /altbackup_source_requests_total\{route="other",status="401"\} 2/);
  } finally {
    await f.done();
  }
});

test('file route headers, conditional GET, and the listing formats', async () => {
  const f = await fixture(null);
  try {
    const head = await f.app.inject({ method: 'HEAD', url: `/v1/files/${P}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers['content-length'], String(BODY.length));
    assert.equal(head.headers['repr-digest'], reprDigestOf({ dig: MD5, size: BODY.length }));
    assert.equal(head.body, '');
    const etag = head.headers.etag as string;
    assert.equal((await f.app.inject({ url: `/v1/files/${P}`, headers: { 'if-none-match': etag } })).statusCode, 304);
    assert.equal((await f.app.inject({ url: `/v1/files/${P}`, headers: { 'if-match': '"nope"' } })).statusCode, 412);
    const dna = await f.app.inject({ url: `/v1/files/${P}.dna` });
    assert.equal(dna.body, formatDna({ dig: MD5, size: BODY.length }));
    const json = await f.app.inject({ url: `/v1/tarballs?day=${DAY}`, headers: { accept: 'application/json' } });
    assert.deepEqual(json.json().tarballs.map((t: { path: string; etag: string }) => [t.path, t.etag]), [[P, etag]]);
    const text = await f.app.inject({ url: `/v1/tarballs?day=${DAY}` });
    assert.match(text.headers['content-type'] as string, /^text\/plain/);
    assert.match(text.body, new RegExp(`${MD5}  ${P}`));
    const bad = await f.app.inject({ url: '/v1/tarballs?day=2024/02/30', headers: { accept: 'application/json' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /not a calendar date/);
  } finally {
    await f.done();
  }
});
