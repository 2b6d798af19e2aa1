import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from './metrics.js';

test('server metrics carry requests by route and status and catalog facts', () => {
  const m = new Metrics();
  m.countRequest('files', 206);
  m.countRequest('files', 206);
  m.countRequest('tarballs', 400);
  m.bytesSent = 42;
  const text = m.render({ counts: () => ({ complete: 7, pending: 1, invalid: 0 }), last: { kind: 'hot', seconds: 0.5, leavesRead: 0, at: 1_000_000 } });
  assert.match(text, /^altbackup_source_requests_total\{route="files",status="206"\} 2$/m);
  assert.match(text, /^altbackup_source_requests_total\{route="tarballs",status="400"\} 1$/m);
  assert.match(text, /^altbackup_source_bytes_sent_total 42$/m);
  assert.match(text, /^altbackup_source_catalog_tarballs\{state="complete"\} 7$/m);
  assert.match(text, /^altbackup_source_catalog_scan_duration_seconds\{kind="hot"\} 0.5$/m);
  for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) altbackup_source_\w+ .+|altbackup_source_\w+(\{[^}]*\})? [-+\d.eInfa]+)$/);
});
