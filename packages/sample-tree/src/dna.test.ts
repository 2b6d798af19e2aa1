import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnaText } from './dna.js';

test('dnaText forms', () => {
  const dig = '1f3870be274f6c49b3e31a0c6728957f';
  assert.equal(dnaText(dig, 1531229474), `{'dig': '${dig}', 'size': 1531229474}\n`);
  assert.equal(dnaText(dig, 1531229474).length, 64); // SPEC 2: 64 bytes for a 10-digit size
  assert.equal(dnaText(dig, 5, 'L'), `{'dig': '${dig}', 'size': 5L}\n`);
  assert.equal(dnaText(dig, 5, 'dq'), `{"size": 5, "dig": "${dig}"}`);
});
