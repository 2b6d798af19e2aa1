import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dayNumber, dayString } from './clock.js';

test('day strings round-trip and reject impossible dates', () => {
  assert.equal(dayString(dayNumber('2024/02/29')), '2024/02/29');
  assert.equal(dayNumber('1970/01/02'), 1);
  assert.throws(() => dayNumber('2023/02/29'), /no such date/);
  assert.throws(() => dayNumber('2024-02-01'), /YYYY\/MM\/DD/);
});
