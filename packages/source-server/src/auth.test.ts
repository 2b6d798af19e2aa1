import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { bearerMatches, checkExposure, isLoopback, loadToken, parseListen, urlOf } from './auth.js';

test('bearer token: exact match only, whatever the lengths', () => {
  assert.equal(bearerMatches('Bearer s3cret', 's3cret'), true);
  assert.equal(bearerMatches('bearer s3cret', 's3cret'), true);
  assert.equal(bearerMatches('Bearer s3cre', 's3cret'), false);
  assert.equal(bearerMatches('Bearer s3cret-and-more', 's3cret'), false);
  assert.equal(bearerMatches('Basic s3cret', 's3cret'), false);
  assert.equal(bearerMatches('s3cret', 's3cret'), false);
  assert.equal(bearerMatches(undefined, 's3cret'), false);
  assert.equal(bearerMatches('Bearer ', ''), false);
});

test('token file: surrounding whitespace trimmed; empty, multi-line or spaced token is a usage error', () => {
  const dir = tempDir('auth');
  try {
    writeFileSync(join(dir, 't'), 'abc123\n');
    assert.equal(loadToken(join(dir, 't')), 'abc123');
    writeFileSync(join(dir, 'e'), '\n');
    assert.throws(() => loadToken(join(dir, 'e')), (e: { exitCode: number; message: string }) => e.exitCode === ExitCode.usage && /empty/.test(e.message));
    writeFileSync(join(dir, 's'), ' abc123 \t\r\n');
    assert.equal(loadToken(join(dir, 's')), 'abc123', 'trimmed as the puller trims it');
    writeFileSync(join(dir, 'w'), 'abc 123\n');
    assert.throws(() => loadToken(join(dir, 'w')), (e: { exitCode: number; message: string }) => e.exitCode === ExitCode.usage && /whitespace/.test(e.message));
    writeFileSync(join(dir, 'm'), 'a\nb\n');
    assert.throws(() => loadToken(join(dir, 'm')), /more than one line/);
    assert.throws(() => loadToken(join(dir, 'missing')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('listen addresses and the loopback rule', () => {
  assert.deepEqual(parseListen('127.0.0.1:7878'), { host: '127.0.0.1', port: 7878 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListen('7878'), /HOST:PORT/);
  assert.throws(() => parseListen('h:99999'), /HOST:PORT/);
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.org']) assert.equal(isLoopback(h), false, h);
  assert.throws(() => checkExposure({ host: '0.0.0.0', port: 1 }, false, false), /refusing to listen on 0.0.0.0 without a token/);
  assert.doesNotThrow(() => checkExposure({ host: '0.0.0.0', port: 1 }, true, false));
  assert.doesNotThrow(() => checkExposure({ host: '0.0.0.0', port: 1 }, false, true));
  assert.equal(urlOf({ host: '::1', port: 5 }, true), 'https://[::1]:5');
});
