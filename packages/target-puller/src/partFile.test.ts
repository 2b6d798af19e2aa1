import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PartFile } from './partFile.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** Deterministic bytes, in chunks of the sizes a socket hands over. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

async function appendAll(pf: PartFile, data: Buffer, chunk = 64 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += chunk) await pf.append(data.subarray(off, off + chunk));
}

describe('PartFile', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'altbackup-partfile-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('hashes exactly the bytes written, across many blocks', async () => {
    const file = join(dir, 'fresh.part');
    const data = bytes(5 * 1024 * 1024 + 123, 1);
    const pf = await PartFile.open(file, true);
    await appendAll(pf, data);
    assert.equal(await pf.digest(), md5(data));
    await pf.close();
    assert.deepEqual(await readFile(file), data);
  });

  it('a resumed .part: the bytes it held are hashed first, then the new ones, in order', async () => {
    const file = join(dir, 'resumed.part');
    const data = bytes(20 * 1024 * 1024 + 7, 2);
    const cut = 12 * 1024 * 1024 + 5;
    await writeFile(file, data.subarray(0, cut));
    const pf = await PartFile.open(file);
    assert.equal(pf.length, cut);
    await appendAll(pf, data.subarray(cut), 100_000);
    assert.equal(await pf.digest(), md5(data));
    await pf.close();
    assert.deepEqual(await readFile(file), data);
  });

  it('truncate after a resume starts a clean hash over the new bytes only', async () => {
    const file = join(dir, 'restart.part');
    await writeFile(file, bytes(16 * 1024 * 1024, 3));
    const pf = await PartFile.open(file);
    await pf.truncate();
    const fresh = bytes(3 * 1024 * 1024, 4);
    await appendAll(pf, fresh);
    assert.equal(await pf.digest(), md5(fresh));
    await pf.close();
    assert.deepEqual(await readFile(file), fresh);
  });
});
