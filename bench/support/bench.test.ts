/**
 * The bench's pure parts (statistics, parsers, configs, table). Run by hand:
 * `node --test bench/dist/support/bench.test.js`; never part of `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, pairedRatio, percentile } from './stats.js';
import { parseCpu, parseMaxRss } from './exec.js';
import { sshdConfig } from './sshd.js';
import { nginxConfig } from './nginx.js';
import { markdownTable, notes, textTable, type Row } from './report.js';
import { compareRow, absoluteRow } from './rows.js';
import { Unavailable, crashLine, unavailableFrom } from './altbackup.js';
import { missingPackages } from '../tools.js';
import { refetched } from '../scenarios/resume.js';
import { keystream } from './data.js';

test('median, nearest-rank percentile and paired ratios', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([5], 99), 5);
  // Pairs, not medians: (10/5, 30/10, 8/8) -> median of 2, 3, 1 = 2.
  assert.equal(pairedRatio([10, 30, 8], [5, 10, 8]), 2);
});

test('GNU time report: peak RSS in bytes', () => {
  assert.equal(parseMaxRss('\tMaximum resident set size (kbytes): 51234\n'), 51234 * 1024);
  assert.equal(parseMaxRss('nothing'), null);
});

test('GNU time report: user and system CPU seconds', () => {
  assert.deepEqual(parseCpu('\tUser time (seconds): 3.84\n\tSystem time (seconds): 1.67\n'), { user: 3.84, sys: 1.67 });
  assert.equal(parseCpu('\tUser time (seconds): 3.84\n'), null);
});

test('bytes fetched again after a cut', () => {
  const size = 1000;
  assert.equal(refetched(size, 600, 400), 0, 'resumed exactly at the cut');
  assert.equal(refetched(size, 600, 450), 50, 'backed off 50 bytes');
  assert.equal(refetched(size, 600, 1000), 600, 'restarted from zero');
});

test('keystream is deterministic per seed', () => {
  const z = Buffer.alloc(64);
  assert.deepEqual(keystream('a')(z), keystream('a')(z));
  assert.notDeepEqual(keystream('a')(z), keystream('b')(z));
});

test('servers bind loopback only and keep their files in the temp dir', () => {
  const s = sshdConfig({ port: 40022, dir: '/tmp/x' });
  assert.match(s, /^ListenAddress 127\.0\.0\.1$/m);
  assert.match(s, /^Port 40022$/m);
  assert.match(s, /^StrictModes no$/m);
  assert.match(s, /^HostKey \/tmp\/x\/host_ed25519$/m);
  const n = nginxConfig({ port: 40080, dir: '/tmp/y', root: '/srv' });
  assert.match(n, /listen 127\.0\.0\.1:40080;/);
  assert.match(n, /^daemon off;$/m);
  assert.match(n, /^pid \/tmp\/y\/nginx\.pid;$/m);
  assert.doesNotMatch(n, /\/var\/log/);
});

test('missing tools map to their Debian packages once', () => {
  const have = new Set(['/usr/bin/curl']);
  const pkgs = missingPackages([
    { bin: '/usr/bin/curl', pkg: 'curl' },
    { bin: '/usr/bin/ssh', pkg: 'openssh-client' },
    { bin: '/usr/bin/scp', pkg: 'openssh-client' },
  ], (p) => have.has(p));
  assert.deepEqual(pkgs, ['openssh-client']);
});

test('rows: ratio and verdict, or the reason altbackup is missing', () => {
  const ok = compareRow({ id: 3, measure: 'm', alt: [7, 6, 8], comp: [10, 10, 10], format: String, target: '<= 0.70', ok: (r) => r <= 0.7 });
  assert.equal(ok.ratio, 0.7);
  assert.equal(ok.met, true);
  const na = compareRow({ id: 3, measure: 'm', alt: unavailableFrom('altbackup pull', { code: 1, signal: null, stdout: '', stderr: 'altbackup pull: not-implemented: pull is not implemented yet\n' }), comp: [1], format: String, target: 't', ok: () => true });
  assert.equal(na.altbackup, 'not available');
  assert.equal(na.met, null);
  assert.equal(na.why, 'altbackup pull: not-implemented: pull is not implemented yet');
  const failed = absoluteRow({ id: 2, measure: 'b', alt: new Unavailable('failed', 'boom'), format: String, target: 't', ok: () => true });
  assert.equal(failed.altbackup, 'failed');
  const rows: Row[] = [ok, na, { ...na, measure: 'm2' }];
  assert.equal(notes(rows).filter((n) => n.includes('not implemented')).length, 1, 'one reason per measure');
  assert.match(textTable(rows), /^#\s+measure\s+altbackup/);
  assert.equal(markdownTable(rows).split('\n').length, 2 + rows.length);
});

test('a crashed CLI is reported by its error line, not the Node banner', () => {
  const stderr = 'file:///x.js:1\n    throw e;\n\nRangeError: Array buffer allocation failed\n    at foo (x.js:1:1)\n\nNode.js v20.20.2\n';
  assert.equal(crashLine(stderr), 'RangeError: Array buffer allocation failed');
  assert.equal(crashLine('altbackup: failed\n'), null);
  assert.equal(unavailableFrom('altbackup x', { code: 1, signal: null, stdout: '', stderr }).message, 'altbackup x: RangeError: Array buffer allocation failed');
});
