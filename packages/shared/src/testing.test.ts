import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDay } from './days.js';
import { DAY, md5Of, md5OfFile, tempDir, waitFor } from './testing.js';

describe('the test kit', () => {
  it('waitFor resolves with the first value the probe gives that is not undefined, null or false', async () => {
    const answers = [undefined, null, false, 0, 7];
    let calls = 0;
    assert.equal(await waitFor('an answer', () => answers[calls++], 5000), 0);
    assert.equal(calls, 4);
    assert.deepEqual(await waitFor('an async answer', async () => ({ ok: true }), 5000), { ok: true });
  });

  it('waitFor rejects after its bound, naming what it waited for, asked at that moment', async () => {
    await assert.rejects(waitFor('the moon', () => false, 30), { message: 'timed out after 30 ms waiting for the moon' });
    let left = 3;
    await assert.rejects(waitFor(() => `${left} more`, () => { left--; return false; }, 30), /timed out after 30 ms waiting for -?\d+ more$/);
  });

  it('waitFor fails at once when the probe throws', async () => {
    let calls = 0;
    await assert.rejects(waitFor('a probe that breaks', () => { calls++; throw new Error('broken'); }, 60_000), /broken/);
    assert.equal(calls, 1);
  });

  it('tempDir makes a new empty folder named after its prefix', () => {
    const a = tempDir('kit');
    const b = tempDir('kit');
    try {
      assert.notEqual(a, b);
      assert.match(basename(a), /^altbackup-kit-/);
      assert.deepEqual(readdirSync(a), []);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
    assert.ok(!existsSync(a));
  });

  it('md5Of and md5OfFile give the digest a sidecar holds', () => {
    assert.equal(md5Of('abc'), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(md5Of(Buffer.from('abc')), '900150983cd24fb0d6963f7d28e17f72');
    const dir = tempDir('kit-md5');
    try {
      writeFileSync(join(dir, 'f'), 'abc');
      assert.equal(md5OfFile(join(dir, 'f')), '900150983cd24fb0d6963f7d28e17f72');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('DAY is a calendar day in the layout form', () => {
    assert.equal(parseDay(DAY, { timezone: 'UTC' }), DAY);
  });
});
