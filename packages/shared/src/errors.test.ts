import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { AltError, ERRORS, ExitCode, exitCodeOf, operatorLine, toAltError } from './errors.js';

describe('errors', () => {
  it('exit codes are those of SPEC section 3', () => {
    assert.deepEqual(ExitCode, { ok: 0, failed: 1, usage: 2, locked: 75 });
  });

  it('AltError carries a code, one message and the exit code the catalogue gives its code', () => {
    const e = new AltError('pull-failed', 'svn/x.tar.gz: digest differs from its sidecar; pull it again');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'AltError');
    assert.equal(e.code, 'pull-failed');
    assert.equal(e.exitCode, ExitCode.failed);
    assert.equal(new AltError('locked', 'held').exitCode, 75);
    const cause = new Error('EIO');
    assert.equal(new AltError('io', 'read failed', { cause }).cause, cause);
  });

  it('usage and configuration codes exit 2', () => {
    for (const code of ['usage', 'bad-config', 'bad-day', 'no-target', 'token-empty'] as const) assert.equal(new AltError(code, 'x').exitCode, ExitCode.usage, code);
  });

  it('the catalogue says which codes are retried', () => {
    assert.equal(new AltError('short-body', 'x').retryable, true);
    assert.equal(new AltError('source-unusable', 'x').retryable, false);
    assert.equal(new AltError('source-changed', 'x').retryable, false);
  });

  it('every entry has a meaning, and every code the sources use is in the catalogue', () => {
    for (const [code, def] of Object.entries(ERRORS)) assert.ok(def.meaning.length > 10, code);
    const root = join(fileURLToPath(new URL('.', import.meta.url)), '../..');
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) { if (name !== 'node_modules' && name !== 'dist') walk(p); continue; }
        if (!p.endsWith('.ts') || p.endsWith('.test.ts')) continue;
        for (const m of readFileSync(p, 'utf8').matchAll(/new AltError\(\s*'([a-z-]+)'/g)) used.add(m[1]!);
      }
    };
    walk(join(root, '..'));
    assert.ok(used.size > 20, `found ${used.size} codes`);
    for (const code of used) assert.ok(code in ERRORS, `${code} is not in the catalogue`);
  });

  it('toAltError: an AltError as is, a failed system call as io, anything else is a bug', () => {
    const alt = new AltError('no-ledger', 'none');
    assert.equal(toAltError(alt), alt);
    const sys = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/m/x.part' });
    const io = toAltError(sys)!;
    assert.equal(io.code, 'io');
    assert.match(io.message, /^write \/m\/x\.part failed \(ENOSPC\): check the disk/);
    assert.equal(toAltError(new TypeError('x is undefined')), null);
    assert.equal(exitCodeOf(sys), ExitCode.failed);
    assert.equal(exitCodeOf(new AltError('bad-day', 'x')), ExitCode.usage);
  });

  it('operatorLine: code and message for AltError, internal otherwise', () => {
    assert.equal(operatorLine(new AltError('dna-invalid', 'a.dna: bad')), 'dna-invalid: a.dna: bad');
    assert.equal(operatorLine(new TypeError('x is undefined')), 'internal: x is undefined (rerun with --log-level debug for details)');
    assert.equal(operatorLine('plain'), 'internal: plain');
    assert.equal(operatorLine(undefined), 'internal: undefined');
  });
});
