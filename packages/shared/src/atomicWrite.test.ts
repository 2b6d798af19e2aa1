import assert from 'node:assert/strict';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from './atomicWrite.js';
import { tempDir } from './testing.js';

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file behind', async () => {
    const dir = tempDir('atomic');
    try {
      const file = join(dir, 'altbackup.prom');
      await writeFile(file, 'old\n');
      await writeFileAtomic(file, 'new 1\n');
      assert.equal(await readFile(file, 'utf8'), 'new 1\n');
      assert.deepEqual(await readdir(dir), ['altbackup.prom']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails without leaving a temp file when the folder is missing', async () => {
    const dir = tempDir('atomic');
    try {
      await assert.rejects(writeFileAtomic(join(dir, 'no', 'x.prom'), 'x 1\n'), { code: 'ENOENT' });
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('writeFileAtomic with a fixed temp name', () => {
  it('uses it, so a crash leaves a name the caller knows to sweep', async () => {
    const dir = tempDir('atomic');
    try {
      await writeFileAtomic(join(dir, 'x.dna'), 'a\n', { tmp: join(dir, 'x.dna.tmp') });
      assert.deepEqual(await readdir(dir), ['x.dna']);
      assert.equal(await readFile(join(dir, 'x.dna'), 'utf8'), 'a\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
