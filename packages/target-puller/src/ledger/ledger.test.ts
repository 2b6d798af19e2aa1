import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { Ledger, readLedger } from './ledger.js';

describe('readLedger', () => {
  const dir = tempDir('ledger-reader');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives `none` for a missing ledger and creates nothing', () => {
    const file = join(dir, 'missing', 'ledger.sqlite');
    assert.equal(readLedger(file, 'none', () => 'read'), 'none');
    assert.equal(existsSync(join(dir, 'missing')), false);
  });

  it('gives `none` for a file without schema', () => {
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    assert.equal(readLedger(file, 'none', () => 'read'), 'none');
  });

  it('reads, refuses writes and leaves no -wal/-shm behind', () => {
    const file = join(dir, 'ledger.sqlite');
    const ledger = Ledger.open(file);
    ledger.endRun(ledger.startRun('pull'), 'ok', { files: 3 });
    ledger.close();
    const files = readLedger(file, -1, (db) => (db.prepare('SELECT files FROM runs').get() as { files: number }).files);
    assert.equal(files, 3);
    assert.throws(() => readLedger(file, null, (db) => db.prepare("INSERT INTO runs (command, started_at, pid) VALUES ('x', 0, 0)").run()), /readonly/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('ledger.sqlite')), ['ledger.sqlite']);
  });
});
