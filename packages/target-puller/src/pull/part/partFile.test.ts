import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { md5Of, tempDir } from '@altbackup/shared/testing';
import { PartFile } from './partFile.js';
import { fileIdOf, type PartCheckpoint } from './partCheckpoint.js';

const idOf = (file: string) => fileIdOf(statSync(file, { bigint: true }));

/** Deterministic bytes, in chunks of the sizes a socket hands over. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff;
  return b;
}

async function appendAll(pf: PartFile, data: Buffer, chunk = 64 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += chunk) await pf.append(data.subarray(off, off + chunk));
}

/**
 * Appends `data` a step at a time, letting each step's checkpoint land:
 * appends never wait for a checkpoint (one runs at a time), so the hash is
 * let catch up and the file synced after each step.
 */
async function appendCheckpointed(pf: PartFile, data: Buffer, step: number): Promise<void> {
  for (let at = 0; at < data.length; at += step) {
    await appendAll(pf, data.subarray(at, at + step));
    await pf.digest(); // the hash has caught up: the next checkpoint covers these bytes
    await pf.sync();
  }
}

describe('PartFile', () => {
  let dir: string;
  before(async () => { dir = tempDir('partfile'); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('hashes exactly the bytes written, across many blocks', async () => {
    const file = join(dir, 'fresh.part');
    const data = bytes(5 * 1024 * 1024 + 123, 1);
    const pf = await PartFile.open(file, { fresh: true });
    await appendAll(pf, data);
    assert.equal(await pf.digest(), md5Of(data));
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
    assert.equal(await pf.digest(), md5Of(data));
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
    assert.equal(await pf.digest(), md5Of(fresh));
    await pf.close();
    assert.deepEqual(await readFile(file), fresh);
  });

  it('saves checkpoints as it goes; a reopen from the last one reads back only the bytes after it', async () => {
    const file = join(dir, 'checkpoints.part');
    const data = bytes(9 * 1024 * 1024 + 77, 5);
    const cut = 7 * 1024 * 1024 + 3;
    const saved: (PartCheckpoint | null)[] = [];
    const onCheckpoint = async (cp: PartCheckpoint | null) => { saved.push(cp); };
    const pf = await PartFile.open(file, { fresh: true, onCheckpoint, checkpointEvery: 1024 * 1024 });
    await appendCheckpointed(pf, data.subarray(0, cut), 1536 * 1024);
    await pf.close();
    assert.equal(saved[0], null, 'a fresh file withdraws any older checkpoint first');
    const cps = saved.filter((c): c is PartCheckpoint => c !== null);
    assert.ok(cps.length >= 3, `${cps.length} checkpoints`);
    for (let i = 1; i < cps.length; i++) assert.ok(cps[i]!.offset > cps[i - 1]!.offset);
    const last = cps.at(-1)!;
    assert.equal(last.offset % 64, 0);
    assert.ok(last.offset <= cut && last.offset > 0);

    const again = await PartFile.open(file, { checkpoint: last });
    assert.equal(again.length, cut);
    assert.equal(again.rehashed, cut - last.offset);
    assert.deepEqual(again.checkpoint, last);
    await appendAll(again, data.subarray(cut));
    assert.equal(await again.digest(), md5Of(data));
    await again.close();
    assert.deepEqual(await readFile(file), data);
  });

  it('a checkpoint beyond the end of the file is ignored: every byte is read back', async () => {
    const file = join(dir, 'short.part');
    const data = bytes(2 * 1024 * 1024, 6);
    await writeFile(file, data.subarray(0, 1000));
    const pf = await PartFile.open(file, { checkpoint: { offset: 4096, state: 'ab'.repeat(16), file: idOf(file) } });
    assert.equal(pf.rehashed, 1000);
    assert.equal(pf.checkpoint, null);
    await appendAll(pf, data.subarray(1000));
    assert.equal(await pf.digest(), md5Of(data));
    await pf.close();
  });

  it('the checkpoint is what the digest trusts for its bytes: a false one gives a wrong digest, never a right one', async () => {
    const file = join(dir, 'false.part');
    const data = bytes(1024 * 1024, 7);
    await writeFile(file, data);
    const pf = await PartFile.open(file, { checkpoint: { offset: 512 * 1024, state: '00'.repeat(16), file: idOf(file) } });
    assert.equal(pf.rehashed, 512 * 1024);
    assert.notEqual(await pf.digest(), md5Of(data));
    await pf.close();
  });

  it('truncate withdraws the checkpoint before the bytes go', async () => {
    const file = join(dir, 'withdraw.part');
    const events: string[] = [];
    const pf = await PartFile.open(file, {
      fresh: true, checkpointEvery: 1024 * 1024,
      onCheckpoint: async (cp) => { events.push(cp ? 'save' : `withdraw at ${existsSync(file) ? statSync(file).size : 'none'}`); },
    });
    const data = bytes(4 * 1024 * 1024, 8);
    await appendCheckpointed(pf, data, 1024 * 1024);
    const held = statSync(file).size;
    await pf.truncate();
    assert.ok(events.includes('save'));
    assert.equal(events.at(-1), `withdraw at ${held}`, 'withdrawn while the file still held its bytes');
    assert.equal(pf.checkpoint, null);
    const fresh = bytes(100_000, 9);
    await appendAll(pf, fresh);
    assert.equal(await pf.digest(), md5Of(fresh));
    await pf.close();
  });

  it('a checkpoint taken on another file under the same name (renamed over it) is ignored', async () => {
    const file = join(dir, 'replaced.part');
    const data = bytes(3 * 1024 * 1024, 10);
    const saved: PartCheckpoint[] = [];
    const pf = await PartFile.open(file, { fresh: true, checkpointEvery: 1024 * 1024, onCheckpoint: async (cp) => { if (cp) saved.push(cp); } });
    await appendCheckpointed(pf, data, 1024 * 1024);
    await pf.close();
    const cp = saved.at(-1)!;
    assert.ok(cp.offset > 0, JSON.stringify(saved));
    // Other bytes of the same length take the name, as a rename over the .part would.
    const other = bytes(data.length, 11);
    await writeFile(file + '.new', other);
    await rename(file + '.new', file);
    const again = await PartFile.open(file, { checkpoint: cp });
    assert.equal(again.checkpoint, null);
    assert.equal(again.rehashed, other.length, 'every byte read back');
    assert.equal(await again.digest(), md5Of(other));
    await again.close();
  });

  it('a failed write is reported by flush, not left as an unhandled rejection', async () => {
    const pf = await PartFile.open('/dev/full');
    await pf.append(bytes(2 * 1024 * 1024, 12));
    // Time for the write to fail with nobody awaiting it yet.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(pf.flush(), /ENOSPC/);
    await assert.rejects(pf.close(), /ENOSPC/);
  });
});
