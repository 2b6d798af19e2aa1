import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { md5Of } from '@altbackup/shared/testing';
import { isCheckpoint, ResumableMd5 } from './resumableMd5.js';

/** Splits `data` into buffers of uneven sizes, an empty one among them. */
function pieces(data: Buffer, sizes = [1, 63, 64, 65, 0, 4096, 100_003]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('ResumableMd5', () => {
  it('equals crypto md5 for input given in uneven pieces, and for no input', async () => {
    const data = randomBytes(3_000_017);
    const m = new ResumableMd5();
    for (const p of pieces(data)) m.update([p]);
    assert.equal(await m.digest(), md5Of(data));
    assert.equal(m.hashed, data.length);
    assert.equal(m.pending, 0);
    m.close();
    const empty = new ResumableMd5();
    assert.equal(await empty.digest(), md5Of(Buffer.alloc(0)));
    empty.close();
  });

  it('a digest does not end the hash: more input continues it', async () => {
    const a = randomBytes(100_000);
    const b = randomBytes(70_001);
    const m = new ResumableMd5();
    m.update([a]);
    assert.equal(await m.digest(), md5Of(a));
    m.update([b]);
    assert.equal(await m.digest(), md5Of(Buffer.concat([a, b])));
    m.close();
  });

  it('a saved state, restored in another hasher, continues to the same digest', async () => {
    const data = randomBytes(5_000_000);
    for (const cut of [0, 1, 63, 64, 65, 1_234_567, 4_999_999]) {
      const m = new ResumableMd5();
      m.update([data.subarray(0, cut)]);
      await m.waitBelow(0);
      const cp = m.save();
      m.close();
      assert.ok(isCheckpoint(cp), JSON.stringify(cp));
      // The state covers whole 64-byte blocks only: the rest is hashed again.
      assert.equal(cp.offset, cut - (cut % 64));
      const r = new ResumableMd5(cp);
      assert.equal(r.hashed, cp.offset);
      r.update([data.subarray(cp.offset)]);
      assert.equal(await r.digest(), md5Of(data), `cut at ${cut}`);
      r.close();
    }
  });

  it('save while input is still queued returns a state at a block boundary of what was given', async () => {
    const data = randomBytes(32 << 20);
    const m = new ResumableMd5();
    m.update(pieces(data, [1 << 20]));
    const cp = m.save();
    assert.ok(cp.offset % 64 === 0 && cp.offset <= data.length, JSON.stringify(cp));
    await m.waitBelow(0);
    m.close();
    const r = new ResumableMd5(cp);
    r.update([data.subarray(cp.offset)]);
    assert.equal(await r.digest(), md5Of(data));
    r.close();
  });

  it('refuses a checkpoint that is not one', () => {
    for (const bad of [{ offset: 65, state: 'a'.repeat(32) }, { offset: 64, state: 'g'.repeat(32) }, { offset: -64, state: 'a'.repeat(32) }, { offset: 64, state: 'a'.repeat(31) }]) {
      assert.equal(isCheckpoint(bad), false);
      assert.throws(() => new ResumableMd5(bad), RangeError);
    }
  });

  it('waiting for the digest keeps the process alive until the thread is done', () => {
    // No socket or timer holds the event loop here: only the pending hash does.
    const script = `import { ResumableMd5 } from ${JSON.stringify(new URL('./resumableMd5.js', import.meta.url).href)};
      const m = new ResumableMd5();
      m.update([Buffer.alloc(64 << 20, 7)]);
      console.log(await m.digest());`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(out.trim(), md5Of(Buffer.alloc(64 << 20, 7)));
  });

  it('takes Buffers only, counting bytes (a Float64Array or a DataView is refused, not miscounted)', async () => {
    const m = new ResumableMd5();
    assert.throws(() => m.update([new Float64Array(4) as unknown as Buffer]), TypeError);
    assert.throws(() => m.update([new DataView(new ArrayBuffer(8)) as unknown as Buffer]), TypeError);
    assert.equal(m.pending, 0);
    const data = randomBytes(1000);
    m.update([data]);
    assert.equal(await m.digest(), md5Of(data));
    m.close();
  });

  it('after close, input is refused and waiters are released', async () => {
    const m = new ResumableMd5();
    m.update([Buffer.alloc(16 << 20)]);
    const waiting = m.waitBelow(0);
    m.close();
    await assert.rejects(waiting, /closed/);
    assert.throws(() => m.update([Buffer.alloc(1)]), /closed/);
    assert.throws(() => m.save(), /closed/);
    m.close();
  });
});
