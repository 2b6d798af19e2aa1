import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { decide, parseContentRange, rangeHeaders } from './rangeAnswer.js';

const DIG = '1f3870be274f6c49b3e31a0c6728957f';
const asked = { offset: 400, etag: '"e1"', size: 1000, dig: DIG };

describe('parseContentRange', () => {
  it('reads the three forms and rejects nonsense', () => {
    assert.deepEqual(parseContentRange('bytes 400-999/1000'), { start: 400, end: 999, total: 1000 });
    assert.deepEqual(parseContentRange('bytes 0-9/*'), { start: 0, end: 9, total: null });
    assert.deepEqual(parseContentRange('bytes */1000'), { start: null, end: null, total: 1000 });
    for (const bad of [undefined, '', 'bytes 9-0/10', 'bytes 0-10/10', 'items 0-1/2', 'bytes */*', 'bytes a-b/c']) assert.equal(parseContentRange(bad), null, String(bad));
  });
});

describe('decide', () => {
  it('appends a 206 that starts where asked', () => {
    assert.deepEqual(decide({ status: 206, contentRange: 'bytes 400-999/1000', etag: '"e1"' }, asked), { kind: 'append', skip: 0 });
  });
  it('skips the overlap of a 206 that starts earlier', () => {
    assert.deepEqual(decide({ status: 206, contentRange: 'bytes 100-999/1000', etag: '"e1"' }, asked), { kind: 'append', skip: 300 });
  });
  it('restarts on a 206 that starts later, ends earlier, is unparsable or has another ETag', () => {
    for (const a of [
      { status: 206, contentRange: 'bytes 500-999/1000' },
      { status: 206, contentRange: 'bytes 0-99/1000' },
      { status: 206, contentRange: 'garbage' },
      { status: 206 },
      { status: 206, contentRange: 'bytes 400-999/1000', etag: '"e2"' },
    ]) assert.equal(decide(a, asked).kind, 'restart', JSON.stringify(a));
  });
  it('refuses, before a byte is written, any answer that disagrees with the sidecar: total, digest, length, range past the end', () => {
    for (const a of [
      { status: 206, contentRange: 'bytes 400-1099/1100' },
      { status: 206, contentRange: 'bytes 400-999/1000', md5: '0'.repeat(32) },
      { status: 206, contentRange: 'bytes 400-999/1000', contentLength: 700 },
      { status: 206, contentRange: 'bytes 400-1000/*' },
      { status: 200, contentLength: 999 },
      { status: 200, contentLength: 1000, md5: '0'.repeat(32) },
    ]) assert.equal(decide(a, asked).kind, 'refuse', JSON.stringify(a));
    assert.equal(decide({ status: 200, contentLength: 1000, md5: DIG }, asked).kind, 'whole');
  });
  it('takes a 200 as the whole file, saying why when a range was asked', () => {
    assert.deepEqual(decide({ status: 200 }, { ...asked, offset: 0 }), { kind: 'whole', reason: null });
    const d = decide({ status: 200 }, asked);
    assert.equal(d.kind, 'whole');
    assert.match((d as { reason: string }).reason, /whole file/);
  });
  it('a 416 at the full length means complete; a 416 for a file of another size is refused, not retried', () => {
    assert.deepEqual(decide({ status: 416, contentRange: 'bytes */1000' }, { ...asked, offset: 1000 }), { kind: 'complete' });
    assert.equal(decide({ status: 416, contentRange: 'bytes */900' }, { ...asked, offset: 1000 }).kind, 'refuse');
    assert.equal(decide({ status: 416, contentRange: 'bytes */300' }, asked).kind, 'refuse');
    assert.match((decide({ status: 416, contentRange: 'bytes */300' }, asked) as { reason: string }).reason, /file is 300 bytes but its sidecar says 1000/);
    assert.equal(decide({ status: 416 }, asked).kind, 'restart');
  });
  it('passes other statuses up', () => {
    assert.deepEqual(decide({ status: 503 }, asked), { kind: 'status', status: 503 });
    assert.deepEqual(decide({ status: 404 }, asked), { kind: 'status', status: 404 });
  });
});

describe('rangeHeaders', () => {
  it('asks from the offset with If-Range, never with a weak validator', () => {
    assert.deepEqual(rangeHeaders(0, '"e"'), {});
    assert.deepEqual(rangeHeaders(5, '"e"'), { range: 'bytes=5-', 'if-range': '"e"' });
    assert.deepEqual(rangeHeaders(5, 'W/"e"'), { range: 'bytes=5-' });
    assert.deepEqual(rangeHeaders(5, null), { range: 'bytes=5-' });
  });
});
