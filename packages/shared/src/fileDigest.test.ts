import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestFile, digestFiles, type DigestResult } from './fileDigest.js';
import { md5Of, tempDir } from './testing.js';

let dir: string;
const files: Array<{ path: string; md5: string; size: number }> = [];

before(() => {
  dir = tempDir('digest-test');
  // Sizes around the 1 MiB read chunk exercise multi-chunk reads.
  const contents = [
    Buffer.alloc(0),
    Buffer.from('hello\n'),
    randomBytes(1 << 20),
    randomBytes((1 << 20) + 1),
    randomBytes(3 * (1 << 20) + 12345),
    randomBytes(777),
  ];
  contents.forEach((buf, i) => {
    const path = join(dir, `f${i}.tar.gz`);
    writeFileSync(path, buf);
    files.push({ path, md5: md5Of(buf), size: buf.length });
  });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function digestOf(r: DigestResult) {
  assert.ok('digest' in r, `expected a digest for ${r.path}, got ${'error' in r ? r.error.message : ''}`);
  return r.digest;
}

describe('digestFile', () => {
  it('agrees with crypto on every file, including an empty one', async () => {
    for (const f of files) assert.deepEqual(await digestFile(f.path), { md5: f.md5, size: f.size });
  });

  it('gives the well-known md5 of an empty file', async () => {
    assert.deepEqual(await digestFile(files[0]!.path), { md5: 'd41d8cd98f00b204e9800998ecf8427e', size: 0 });
  });

  it('rejects for a missing file with its errno code', async () => {
    await assert.rejects(digestFile(join(dir, 'missing.tar.gz')), { code: 'ENOENT' });
  });
});

describe('digestFiles', () => {
  it('with 2 worker threads agrees with crypto, results in input order', async () => {
    const results = await digestFiles(files.map((f) => f.path), 2);
    assert.equal(results.length, files.length);
    results.forEach((r, i) => {
      assert.equal(r.path, files[i]!.path);
      assert.deepEqual(digestOf(r), { md5: files[i]!.md5, size: files[i]!.size });
    });
  });

  it('serially (parallel 1) gives the same answers', async () => {
    const results = await digestFiles(files.map((f) => f.path), 1);
    results.forEach((r, i) => assert.deepEqual(digestOf(r), { md5: files[i]!.md5, size: files[i]!.size }));
  });

  it('more workers than files, and the default parallelism, work too', async () => {
    const two = files.slice(1, 3).map((f) => f.path);
    const many = await digestFiles(two, 8);
    assert.deepEqual(many.map((r) => digestOf(r).md5), [files[1]!.md5, files[2]!.md5]);
    const dflt = await digestFiles(files.map((f) => f.path));
    assert.deepEqual(dflt.map((r) => digestOf(r).md5), files.map((f) => f.md5));
  });

  it('no files: no results', async () => {
    assert.deepEqual(await digestFiles([], 2), []);
  });

  for (const parallel of [1, 2]) {
    it(`a missing file or a directory yields an error entry, not a crash (parallel ${parallel})`, async () => {
      const missing = join(dir, 'missing.tar.gz');
      const paths = [files[1]!.path, missing, dir, files[5]!.path];
      const results = await digestFiles(paths, parallel);
      assert.deepEqual(results.map((r) => r.path), paths);
      assert.deepEqual(digestOf(results[0]!), { md5: files[1]!.md5, size: files[1]!.size });
      const gone = results[1]!;
      assert.ok('error' in gone);
      assert.equal(gone.error.code, 'ENOENT');
      assert.ok(gone.error instanceof Error);
      const folder = results[2]!;
      assert.ok('error' in folder);
      assert.equal(folder.error.code, 'EISDIR');
      assert.deepEqual(digestOf(results[3]!), { md5: files[5]!.md5, size: files[5]!.size });
    });
  }
});
