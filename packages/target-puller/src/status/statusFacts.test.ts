import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatDna, loadConfig, type Config } from '@altbackup/shared';
import { md5Of, tempDir } from '@altbackup/shared/testing';
import { Ledger } from '../ledger/ledger.js';
import { gatherStatusFacts, statusNames, type StatusListing } from './statusFacts.js';

const DAY = '2013/05/29';
const SVN = `svn/dybsvn/${DAY}/104701/dybsvn-20550.tar.gz`;
const TRAC = `tracs/dybsvn/${DAY}/104701/dybsvn.tar.gz`;
const SETUP = `folders/svnsetup/${DAY}/104701/svnsetup.tar.gz`;
const OLD = `folders/svnsetup/2013/05/28/104701/svnsetup.tar.gz`;

let root: string;

async function put(rel: string, bytes: number): Promise<void> {
  await mkdir(dirname(join(root, rel)), { recursive: true });
  await writeFile(join(root, rel), Buffer.alloc(bytes, 1));
}

/** A tarball of `bytes` with its canonical sidecar. */
async function putVerified(rel: string, bytes: number): Promise<void> {
  await put(rel, bytes);
  await writeFile(join(root, rel + '.dna'), formatDna({ dig: md5Of(Buffer.alloc(bytes, 1)), size: bytes }));
}

function configFor(over: Record<string, string | string[]> = {}): Config {
  const config = loadConfig({ env: {}, defaultFile: '/nonexistent', flags: { 'target.root': root, timezone: 'UTC', wanted: ['dybsvn', 'svnsetup'], ...over } }).config;
  config.expect = { dybsvn: 2, svnsetup: 1 };
  return config;
}

const NOW = Date.UTC(2013, 4, 29, 15, 30, 0);

describe('gatherStatusFacts', () => {
  before(async () => {
    root = tempDir('status-facts');
    await putVerified(SVN, 30);
    await put(TRAC + '.part', 12);
    await putVerified(SETUP, 5);
    await putVerified(OLD, 4);
    // The files were written before the ledger's history below, as on a real target.
    for (const rel of [SVN, TRAC + '.part', SETUP, OLD]) await utimes(join(root, rel), (NOW - 36_000_000) / 1000, (NOW - 36_000_000) / 1000);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads verified, newest and in-progress tarballs from the files, and no ledger means no history', async () => {
    const f = await gatherStatusFacts(configFor(), { days: [DAY], now: NOW, listTimeoutMs: 1000 });
    const [dybsvn, setup] = f.names;
    assert.equal(dybsvn!.name, 'dybsvn');
    assert.equal(dybsvn!.newest!.path, SVN);
    assert.equal(dybsvn!.newest!.backupMs, Date.UTC(2013, 4, 29, 10, 47, 1));
    assert.deepEqual(dybsvn!.dayCounts, [{ day: DAY, count: 1 }]);
    assert.deepEqual(dybsvn!.inProgress, [{ path: TRAC, day: DAY, bytes: 12, size: null }]);
    assert.equal(dybsvn!.pending, null);
    assert.equal(setup!.verified, 2);
    assert.equal(setup!.newest!.path, SETUP);
    assert.deepEqual(f.source, { known: false, url: null, error: 'no source configured' });
    assert.equal(f.lastRun, null);
    assert.equal(existsSync(join(root, '.altbackup')), false, 'status must not create a ledger');
  });

  it('classifies the source listing into pending and ready-but-not-pulled', async () => {
    const other = `svn/dybsvn/${DAY}/104701/dybsvn-20551.tar.gz`;
    const view: StatusListing = {
      source: 'http://127.0.0.1:1/',
      complete: [{ path: SVN, size: 30 }, { path: TRAC, size: 48 }, { path: other, size: 9 }],
      pending: [`svn/dybaux/${DAY}/104701/dybaux-1.tar.gz`, `tracs/dybsvn/${DAY}/110000/dybsvn.tar.gz`],
    };
    const f = await gatherStatusFacts(configFor(), { days: [DAY], now: NOW, listTimeoutMs: 1000, listSource: async () => view });
    const dybsvn = f.names[0]!;
    assert.deepEqual(f.source, { known: true, url: 'http://127.0.0.1:1/', error: null });
    assert.deepEqual(dybsvn.inProgress, [{ path: TRAC, day: DAY, bytes: 12, size: 48 }]);
    assert.deepEqual(dybsvn.notPulled, [{ path: other, day: DAY }]);
    assert.deepEqual(dybsvn.pending, [{ path: `tracs/dybsvn/${DAY}/110000/dybsvn.tar.gz`, day: DAY }]);
  });

  it('gives up on a source that never answers within the bound', async () => {
    let aborted = false;
    const never = (_days: readonly string[], signal: AbortSignal) => new Promise<StatusListing>(() => {
      signal.addEventListener('abort', () => { aborted = true; });
    });
    const t0 = Date.now();
    const f = await gatherStatusFacts(configFor(), { days: [DAY], now: NOW, listTimeoutMs: 200, listSource: never });
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(f.source.known, false);
    assert.match(f.source.error!, /no answer within 200 ms/);
    assert.equal(aborted, true, 'the listing request is aborted, not left running');
    assert.equal(f.names[0]!.pending, null);
  });

  it('reads the last pull and outstanding mismatches from the ledger', async () => {
    const ledgerFile = join(root, '.altbackup', 'ledger.sqlite');
    const ledger = Ledger.open(ledgerFile);
    try {
      const run = ledger.startRun('pull', [DAY], NOW - 7_200_000);
      ledger.endRun(run, 'ok', { files: 2, bytes: 35 }, NOW - 3_600_000);
      // One transfer of that run resumed its .part on the third attempt.
      ledger.recordTransfer(run, { path: 'svn/other/2013/05/29/104701/other-1.tar.gz', size: 4, md5: null, etag: null, sourceUrl: null, bytesFetched: 2, resumedFrom: 2, attempts: 3, startedAt: NOW - 7_000_000, endedAt: NOW - 6_000_000, result: 'ok', error: null });
      const bad = { expectedMd5: 'a'.repeat(32), expectedSize: 30, actualMd5: 'b'.repeat(32), actualSize: 30, ok: false };
      ledger.recordVerification(null, { path: SVN, ...bad }, NOW - 1000);
      // Gone from the target: resolved.
      ledger.recordVerification(null, { path: `svn/dybsvn/2013/05/27/104701/dybsvn-20540.tar.gz`, ...bad }, NOW - 1000);
      // Re-verified fine afterwards: resolved.
      ledger.recordVerification(null, { path: SETUP, ...bad }, NOW - 2000);
      ledger.recordVerification(null, { path: SETUP, ...bad, actualMd5: 'a'.repeat(32), ok: true }, NOW - 1000);
      // Replaced by a later good transfer: resolved.
      ledger.recordVerification(null, { path: OLD, ...bad }, NOW - 5000);
      ledger.recordTransfer(null, { path: OLD, size: 4, md5: null, etag: null, sourceUrl: null, bytesFetched: 4, resumedFrom: 0, attempts: 1, startedAt: NOW - 4000, endedAt: NOW - 3000, result: 'ok', error: null });
      await utimes(join(root, OLD), (NOW - 3000) / 1000, (NOW - 3000) / 1000);
      const running = ledger.startRun('pull', [DAY], NOW - 60_000);
      assert.ok(running > run);
    } finally {
      ledger.close();
    }
    // This test process holds the pull lock, as a running pull would.
    const lock = join(root, '.altbackup', 'pull.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, startedAt: new Date(NOW - 60_000).toISOString(), host: hostname(), nonce: 'test' }));
    const f = await gatherStatusFacts(configFor(), { days: [DAY], now: NOW, listTimeoutMs: 1000 });
    await rm(lock);
    assert.deepEqual(f.lastRun, { id: 1, result: 'ok', startedAt: NOW - 7_200_000, endedAt: NOW - 3_600_000, durationMs: 3_600_000, files: 2, bytes: 35, resumes: 1, retries: 2, error: null });
    assert.deepEqual(f.mismatches.map((m) => m.path), [SVN]);
    // The running row carries the pid of the lock's live holder.
    assert.deepEqual(f.running, { id: 2, pid: process.pid, startedAt: NOW - 60_000 });
  });

  it('refuses to run without a target root', async () => {
    const config = loadConfig({ env: {}, defaultFile: '/nonexistent' }).config;
    await assert.rejects(gatherStatusFacts(config, { days: [DAY], listTimeoutMs: 100 }), { code: 'no-target', exitCode: 2 });
  });
});

describe('statusNames', () => {
  it('uses wanted, else the [expect] names, else the tarball names without revision', () => {
    const config = loadConfig({ env: {}, defaultFile: '/nonexistent' }).config;
    assert.deepEqual(statusNames({ ...config, wanted: ['a'] }, []), ['a']);
    assert.deepEqual(statusNames({ ...config, expect: { b: 1 } }, []), ['b']);
    assert.deepEqual(statusNames(config, [{ name: 'dybsvn-20550.tar.gz' }, { name: 'dybsvn.tar.gz' }, { name: 'svnsetup.tar.gz' }]), ['dybsvn', 'svnsetup']);
  });
});
