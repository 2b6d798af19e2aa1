/**
 * `--dry-run` announces exactly what the real run then does, for every
 * command that changes the target, including what depends on the ledger
 * (a purged tarball, a failed check) and a refusal. A dry run reads the same
 * files and ledger as the real run and writes nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { flipByte, tempDir } from '@altbackup/shared/testing';
import { filesUnder } from './support/pullFixtures.js';
import { runTarget, startSource, type RunningServer } from './support/processes.js';
import { makeSampleTree, type SampleManifest, type SampleTarball } from '@altbackup/sample-tree';

let work: string;
let sample: SampleManifest;
let server: RunningServer;

before(async () => {
  work = tempDir('dry');
  // The last 4 days up to today (UTC): `--since 4` selects them all.
  sample = await makeSampleTree({ root: join(work, 'src'), days: 4, bulk: 16 * 1024, pending: false });
  server = await startSource(['--root', sample.root, '--rescan-interval', '100ms']);
});
after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

const json = <T>(stdout: string): T => JSON.parse(stdout) as T;
const pick = (m: SampleManifest, catfold: string, day: string): SampleTarball => m.tarballs.find((t) => t.catfold === catfold && t.day === day)!;

test('pull --dry-run plans what the real pull then fetches, resumes, skips and leaves purged', async () => {
  const target = join(work, 'pull');
  // One day mirrored and purged, one tarball half there, one verified.
  const [d1, d2] = sample.days;
  await cp(join(sample.root, 'folders'), join(target, 'folders'), { recursive: true });
  const half = pick(sample, 'svn', d2!);
  await cp(join(sample.root, half.path), join(target, half.path + '.part'));
  await truncate(join(target, half.path + '.part'), Math.floor(half.size / 2));
  const purge = await runTarget(['--target', target, '--keep', '3', 'purge_target']);
  assert.equal(purge.code, 0, purge.stderr);
  const purged = sample.tarballs.filter((t) => t.catfold === 'folders' && t.day === d1).map((t) => t.path);
  assert.ok(purged.length > 0);

  const common = ['--target', target, '--source', server.url, '--since', '4', '--timezone', 'UTC'];
  const before = filesUnder(target);
  const dry = await runTarget([...common, '--json', '--dry-run', 'pull']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(filesUnder(target), before, 'the dry run wrote nothing');
  const plan = json<{ plan: { path: string; action: string }[] }>(dry.stdout).plan;
  const by = (a: string) => plan.filter((i) => i.action === a).map((i) => i.path).sort();
  assert.deepEqual(by('never'), purged.sort());
  assert.deepEqual(by('resume'), [half.path]);

  const real = await runTarget([...common, '--json', 'pull']);
  assert.equal(real.code, 0, real.stderr);
  const r = json<{ outcomes: { path: string; result: string; resumedFrom: number }[]; skipped: string[]; never: string[] }>(real.stdout);
  assert.deepEqual(r.outcomes.map((o) => o.path).sort(), [...by('fetch'), ...by('resume')].sort());
  assert.deepEqual(r.outcomes.filter((o) => o.resumedFrom > 0).map((o) => o.path), by('resume'));
  assert.deepEqual([...r.skipped].sort(), by('skip'));
  assert.deepEqual([...r.never].sort(), by('never'));
});

test('purge_target and extract_tracdb --dry-run say what the real runs do, a refusal included', async () => {
  const target = join(work, 'purge');
  await cp(sample.root, target, { recursive: true });
  const common = ['--target', target, '--base', join(work, 'base'), '--since', '4', '--timezone', 'UTC'];
  // check_target finds the oldest Trac copy corrupt: it is not kept and not extracted.
  const bad = pick(sample, 'tracs', sample.days[0]!);
  flipByte(join(target, bad.path), 200);
  assert.equal((await runTarget([...common, 'check_target'])).code, 1);

  const dryExtract = await runTarget([...common, '--dry-run', 'extract_tracdb']);
  const realExtract = await runTarget([...common, 'extract_tracdb']);
  assert.equal(dryExtract.code, 1);
  assert.equal(realExtract.code, 1);
  const refusal = new RegExp(`^altbackup extract_tracdb: tarball-unverified: ${bad.path.replace(/[.]/g, '\\.')} is not verified \\(the last check read other bytes than the sidecar says\\)`, 'm');
  assert.match(dryExtract.stderr, refusal);
  assert.match(realExtract.stderr, refusal);
  const would = dryExtract.stdout.trim().split('\n').map((l) => l.replace(/^would extract /, ''));
  const did = realExtract.stdout.trim().split('\n').map((l) => l.replace(/^extracted /, '').replace(/ \(\S+\)$/, ''));
  assert.equal(would.length, sample.days.length - 1);
  assert.deepEqual(did, would);

  const dryPurge = await runTarget([...common, '--keep', '2', '--json', '--dry-run', 'purge_target']);
  const realPurge = await runTarget([...common, '--keep', '2', '--json', 'purge_target']);
  assert.equal(dryPurge.code, 0, dryPurge.stderr);
  assert.equal(realPurge.code, 0, realPurge.stderr);
  const decisions = (out: string) => json<{ subfolds: { entries: unknown[] }[]; deleted: number }>(out);
  assert.deepEqual(decisions(realPurge.stdout).subfolds, decisions(dryPurge.stdout).subfolds);
  assert.equal(decisions(realPurge.stdout).deleted, decisions(dryPurge.stdout).deleted);
  const trac = decisions(dryPurge.stdout).subfolds.flatMap((s) => s.entries as { path: string; state: string; delete: boolean }[]).find((e) => e.path === bad.path)!;
  assert.deepEqual([trac.state, trac.delete], ['corrupt', true], 'the corrupt copy is not one of the kept ones');

  const dryExtracted = await runTarget([...common, '--keep-extracted', '1', '--json', '--dry-run', 'purge_extracted']);
  const realExtracted = await runTarget([...common, '--keep-extracted', '1', '--json', 'purge_extracted']);
  const tracs = (out: string) => json<{ tracs: unknown[]; deleted: number; dryRun: boolean }>(out);
  assert.deepEqual(tracs(realExtracted.stdout).tracs, tracs(dryExtracted.stdout).tracs);
  assert.equal(tracs(dryExtracted.stdout).deleted, sample.days.length - 2);
  assert.equal(tracs(realExtracted.stdout).deleted, sample.days.length - 2);
});
