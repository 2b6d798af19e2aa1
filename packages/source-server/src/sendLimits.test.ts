/**
 * Why the file route does not hand files to @fastify/send (see
 * httpConditions.ts): these facts about the library decide it, and this test
 * says so if a later version changes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import send from '@fastify/send';
import { tempDir } from '@altbackup/shared/testing';

test('@fastify/send: weak ETag without file identity; with it off, If-Range never allows a range', async () => {
  const dir = tempDir('send');
  try {
    const file = join(dir, 'a.tar.gz');
    writeFileSync(file, 'x'.repeat(1000));
    const st = statSync(file);
    const req = (headers: Record<string, string>) => ({ method: 'GET', headers }) as unknown as Parameters<typeof send>[0];
    const plain = await send(req({}), '/a.tar.gz', { root: dir });
    const etag = String(plain.headers.ETag);
    assert.match(etag, /^W\//, 'weak entity tag');
    assert.ok(!etag.includes(st.ino.toString(16)), 'no inode in the tag');
    assert.equal((await text(plain.stream)).length, 1000);
    const resumed = await send(req({ range: 'bytes=500-', 'if-range': '"some-strong-tag"' }), '/a.tar.gz', { root: dir, etag: false });
    assert.equal(resumed.statusCode, 200);
    assert.equal((await text(resumed.stream)).length, 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
