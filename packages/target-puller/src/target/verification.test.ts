import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verificationOf, type CheckFact, type CopyFacts, type SidecarRead } from './verification.js';

const MD5 = 'a'.repeat(32);
const file = { exists: true, size: 100, mtimeMs: 1_000, partSize: null };

/** The state and why of a copy, as `ls` shows them. */
function stateOf(f: Omit<CopyFacts, 'sidecar'>, sidecar: SidecarRead, check: CheckFact | undefined): { state: string; why: string } {
  const { state, why } = verificationOf({ ...f, sidecar }, { lastCheck: check });
  return { state, why };
}

describe('verificationOf', () => {
  it('only a .part: in progress', () => {
    assert.equal(stateOf({ exists: false, size: 0, mtimeMs: 0, partSize: 50 }, null, undefined).state, 'in-progress');
  });
  it('a final file without sidecar: unverified, or in progress when a .part is beside it', () => {
    assert.equal(stateOf(file, null, undefined).state, 'unverified');
    assert.equal(stateOf({ ...file, partSize: 10 }, null, undefined).state, 'in-progress');
    assert.equal(stateOf(file, { invalid: 'bad' }, undefined).state, 'unverified');
  });
  it('sidecar size matching the file: verified, without a ledger', () => {
    assert.deepEqual(stateOf(file, { dig: MD5, size: 100 }, undefined), { state: 'verified', why: 'sidecar size matches' });
  });
  it('sidecar size differing from the file: mismatch', () => {
    assert.equal(stateOf(file, { dig: MD5, size: 101 }, undefined).state, 'mismatch');
  });
  it('the last ledger verification decides when it is newer than the file', () => {
    assert.equal(stateOf(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 100, at: 2_000 }).state, 'corrupt');
    assert.deepEqual(stateOf(file, { dig: MD5, size: 100 }, { ok: true, actualSize: 100, at: 2_000 }), { state: 'verified', why: 'digest checked' });
  });
  it('an old mismatch does not condemn a file replaced since', () => {
    assert.equal(stateOf(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 100, at: 500 }).state, 'verified');
    assert.equal(stateOf(file, { dig: MD5, size: 100 }, { ok: false, actualSize: 99, at: 2_000 }).state, 'verified');
  });
});


describe('restore proofs and suspicions', () => {
  const copy = { ...file, sidecar: { dig: MD5, size: 100 } };
  it('a proof counts for the copy it read (its md5) only', () => {
    assert.equal(verificationOf(copy, { restore: { md5: MD5, ok: true, at: 5_000, detail: null } }).restoreProvenAt, 5_000);
    assert.equal(verificationOf(copy, { restore: { md5: 'b'.repeat(32), ok: true, at: 5_000, detail: null } }).restoreProvenAt, null);
    assert.deepEqual(pick(verificationOf(copy, { restore: { md5: MD5, ok: false, at: 5_000, detail: 'svnadmin verify failed: E160004' } })), ['restore-failed', 'check_restore failed: svnadmin verify failed: E160004']);
    assert.equal(verificationOf(copy, { restore: { md5: 'b'.repeat(32), ok: false, at: 5_000, detail: 'x' } }).state, 'verified');
  });
  it('corrupt at rest outranks every other state of a copy with a sidecar', () => {
    const corrupt = verificationOf(copy, { lastCheck: { ok: false, actualSize: 100, at: 2_000 }, restore: { md5: MD5, ok: true, at: 1_500, detail: null } });
    assert.equal(corrupt.state, 'corrupt');
  });
  it('suspicious when the ledger says so of this md5; a proof still shows', () => {
    const v = verificationOf(copy, { suspicion: { md5: MD5, size: 100, previousPath: 'p', previousSize: 1000 }, restore: { md5: MD5, ok: true, at: 9, detail: null } });
    assert.deepEqual([v.state, v.restoreProvenAt], ['suspicious', 9]);
  });
});

function pick(v: { state: string; why: string }): [string, string] {
  return [v.state, v.why];
}
