import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { quarantineNameOf } from '../pull/promote.js';
import { decile } from '../pull/progress.js';
import { parseMeta, readPartMeta } from '../pull/part/partMeta.js';
import { readCopy, removeStrays } from './targetFiles.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const P = 'svn/dybsvn/2024/03/05/104701/dybsvn-20550.tar.gz';

describe('readCopy and readPartMeta', () => {
  it('report final, sidecar (parsed or invalid), .part and its meta', async () => {
    const root = tempDir('state');
    dirs.push(root);
    const abs = join(root, P);
    assert.deepEqual(await readCopy(root, P), { exists: false, size: 0, mtimeMs: 0, partSize: null, sidecar: null });
    assert.equal(await readPartMeta(join(root, P + '.part')), null);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, 'abc');
    writeFileSync(abs + '.dna', "{'dig': '1f3870be274f6c49b3e31a0c6728957f', 'size': 3L}\r\n");
    writeFileSync(abs + '.part', 'ab');
    const hashed = { offset: 64, state: 'ab'.repeat(16), file: '2049:131' };
    writeFileSync(abs + '.part.meta', JSON.stringify({ etag: '"e"', size: 3, dig: 'x', source: 's', startedAt: 't', hashed }));
    const copy = await readCopy(root, P);
    assert.deepEqual({ ...copy, mtimeMs: 0 }, { exists: true, size: 3, mtimeMs: 0, sidecar: { dig: '1f3870be274f6c49b3e31a0c6728957f', size: 3 }, partSize: 2 });
    assert.deepEqual(await readPartMeta(abs + '.part'), { etag: '"e"', size: 3, dig: 'x', source: 's', startedAt: 't', hashed });
    // A damaged checkpoint is dropped; the rest of the meta still counts.
    for (const bad of [{ ...hashed, offset: 65 }, { ...hashed, state: 'xyz' }, { ...hashed, offset: -64 }, { offset: 64, state: hashed.state }, { ...hashed, file: 'x' }, 'x']) {
      writeFileSync(abs + '.part.meta', JSON.stringify({ etag: '"e"', size: 3, dig: 'x', source: 's', startedAt: 't', hashed: bad }));
      assert.deepEqual(await readPartMeta(abs + '.part'), { etag: '"e"', size: 3, dig: 'x', source: 's', startedAt: 't', hashed: null });
    }
    writeFileSync(abs + '.dna', 'garbage');
    assert.match(((await readCopy(root, P)).sidecar as { invalid: string }).invalid, /garbage/);
  });

  it('ignores a meta file it cannot read', () => {
    assert.equal(parseMeta('{'), null);
    assert.equal(parseMeta('{"etag": 1}'), null);
    assert.equal(parseMeta(null), null);
  });
});

describe('removeStrays', () => {
  it('removes temp files, and a meta only once its download is finished or gone', async () => {
    const root = tempDir('strays');
    dirs.push(root);
    const abs = join(root, P);
    mkdirSync(dirname(abs), { recursive: true });
    for (const f of ['.dna.tmp', '.part.meta.tmp', '.part.meta', '.part']) writeFileSync(abs + f, 'x');
    let removed = await removeStrays(root, P, await readCopy(root, P));
    assert.deepEqual(removed.map((f) => f.slice(abs.length)), ['.dna.tmp', '.part.meta.tmp']);
    assert.ok(existsSync(abs + '.part.meta'), 'kept while its .part is there');
    rmSync(abs + '.part');
    removed = await removeStrays(root, P, await readCopy(root, P));
    assert.deepEqual(removed.map((f) => f.slice(abs.length)), ['.part.meta']);
  });
});

describe('small helpers', () => {
  it('quarantine names flatten the path and add a timestamp', () => {
    assert.equal(quarantineNameOf(P, new Date('2024-03-05T10:47:01.123Z')), 'svn__dybsvn__2024__03__05__104701__dybsvn-20550.tar.gz.20240305T104701123Z');
  });
  it('progress logs at each 10%', () => {
    assert.deepEqual([decile(0, 100), decile(9, 100), decile(10, 100), decile(99, 100), decile(100, 100), decile(0, 0)], [0, 0, 1, 9, 10, 10]);
  });
});
