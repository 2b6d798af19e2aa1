import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseLockText } from './lock.js';
import { holderOf } from './lockHolder.js';

describe('holderOf', () => {
  const alive = (pids: number[]) => (pid: number) => pids.includes(pid);
  /** The lock file's text as `readLock` sees it (null: no file). */
  const info = (text: string | null) => (text === null ? null : parseLockText(text));
  const lock = (pid: number, host: string) => JSON.stringify({ pid, startedAt: '2024-05-02T11:00:00Z', host, nonce: 'n' });

  it('no lock file: nobody', () => {
    assert.equal(holderOf(info(null), 'me', alive([])), null);
  });
  it('a live pid on this host holds it', () => {
    assert.deepEqual(holderOf(info(lock(10, 'me')), 'me', alive([10])), { pid: 10, startedAt: '2024-05-02T11:00:00Z', host: 'me' });
  });
  it('a dead pid on this host is a stale lock: nobody', () => {
    assert.equal(holderOf(info(lock(10, 'me')), 'me', alive([])), null);
  });
  it('another host cannot be checked: counts as held', () => {
    assert.equal(holderOf(info(lock(10, 'other')), 'me', alive([]))?.host, 'other');
  });
  it('an unreadable lock counts as held, as pull treats it', () => {
    assert.equal(holderOf(info('{garbage'), 'me', alive([]))?.pid, -1);
    assert.equal(holderOf(info('{"pid":"x"}'), 'me', alive([]))?.pid, -1);
  });
});
