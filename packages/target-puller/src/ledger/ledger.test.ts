import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { Ledger } from './ledger.js';

describe('Ledger.read', () => {
  const dir = tempDir('ledger-reader');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a missing ledger as an empty one and creates nothing', () => {
    const file = join(dir, 'missing', 'ledger.sqlite');
    const ledger = Ledger.read(file);
    assert.equal(ledger.lastRun('pull'), undefined);
    assert.equal(ledger.purgedTarballs().size, 0);
    ledger.close();
    assert.equal(existsSync(join(dir, 'missing')), false);
  });

  it('reads a file without schema as an empty ledger and leaves it as it was', () => {
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    const ledger = Ledger.read(file);
    assert.equal(ledger.latestChecks().size, 0);
    ledger.close();
    assert.equal(statSync(file).size, 0);
  });

  it('reads, refuses writes and leaves no -wal/-shm behind', () => {
    const file = join(dir, 'ledger.sqlite');
    const ledger = Ledger.open(file);
    ledger.endRun(ledger.startRun('pull'), 'ok', { files: 3 });
    ledger.close();
    const reader = Ledger.read(file);
    assert.equal(reader.lastRun('pull')?.files, 3);
    assert.throws(() => reader.startRun('x'), /readonly/);
    reader.close();
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ledger.sqlite')), ['ledger.sqlite']);
  });

  it('run() on a reader runs the work and records nothing', async () => {
    const file = join(dir, 'ledger.sqlite');
    const reader = Ledger.read(file);
    const got = await reader.run('purge_target', [], async (rec) => {
      rec.purge({ kind: 'tarball', path: 'svn/x/2024/01/02/030405/x.tar.gz' });
      return 7;
    }, () => ({ result: 'ok' }));
    reader.close();
    assert.equal(got, 7);
    const ledger = Ledger.open(file);
    assert.equal(ledger.purgedTarballs().size, 0);
    assert.equal(ledger.lastRun('purge_target'), undefined);
    ledger.close();
  });

  it('run() on a writer opens and closes one run, failed when the work throws', async () => {
    const file = join(dir, 'runs.sqlite');
    const ledger = Ledger.open(file);
    await ledger.run('purge_target', ['2024/01/02'], async (rec) => rec.purge({ kind: 'tarball', path: 'p' }), () => ({ result: 'ok', files: 1 }));
    await assert.rejects(ledger.run('extract_tracdb', [], async () => { throw new Error('boom'); }, () => ({ result: 'ok' })), /boom/);
    assert.equal(ledger.lastRun('purge_target')?.files, 1);
    assert.equal(ledger.lastRun('purge_target')?.days, '2024/01/02');
    assert.deepEqual([...ledger.purgedTarballs()], ['p']);
    assert.equal(ledger.lastRun('extract_tracdb')?.result, 'failed');
    assert.equal(ledger.lastRun('extract_tracdb')?.error, 'boom');
    ledger.close();
  });
});
