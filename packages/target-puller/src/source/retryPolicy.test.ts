import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { AltError } from '@altbackup/shared';
import { HttpStatusError, classify, errorCode, retryOptions, shortCause } from './retryPolicy.js';
import { testConfig } from '../testing/tree.js';

const err = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });

describe('classify', () => {
  it('retries 5xx, 408 and 429; fails at once on other statuses', () => {
    for (const s of [500, 502, 503, 504, 408, 429]) assert.equal(classify(new HttpStatusError(s, 'u')), 'transient', String(s));
    for (const s of [400, 401, 403, 404, 410]) assert.equal(classify(new HttpStatusError(s, 'u')), 'fatal', String(s));
  });
  it('moves to the next source on DNS and connect errors', () => {
    for (const c of ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']) assert.equal(classify(err(c)), 'connect', c);
  });
  it('retries resets, cuts and timeouts, looking through SocketError causes', () => {
    for (const c of ['ECONNRESET', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET']) assert.equal(classify(err(c)), 'transient', c);
    assert.equal(errorCode(err('UND_ERR_SOCKET', err('ECONNRESET'))), 'ECONNRESET');
    assert.equal(errorCode(err('UND_ERR_SOCKET')), 'UND_ERR_SOCKET');
    assert.equal(classify(new Error('body ended early')), 'transient');
  });
  it('does not retry certificate, local disk or operator errors', () => {
    for (const c of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ENOSPC', 'EACCES']) assert.equal(classify(err(c)), 'fatal', c);
    assert.equal(classify(new AltError('source-unusable', 'y')), 'fatal');
    assert.equal(classify(new AltError('short-body', 'y')), 'transient', 'the catalogue says it is retried');
  });
  it('says why in a few words', () => {
    assert.equal(shortCause(new HttpStatusError(503, 'u')), 'HTTP 503');
    assert.equal(shortCause(err('ENOTFOUND')), 'ENOTFOUND');
    assert.equal(shortCause(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' })), 'ENOTFOUND');
    assert.equal(shortCause(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })), 'UND_ERR_SOCKET: other side closed');
  });
});

describe('retryOptions', () => {
  it('is exponential with jitter, bounded by the configured delays and retries', () => {
    const ac = new AbortController();
    const o = retryOptions(testConfig('/t', ['http://s']), ac.signal);
    assert.deepEqual([o.retries, o.factor, o.randomize, o.minTimeout, o.maxTimeout, o.signal], [6, 2, true, 10, 40, ac.signal]);
  });
});
