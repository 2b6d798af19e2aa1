import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerMatches, checkExposure, isLoopback, parseListen, urlOf } from './auth.js';

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
