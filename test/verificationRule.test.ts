/**
 * One rule for "is this tarball verified", asked by every command: after
 * check_target finds a copy corrupt and a pull brings a new verified copy of
 * it, `ls`, `status`, `purge_target --dry-run` and `extract_tracdb` all call
 * the copy verified (before, purge_target and extract_tracdb counted the old
 * failed check forever).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { flipByte, tempDir } from '@altbackup/shared/testing';
import { runTarget, startSource, type RunningServer } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

const DAY = '2024/05/02';
let work: string;
let sample: SampleManifest;
let server: RunningServer;

before(async () => {
  work = tempDir('rule');
  sample = await makeSampleTree({ root: join(work, 'src'), days: 1, end: DAY, bulk: 32 * 1024, pending: false });
  server = await startSource(['--root', sample.root, '--rescan-interval', '100ms']);
});
after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

test('after a failed check_target and a new verified copy, every command agrees the copy is verified', async () => {
  const target = join(work, 'target');
  const base = join(work, 'base');
  const common = ['--target', target, '--source', server.url, '--day', DAY, '--wanted', 'dybsvn', '--base', base, '--max-age', '100000h'];
  const trac = sample.tarballs.find((t) => t.catfold === 'tracs' && t.day === DAY)!;
  assert.equal((await runTarget([...common, 'pull'])).code, 0);

  // Corrupt one byte of the mirrored Trac tarball: check_target records the mismatch.
  const abs = join(target, trac.path);
  flipByte(abs, 1000);
  const check = await runTarget([...common, 'check_target']);
  assert.equal(check.code, 1);
  assert.match(check.stderr, new RegExp(`MISMATCH ${trac.path}`));
  const ls1 = JSON.parse((await runTarget([...common, '--json', 'ls'])).stdout) as { path: string; state: string }[];
  assert.equal(ls1.find((r) => r.path === trac.path)?.state, 'corrupt');

  // The next pull replaces the corrupt copy with a new verified one.
  const again = await runTarget([...common, 'pull']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^fetched ${trac.path.replace(/[.]/g, '\\.')} `, 'm'));
  assert.deepEqual(await readFile(abs), await readFile(join(sample.root, trac.path)));

  const ls = JSON.parse((await runTarget([...common, '--json', 'ls'])).stdout) as { path: string; state: string }[];
  assert.equal(ls.find((r) => r.path === trac.path)?.state, 'verified', 'ls');

  const status = await runTarget([...common, '--json', 'status']);
  const facts = JSON.parse(status.stdout) as { mismatches: { path: string }[]; reasons: string[]; names: { name: string; newest: { path: string } | null }[] };
  assert.deepEqual(facts.mismatches, [], 'status: no outstanding mismatch');
  assert.ok(!facts.reasons.some((r) => r.includes(trac.path)), facts.reasons.join('\n'));
  assert.equal(facts.names.find((n) => n.name === 'dybsvn')?.newest?.path, trac.path, 'status: the new copy is the newest verified');

  const purge = await runTarget([...common, '--json', '--dry-run', 'purge_target']);
  assert.equal(purge.code, 0, purge.stderr);
  const entries = (JSON.parse(purge.stdout) as { subfolds: { entries: { path: string; state: string; why: string | null }[] }[] }).subfolds.flatMap((s) => s.entries);
  assert.deepEqual(entries.find((e) => e.path === trac.path), { index: 0, path: trac.path, state: 'verified', why: null, delete: false, keptBy: ['newest'] }, 'purge_target --dry-run');

  const extract = await runTarget([...common, 'extract_tracdb']);
  assert.equal(extract.code, 0, extract.stderr);
  assert.match(extract.stdout, new RegExp(`^extracted ${trac.path.replace(/[.]/g, '\\.')} -> `, 'm'), 'extract_tracdb');
});
