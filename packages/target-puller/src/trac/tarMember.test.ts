import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { AltError } from '@altbackup/shared';
import { md5Of, md5OfFile, tempDir } from '@altbackup/shared/testing';
import { isUnsafeMemberName, normaliseMemberName } from '../restore/archiveReader.js';
import { extractMember, extractedPathOf, SQLITE_MAGIC, tracdbMemberOf } from './tarMember.js';

test('member names: leading ./ is dropped, nothing else is rewritten', () => {
  assert.equal(normaliseMemberName('./dybsvn/db/trac.db'), 'dybsvn/db/trac.db');
  assert.equal(normaliseMemberName('././dybsvn/db/trac.db'), 'dybsvn/db/trac.db');
  assert.equal(normaliseMemberName('dybsvn/./db/trac.db'), 'dybsvn/./db/trac.db');
  assert.equal(normaliseMemberName('/dybsvn/db/trac.db'), '/dybsvn/db/trac.db');
  assert.equal(tracdbMemberOf('dybsvn'), 'dybsvn/db/trac.db');
});

test('unsafe member names: absolute or climbing with ..', () => {
  assert.ok(isUnsafeMemberName('/etc/passwd'));
  assert.ok(isUnsafeMemberName('../dybsvn/db/trac.db'));
  assert.ok(isUnsafeMemberName('dybsvn/../../x'));
  assert.ok(!isUnsafeMemberName('dybsvn/db/trac.db'));
  assert.ok(!isUnsafeMemberName('dybsvn/..db/x'));
});

test('the destination comes from the layout path only', () => {
  assert.equal(
    extractedPathOf('/base', { day: '2013/05/19', time: '104702' }, 'dybsvn'),
    '/base/tracs/dybsvn/2013/05/19/104702/dybsvn/db/trac.db',
  );
});

async function tarGz(members: { name: string; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const m of members) pack.entry({ name: m.name, size: m.data.length }, m.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return gzipSync(Buffer.concat(chunks));
}

function fakeDb(size: number): Buffer {
  return Buffer.concat([SQLITE_MAGIC, randomBytes(size - SQLITE_MAGIC.length)]);
}

test('a GNU-style ./ member is extracted; reading stops right after it (a corrupt tail is never read)', async (t) => {
  const dir = tempDir('extract-unit');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = fakeDb(300_000);
  const gz = await tarGz([
    { name: './dybsvn/VERSION', data: Buffer.from('Trac Environment Version 1\n') },
    { name: './dybsvn/db/trac.db', data: db },
    { name: './dybsvn/bulk.bin', data: randomBytes(16 << 20) },
  ]);
  gz.fill(0xff, gz.length - 4096); // breaks the gzip stream well after the member
  const archive = join(dir, 'dybsvn.tar.gz');
  await writeFile(archive, gz);
  const out = join(dir, 'base/tracs/dybsvn/2024/01/01/104701/dybsvn/db/trac.db');
  const r = await extractMember(archive, 'dybsvn/db/trac.db', out, { label: 'test', base: join(dir, 'base') });
  assert.deepEqual(r, { result: 'extracted', size: db.length });
  assert.equal(md5OfFile(out), md5Of(db));
  assert.deepEqual(await readdir(join(out, '..')), ['trac.db'], 'no temp file left');

  const again = await extractMember(archive, 'dybsvn/db/trac.db', out, { label: 'test', base: join(dir, 'base') });
  assert.equal(again.result, 'already');

  // The same archive read to the end fails: proof the tail was corrupt.
  await assert.rejects(extractMember(archive, 'dybsvn/missing', join(dir, 'base/x/trac.db'), { label: 'test', base: join(dir, 'base') }),
    (e: unknown) => e instanceof AltError && e.code === 'archive-corrupt');
  assert.equal(existsSync(join(dir, 'base/x')), false);
});

test('a symlink below base never redirects the write', async (t) => {
  const dir = tempDir('extract-unit');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const archive = join(dir, 'a.tar.gz');
  await writeFile(archive, await tarGz([{ name: 'dybsvn/db/trac.db', data: fakeDb(1000) }]));
  const { symlink, mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'base/tracs'), { recursive: true });
  await mkdir(join(dir, 'elsewhere'));
  await symlink(join(dir, 'elsewhere'), join(dir, 'base/tracs/dybsvn'));
  await assert.rejects(
    extractMember(archive, 'dybsvn/db/trac.db', join(dir, 'base/tracs/dybsvn/2024/01/01/104701/dybsvn/db/trac.db'), { label: 'a', base: join(dir, 'base') }),
    (e: unknown) => e instanceof AltError && e.code === 'extract-outside-base',
  );
  assert.deepEqual(await readdir(join(dir, 'elsewhere')), [], 'nothing created through the symlink');
});
