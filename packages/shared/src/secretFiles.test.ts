import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from './errors.js';
import { loadToken, readPemFile } from './secretFiles.js';

test('token file: surrounding whitespace trimmed; empty, multi-line or spaced token is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'altbackup-auth-'));
  try {
    writeFileSync(join(dir, 't'), 'abc123\n');
    assert.equal(loadToken(join(dir, 't')), 'abc123');
    writeFileSync(join(dir, 'e'), '\n');
    assert.throws(() => loadToken(join(dir, 'e')), (e: { exitCode: number; message: string }) => e.exitCode === ExitCode.usage && /empty/.test(e.message));
    writeFileSync(join(dir, 's'), ' abc123 \t\r\n');
    assert.equal(loadToken(join(dir, 's')), 'abc123', 'trimmed, on both nodes');
    writeFileSync(join(dir, 'w'), 'abc 123\n');
    assert.throws(() => loadToken(join(dir, 'w')), (e: { exitCode: number; message: string }) => e.exitCode === ExitCode.usage && /whitespace/.test(e.message));
    writeFileSync(join(dir, 'm'), 'a\nb\n');
    assert.throws(() => loadToken(join(dir, 'm')), /more than one line/);
    assert.throws(() => loadToken(join(dir, 'missing')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PEM file that cannot be read is a usage error naming it', () => {
  assert.throws(() => readPemFile('/nonexistent/ca.pem', 'CA file (--ca)'), (e: { exitCode: number; message: string }) =>
    e.exitCode === ExitCode.usage && /cannot read CA file \(--ca\) \/nonexistent\/ca\.pem: ENOENT/.test(e.message));
});
