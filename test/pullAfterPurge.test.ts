/**
 * SPEC section 5: tarballs that purge_target deleted are not fetched again,
 * although the source still lists them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { runTarget, startSource, type RunningServer } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

describe('pull after purge_target', () => {
  let dir: string;
  let sample: SampleManifest;
  let server: RunningServer;
  let target: string;
  const args = (...extra: string[]) => ['--target', target, '--source', server.url, '--timezone', 'UTC', '--wanted', 'dybsvn svnsetup', ...extra];
  // The sample's 5 days end today (UTC); 6 days still cover them all if the
  // test runs across midnight.
  const since = ['--since', '6'];

  before(async () => {
    dir = tempDir('pull-purge');
    target = join(dir, 'target');
    sample = await makeSampleTree({ root: join(dir, 'source'), days: 5, bulk: 16 * 1024, pending: false });
    server = await startSource(['--root', sample.root, '--timezone', 'UTC', '--log-level', 'warn']);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches nothing that was purged, though the source still lists it', async () => {
    const wanted = sample.tarballs.filter((t) => t.name.startsWith('dybsvn') || t.name.startsWith('svnsetup'));
    const first = await runTarget(['pull', ...args(...since)]);
    assert.equal(first.code, 0, first.stderr);
    for (const t of wanted) assert.ok(existsSync(join(target, t.path)), `${t.path} pulled`);

    const purge = await runTarget(['purge_target', ...args('--keep', '2')]);
    assert.equal(purge.code, 0, purge.stderr);
    const purged = wanted.filter((t) => !existsSync(join(target, t.path)));
    // svn/dybsvn, tracs/dybsvn and folders/svnsetup keep 2 of 5 days each.
    assert.equal(purged.length, 3 * 3, purge.stdout);

    const again = await runTarget(['pull', ...args(...since, '--json')]);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as { summary: { fetched: number; bytes: number; never: number }; never: string[] };
    assert.equal(report.summary.fetched, 0);
    assert.equal(report.summary.bytes, 0);
    assert.deepEqual([...report.never].sort(), purged.map((t) => t.path).sort());
    for (const t of purged) assert.ok(!existsSync(join(target, t.path)), `${t.path} stays purged`);
  });
});
