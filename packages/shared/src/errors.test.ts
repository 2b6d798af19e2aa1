import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AltError, ExitCode, isAltError, operatorLine, usageError } from './errors.js';

describe('errors', () => {
  it('exit codes are those of SPEC section 3', () => {
    assert.deepEqual(ExitCode, { ok: 0, failed: 1, usage: 2, locked: 75 });
  });

  it('AltError carries a code, one message and an exit code (default: failed)', () => {
    const e = new AltError('digest-mismatch', 'svn/x.tar.gz: digest differs from its sidecar; pull it again');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'AltError');
    assert.equal(e.code, 'digest-mismatch');
    assert.equal(e.exitCode, ExitCode.failed);
    assert.equal(new AltError('locked', 'held', ExitCode.locked).exitCode, 75);
    const cause = new Error('EIO');
    assert.equal(new AltError('io', 'read failed', ExitCode.failed, { cause }).cause, cause);
  });

  it('usageError exits 2', () => {
    const e = usageError('bad-day', 'no such day');
    assert.ok(isAltError(e));
    assert.equal(e.exitCode, ExitCode.usage);
  });

  it('isAltError tells AltErrors from other throwables', () => {
    assert.ok(isAltError(new AltError('x', 'y')));
    assert.ok(!isAltError(new Error('y')));
    assert.ok(!isAltError('y'));
  });

  it('operatorLine: code and message for AltError, internal otherwise', () => {
    assert.equal(operatorLine(new AltError('dna-invalid', 'a.dna: bad')), 'dna-invalid: a.dna: bad');
    assert.equal(operatorLine(new TypeError('x is undefined')), 'internal: x is undefined (rerun with --log-level debug for details)');
    assert.equal(operatorLine('plain'), 'internal: plain');
    assert.equal(operatorLine(undefined), 'internal: undefined');
  });
});
