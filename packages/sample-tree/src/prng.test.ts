import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32, randomBytesFrom, seedFrom, uuidFrom } from './prng.js';

describe('PRNG', () => {
  test('mulberry32 is deterministic, in [0,1), and seed dependent', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notEqual(mulberry32(43)(), mulberry32(42)());
    assert.ok(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5) < 0.05);
  });

  test('seedFrom hashes parts; numbers and strings alike', () => {
    assert.equal(seedFrom(1, 'x'), seedFrom('1', 'x'));
    assert.notEqual(seedFrom(1, 'x'), seedFrom(2, 'x'));
    assert.ok(Number.isInteger(seedFrom('a')) && seedFrom('a') >= 0);
  });

  test('randomBytesFrom and uuidFrom depend on the seed only', () => {
    assert.deepEqual(randomBytesFrom(7, 33), randomBytesFrom(7, 33));
    assert.notDeepEqual(randomBytesFrom(7, 33), randomBytesFrom(8, 33));
    assert.match(uuidFrom(7), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(uuidFrom(7), uuidFrom(7));
  });
});
