import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@altbackup/shared/testing';
import { openInsideRoot, parseFilesUrl } from './safePath.js';

const P = 'svn/dybsvn/2024/01/02/104701/dybsvn-1.tar.gz';

test('request paths: decoded once, layout only, optional .dna', () => {
  const ok = parseFilesUrl(`/v1/files/${P}?x=1`);
  assert.ok(ok.ok && ok.ref.path === P && !ok.dna);
  const dna = parseFilesUrl(`/v1/files/${P}.dna`);
  assert.ok(dna.ok && dna.dna);
  const enc = parseFilesUrl(`/v1/files/${P.replace(/\//g, '%2F')}`);
  assert.ok(enc.ok, 'an encoded slash decodes to the same layout path');
  for (const bad of [
    '/v1/files/../../etc/passwd', '/v1/files/%2e%2e/%2e%2e/etc/passwd', `/v1/files/${P.replace('dybsvn/', '%252e%252e/')}`,
    '/v1/files/%zz', `/v1/files/${P}%00`, '/v1/files//etc/passwd', `/v1/files/${P}.part`, `/v1/files/${P.replace('2024/01/02', '2024/02/30')}`,
    `/v1/files/${'a/'.repeat(2000)}`, '/v1/tarballs', `/v1/files/${P.replace(/\//g, '%5c')}`,
  ]) {
    assert.equal(parseFilesUrl(bad).ok, false, bad);
  }
});

test('openInsideRoot refuses symlinks anywhere on the path, folders and missing files', async () => {
  const base = tempDir('safe');
  try {
    const root = join(base, 'root');
    const leaf = join(root, 'svn/dybsvn/2024/01/02/104701');
    mkdirSync(leaf, { recursive: true });
    writeFileSync(join(leaf, 'dybsvn-1.tar.gz'), 'data');
    writeFileSync(join(base, 'outside.tar.gz'), 'secret');
    symlinkSync(join(base, 'outside.tar.gz'), join(leaf, 'dybsvn-2.tar.gz'));
    symlinkSync(leaf, join(root, 'svn/dybsvn/2024/01/02/104702'));
    mkdirSync(join(leaf, 'dybsvn-3.tar.gz'));
    const real = realpathSync(root);
    const f = await openInsideRoot(real, P);
    assert.ok(f);
    assert.equal(f.stat.size, 4);
    await f.handle.close();
    for (const rel of [
      'svn/dybsvn/2024/01/02/104701/dybsvn-2.tar.gz', 'svn/dybsvn/2024/01/02/104702/dybsvn-1.tar.gz',
      'svn/dybsvn/2024/01/02/104701/dybsvn-3.tar.gz', 'svn/dybsvn/2024/01/02/104701/nope.tar.gz', '../outside.tar.gz',
    ]) {
      assert.equal(await openInsideRoot(real, rel), null, rel);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
