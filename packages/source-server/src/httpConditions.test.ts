import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideRange, etagOf, evaluatePreconditions, httpDateOf, ifRangeAllowsRange, parseEtagList, strongMatch, weakMatch,
} from './httpConditions.js';

const mtimeMs = Date.UTC(2024, 0, 2, 10, 47, 1, 250);
const v = { etag: etagOf({ ino: 0x1234, size: 1000, mtimeMs }), mtimeMs };

test('etag is strong and changes with identity, size and mtime', () => {
  assert.match(v.etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
  assert.notEqual(etagOf({ ino: 0x1235, size: 1000, mtimeMs }), v.etag);
  assert.notEqual(etagOf({ ino: 0x1234, size: 1001, mtimeMs }), v.etag);
  assert.notEqual(etagOf({ ino: 0x1234, size: 1000, mtimeMs: mtimeMs + 0.001 }), v.etag);
  assert.equal(etagOf({ ino: 0x1234n, size: 1000n, mtimeMs }), v.etag);
});

test('ranges: a-b, a-, -n, clamping, unsatisfiable, ignored forms', () => {
  assert.deepEqual(decideRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(decideRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(decideRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(decideRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
  assert.deepEqual(decideRange('bytes=990-5000', 1000), { kind: 'partial', start: 990, end: 999 });
  assert.deepEqual(decideRange('Bytes = 1 - 2', 1000), { kind: 'partial', start: 1, end: 2 });
  assert.deepEqual(decideRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(decideRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(decideRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  for (const ignored of [undefined, 'bytes=5-1', 'bytes=0-1,5-6', 'items=0-1', 'bytes=-', 'bytes=a-b', 'bytes 0-1']) {
    assert.deepEqual(decideRange(ignored, 1000), { kind: 'full' }, String(ignored));
  }
});

test('If-Range: strong etag or exact date; weak or stale validators send the whole file', () => {
  assert.equal(ifRangeAllowsRange(undefined, v), true);
  assert.equal(ifRangeAllowsRange(v.etag, v), true);
  assert.equal(ifRangeAllowsRange(`W/${v.etag}`, v), false);
  assert.equal(ifRangeAllowsRange('"other"', v), false);
  assert.equal(ifRangeAllowsRange(httpDateOf(mtimeMs), v), true);
  assert.equal(ifRangeAllowsRange(httpDateOf(mtimeMs + 5000), v), false);
  assert.equal(ifRangeAllowsRange('not a date', v), false);
});

test('preconditions follow RFC 9110 order', () => {
  assert.equal(evaluatePreconditions({}, v), 'proceed');
  assert.equal(evaluatePreconditions({ 'if-none-match': v.etag }, v), 'not-modified');
  assert.equal(evaluatePreconditions({ 'if-none-match': `"x", W/${v.etag}` }, v), 'not-modified');
  assert.equal(evaluatePreconditions({ 'if-none-match': '"x"', 'if-modified-since': httpDateOf(mtimeMs) }, v), 'proceed');
  assert.equal(evaluatePreconditions({ 'if-modified-since': httpDateOf(mtimeMs) }, v), 'not-modified');
  assert.equal(evaluatePreconditions({ 'if-modified-since': httpDateOf(mtimeMs - 2000) }, v), 'proceed');
  assert.equal(evaluatePreconditions({ 'if-match': '"x"' }, v), 'precondition-failed');
  assert.equal(evaluatePreconditions({ 'if-match': `W/${v.etag}` }, v), 'precondition-failed');
  assert.equal(evaluatePreconditions({ 'if-match': '*' }, v), 'proceed');
  assert.equal(evaluatePreconditions({ 'if-unmodified-since': httpDateOf(mtimeMs - 2000) }, v), 'precondition-failed');
  assert.equal(evaluatePreconditions({ 'if-unmodified-since': httpDateOf(mtimeMs) }, v), 'proceed');
});

test('entity-tag lists and comparisons', () => {
  assert.deepEqual(parseEtagList('"a", W/"b" ,"c"'), ['"a"', 'W/"b"', '"c"']);
  assert.deepEqual(parseEtagList('*'), ['*']);
  assert.equal(strongMatch('"a"', '"a"'), true);
  assert.equal(strongMatch('W/"a"', '"a"'), false);
  assert.equal(weakMatch('W/"a"', '"a"'), true);
});
