/**
 * `altbackup ls` (alias `tls`) on a target tree holding every verification
 * state, and `altbackup sls` against a source listing, as child processes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, open, rename, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { makeSampleTree, type SampleManifest, type SampleTarball } from '@altbackup/sample-tree';
import { startRecordedSource, type RecordedSource } from './support/recordedSource.js';

const DAY = '2024/05/02';
let work: string;
let sample: SampleManifest;
let stub: RecordedSource;

before(async () => {
  work = tempDir('ls');
  sample = await makeSampleTree({ root: join(work, 'src'), days: 2, end: DAY, bulk: 16 * 1024 });
  stub = await startRecordedSource(sample.root);
});
after(async () => {
  await stub.close();
  await rm(work, { recursive: true, force: true });
});

function pick(catfold: string, subfold: string, day = DAY): SampleTarball {
  const t = sample.tarballs.find((x) => x.catfold === catfold && x.subfold === subfold && x.day === day);
  assert.ok(t);
  return t;
}

interface Row { path: string; size: number; state: string; why: string; partSize: number | null }

describe('ls', () => {
  it('shows verified, unverified, in progress and corrupt (after check_target found one)', async () => {
    const root = join(work, 'target');
    await cp(sample.root, root, { recursive: true });
    const part = pick('svn', 'dybaux');
    await rename(join(root, part.path), join(root, part.path + '.part'));
    await truncate(join(root, part.path + '.part'), 1000);
    await rm(join(root, part.path + '.dna'));
    const corrupt = pick('svn', 'dybsvn');
    const fh = await open(join(root, corrupt.path), 'r+');
    await fh.write(Buffer.from([0x00]), 0, 1, 100);
    await fh.write(Buffer.from([0xff]), 0, 1, 101);
    await fh.close();
    const check = await runTarget(['--target', root, '--day', DAY, 'check_target']);
    assert.equal(check.code, 1, 'check_target records the mismatch in the ledger');

    const r = await runTarget(['--target', root, '--json', 'ls']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    const state = new Map(rows.map((x) => [x.path, x.state]));
    const unverified = pick('tracs', 'dybsvn'); // the sample's pending tarball: no sidecar
    assert.equal(unverified.pending, true);
    assert.equal(state.get(unverified.path), 'unverified');
    assert.equal(state.get(part.path), 'in-progress');
    assert.equal(rows.find((x) => x.path === part.path)!.partSize, 1000);
    assert.equal(state.get(corrupt.path), 'corrupt');
    const others = sample.tarballs.filter((t) => ![unverified.path, part.path, corrupt.path].includes(t.path));
    for (const t of others) assert.equal(state.get(t.path), 'verified', t.path);
    assert.equal(rows.length, sample.tarballs.length, 'every day, nothing off the layout');
    for (const t of others) assert.equal(rows.find((x) => x.path === t.path)!.size, t.size);

    const text = await runTarget(['--target', root, 'tls']);
    assert.equal(text.code, 0, text.stderr);
    const line = (p: string) => text.stdout.split('\n').find((l) => l.endsWith(p) || l.includes(`${p}  (`)) ?? '';
    assert.match(line(others[0]!.path), /^verified +\S+ +\d{4}-\d{2}-\d{2} \d{2}:\d{2}  /);
    assert.match(line(part.path), /^in-progress +1000 +.*\(\.part 1000\)$/);
    assert.match(line(corrupt.path), /^corrupt .*\(the last check read other bytes than the sidecar says\)$/);
    assert.match(line(unverified.path), /^unverified .*\(no sidecar\)$/);
    assert.match(text.stdout, new RegExp(`^total \\S+ in ${sample.tarballs.length} tarball\\(s\\): ${others.length} verified, 1 unverified, 1 in progress, 0 mismatch, 1 corrupt$`, 'm'));

    const oneDay = await runTarget(['--target', root, '--day', '2024/05/01', '--json', 'ls']);
    const dayRows = JSON.parse(oneDay.stdout) as Row[];
    assert.deepEqual(dayRows.map((x) => x.path), sample.tarballs.filter((t) => t.day === '2024/05/01').map((t) => t.path).sort());
  });
});

describe('sls', () => {
  it('lists the day from the source: size, md5 and path, pending marked', async () => {
    const r = await runTarget(['--source', stub.url, '--day', DAY, 'sls']);
    assert.equal(r.code, 0, r.stderr);
    const ofDay = sample.tarballs.filter((t) => t.day === DAY);
    for (const t of ofDay.filter((x) => !x.pending)) assert.match(r.stdout, new RegExp(`^ +\\S+  \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}  ${t.md5}  ${t.path}$`, 'm'));
    const pending = ofDay.find((x) => x.pending)!;
    assert.match(r.stdout, new RegExp(`\\(pending: no sidecar yet\\) +${pending.path}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^source ${stub.url}/?: ${ofDay.length - 1} complete \\(\\S+\\), 1 pending$`, 'm'));
  });

  it('--json gives the entries, filtered by --wanted', async () => {
    const r = await runTarget(['--source', stub.url, '--day', DAY, '--json', '--wanted', 'svnsetup', 'sls']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { complete: { path: string }[]; pending: string[] };
    assert.deepEqual(j.complete.map((e) => e.path), [pick('folders', 'svnsetup').path]);
    assert.deepEqual(j.pending, []);
  });

  it('the whole day, exact sizes and digests, in --json', async () => {
    const r = await runTarget(['--source', stub.url, '--day', DAY, '--json', 'sls']);
    const j = JSON.parse(r.stdout) as { complete: { path: string; size: number; dna: { dig: string; size: number } }[]; pending: string[] };
    const ofDay = sample.tarballs.filter((t) => t.day === DAY);
    assert.deepEqual(j.complete.map((e) => [e.path, e.size, e.dna.dig]), ofDay.filter((t) => !t.pending).map((t) => [t.path, t.size, t.md5]).sort());
    assert.deepEqual(j.pending, ofDay.filter((t) => t.pending).map((t) => t.path));
  });

  it('every source down: exit 1, one line naming each source and its cause', async () => {
    const r = await runTarget(['--source', 'http://nonexistent.invalid:7878', '--source', 'http://127.0.0.1:9', '--day', DAY, 'sls']);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('altbackup sls:'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^altbackup sls: source-unreachable: .*nonexistent\.invalid.*ENOTFOUND.*127\.0\.0\.1:9.*ECONNREFUSED.*: check the network, the --source URLs and that altbackup-source serve runs/);
  });
});
