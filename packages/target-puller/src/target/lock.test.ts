import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AltError } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { acquireLock, isProcessAlive, lockPathOf } from './lock.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const root = () => { const d = tempDir('lock'); dirs.push(d); return d; };

/** A pid that is certainly dead: a child that already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('pull lock', () => {
  it('is taken, names its holder, refuses a second taker with exit 75, and is released', () => {
    const r = root();
    const held = acquireLock(r, new Date('2024-03-05T10:47:01Z'));
    const info = JSON.parse(readFileSync(lockPathOf(r), 'utf8'));
    assert.deepEqual([info.pid, info.startedAt, info.host], [process.pid, '2024-03-05T10:47:01.000Z', hostname()]);
    // Same pid, so it is plainly alive: the second take must refuse.
    assert.throws(() => acquireLock(r), (e: AltError) => e.code === 'locked' && e.exitCode === 75 && new RegExp(`pid ${process.pid}.*2024-03-05T10:47:01`).test(e.message));
    held.release();
    assert.equal(existsSync(lockPathOf(r)), false);
    acquireLock(r).release();
    assert.deepEqual(readdirSync(join(r, '.altbackup')), [], 'no temp or guard files left');
  });

  it('takes over a lock whose holder died on this host', () => {
    const r = root();
    mkdirSync(join(r, '.altbackup'));
    const pid = deadPid();
    assert.equal(isProcessAlive(pid), false);
    writeFileSync(lockPathOf(r), JSON.stringify({ pid, startedAt: 'then', host: hostname(), nonce: 'n' }));
    const held = acquireLock(r);
    assert.equal(JSON.parse(readFileSync(lockPathOf(r), 'utf8')).pid, process.pid);
    held.release();
  });

  it("never takes another host's lock, nor an unreadable one", () => {
    const r = root();
    mkdirSync(join(r, '.altbackup'));
    writeFileSync(lockPathOf(r), JSON.stringify({ pid: deadPid(), startedAt: 'then', host: 'elsewhere.example', nonce: 'n' }));
    assert.throws(() => acquireLock(r), /on host elsewhere\.example/);
    writeFileSync(lockPathOf(r), '{half');
    assert.throws(() => acquireLock(r), /unreadable lock file/);
  });

  it('a release does not remove a lock that another run took meanwhile', () => {
    const r = root();
    const held = acquireLock(r);
    writeFileSync(lockPathOf(r), JSON.stringify({ pid: 1, startedAt: 'x', host: hostname(), nonce: 'other' }));
    held.release();
    assert.equal(existsSync(lockPathOf(r)), true);
  });
});
