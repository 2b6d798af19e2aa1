import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TokenBucket, throttleFor, unlimited } from './bandwidth.js';

describe('TokenBucket', () => {
  it('lets a burst pass, then makes callers wait in proportion to the rate', () => {
    let t = 0;
    const b = new TokenBucket(100_000, () => t);
    assert.equal(b.tryTake(100_000), 0, 'one second of burst');
    assert.equal(b.tryTake(50_000), 500, '50 KB more at 100 KB/s: 0.5 s');
    t = 500;
    assert.equal(b.tryTake(50_000), 0);
  });

  it('lets a chunk larger than the burst through as debt', () => {
    let t = 0;
    const b = new TokenBucket(1000, () => t);
    assert.equal(b.tryTake(200_000), 0);
    assert.ok(b.tryTake(1) > 0, 'the debt is paid before anything else passes');
  });

  it('take() waits in real time and can be aborted', async () => {
    const b = new TokenBucket(64 * 1024);
    await b.take(64 * 1024);
    const t0 = performance.now();
    await b.take(16 * 1024);
    assert.ok(performance.now() - t0 >= 200, 'waited for tokens');
    const ac = new AbortController();
    const p = b.take(1 << 30, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
  });

  it('no limit means no throttle', () => {
    assert.equal(throttleFor(0), unlimited);
    assert.ok(throttleFor(10) instanceof TokenBucket);
  });
});
