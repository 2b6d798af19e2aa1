import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, humanSize, parseDuration, parseSize } from './humanSize.js';

describe('humanSize prints as ls -lh does', () => {
  // Expected values are what GNU coreutils `ls -lh` prints for files of these sizes.
  const cases: Array<[number, string]> = [
    [0, '0'],
    [512, '512'],
    [1023, '1023'],
    [1024, '1.0K'],
    [1025, '1.1K'],
    [1536, '1.5K'],
    [7475, '7.3K'],
    [10239, '10K'],
    [10240, '10K'],
    [10752, '11K'],
    [102400, '100K'],
    [1047552, '1023K'],
    [1048575, '1.0M'],
    [1048576, '1.0M'],
    [1531229474, '1.5G'],
    [2.4 * 1024 ** 3, '2.4G'],
    [1024 ** 4, '1.0T'],
  ];
  for (const [bytes, shown] of cases) {
    it(`${bytes} -> ${shown}`, () => {
      assert.equal(humanSize(bytes), shown);
    });
  }
});

describe('parseSize', () => {
  it('reads bytes and 1024-based suffixes', () => {
    assert.equal(parseSize('2048'), 2048);
    assert.equal(parseSize('0'), 0);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('512K'), 512 * 1024);
    assert.equal(parseSize('10M'), 10 * 1024 ** 2);
    assert.equal(parseSize('20MB'), 20 * 1024 ** 2);
    assert.equal(parseSize('20MiB'), 20 * 1024 ** 2);
    assert.equal(parseSize('1.5G'), 1.5 * 1024 ** 3);
    assert.equal(parseSize('1T'), 1024 ** 4);
    assert.equal(parseSize(' 3 M '), 3 * 1024 ** 2);
  });

  it('returns null for anything else', () => {
    for (const bad of ['', 'M', '-1', '1.5.5', '10X', '10 parsecs', 'ten', '1e6', '0x10']) assert.equal(parseSize(bad), null, bad);
  });
});

describe('parseDuration', () => {
  it('reads units into milliseconds; a bare number is seconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('30'), 30_000);
    assert.equal(parseDuration('1.5'), 1500);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('4h'), 4 * 3_600_000);
    assert.equal(parseDuration('2d'), 2 * 86_400_000);
    assert.equal(parseDuration(' 10 s '), 10_000);
    assert.equal(parseDuration('0'), 0);
  });

  it('returns null for anything else', () => {
    for (const bad of ['', 's', '5 parsecs', '-5s', '5w', '5sec', 'PT5M', '1h30m', '5M']) assert.equal(parseDuration(bad), null, bad);
  });
});

describe('formatDuration', () => {
  it('picks a readable unit', () => {
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(90_000), '90.0s');
    assert.equal(formatDuration(300_000), '5.0m');
    assert.equal(formatDuration(6 * 3_600_000), '6.0h');
  });
});
