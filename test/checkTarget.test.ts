/**
 * `altbackup check_target` as a child process on target trees copied from a
 * sample source tree: a good day passes; one flipped byte fails; a tarball in
 * progress, one pending on the source and one missing are told apart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, open, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';
import { startRecordedSource } from './support/recordedSource.js';

const DAY = '2024/05/02';
const EXPECT = '[expect]\ndybsvn = 2\ndybaux = 1\nsvnsetup = 1\n';

let work: string;
let complete: SampleManifest; // every tarball has its sidecar
let withPending: SampleManifest; // the newest Trac tarball has none yet
let config: string;

before(async () => {
  work = tempDir('check');
  complete = await makeSampleTree({ root: join(work, 'src-complete'), days: 1, end: DAY, bulk: 32 * 1024, pending: false });
  withPending = await makeSampleTree({ root: join(work, 'src-pending'), days: 1, end: DAY, bulk: 32 * 1024 });
  config = join(work, 'altbackup.toml');
  await writeFile(config, EXPECT);
});
after(() => rm(work, { recursive: true, force: true }));

async function targetFrom(source: SampleManifest, name: string): Promise<string> {
  const root = join(work, name);
  await cp(source.root, root, { recursive: true });
  return root;
}

function check(root: string, ...extra: string[]) {
  return runTarget(['--config', config, '--target', root, '--day', DAY, ...extra, 'check_target'], { timeoutMs: 60_000 });
}

/** The stderr lines that are problem reports (pino's JSON log lines aside). */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('altbackup check_target: '));
}

function tarball(m: SampleManifest, catfold: string, subfold: string) {
  const t = m.tarballs.find((x) => x.catfold === catfold && x.subfold === subfold && x.day === DAY);
  assert.ok(t, `sample has ${catfold}/${subfold}`);
  return t;
}

describe('check_target', () => {
  it('passes on a good tree: every tarball ok, counts met, verifications in the ledger', async () => {
    const root = await targetFrom(complete, 'good');
    const r = await check(root);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(problemLines(r.stderr), []);
    const wanted = complete.tarballs.filter((t) => t.day === DAY);
    for (const t of wanted) assert.match(r.stdout, new RegExp(`^ok .* ${t.path}$`, 'm'));
    assert.match(r.stdout, /^count 2024\/05\/02 dybsvn: 2 verified of 2 expected$/m);
    assert.match(r.stdout, new RegExp(`${wanted.length} tarball\\(s\\): ${wanted.length} ok, 0 bad, .* all good$`, 'm'));
    const db = new Database(join(root, '.altbackup', 'ledger.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('SELECT path, ok, actual_md5 FROM verifications ORDER BY path').all() as { path: string; ok: number; actual_md5: string }[];
      assert.deepEqual(rows.map((x) => [x.path, x.ok, x.actual_md5]), wanted.map((t) => [t.path, 1, t.md5]).sort());
      const run = db.prepare("SELECT result FROM runs WHERE command = 'check_target'").get() as { result: string };
      assert.equal(run.result, 'ok');
    } finally {
      db.close();
    }
  });

  it('exits 1 on a one-byte corruption, with one line naming the file and both digests', async () => {
    const root = await targetFrom(complete, 'corrupt');
    const bad = tarball(complete, 'svn', 'dybsvn');
    const fh = await open(join(root, bad.path), 'r+');
    const byte = Buffer.alloc(1);
    const at = Math.floor(bad.size / 2);
    await fh.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0x01;
    await fh.write(byte, 0, 1, at);
    await fh.close();
    const r = await check(root, '--json');
    assert.equal(r.code, 1);
    const lines = problemLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`^altbackup check_target: MISMATCH ${bad.path}: sidecar says md5 ${bad.md5} size ${bad.size}, file has md5 [0-9a-f]{32} size ${bad.size}: delete it`));
    const report = JSON.parse(r.stdout) as { ok: boolean; tarballs: { path: string; state: string }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.tarballs.filter((t) => t.state !== 'ok').map((t) => [t.path, t.state]), [[bad.path, 'mismatch']]);
  });

  it('tells in progress, pending on the source and missing apart; only missing is a problem', async () => {
    const stub = await startRecordedSource(withPending.root);
    try {
      const root = await targetFrom(withPending, 'mixed');
      const part = tarball(withPending, 'svn', 'dybsvn'); // interrupted download: only a .part
      const pending = tarball(withPending, 'tracs', 'dybsvn'); // no sidecar on the source yet
      const missing = tarball(withPending, 'svn', 'dybaux'); // the source has it, the target does not
      assert.equal(pending.pending, true);
      await rename(join(root, part.path), join(root, part.path + '.part'));
      await truncate(join(root, part.path + '.part'), Math.floor(part.size / 3));
      await rm(join(root, part.path + '.dna'));
      await rm(join(root, pending.path));
      await rm(join(root, missing.path));
      await rm(join(root, missing.path + '.dna'));

      const r = await check(root, '--source', stub.url);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, new RegExp(`^in progress .* ${part.path}  \\(\\.part holds .*; no pull is running: the next pull resumes it\\)$`, 'm'));
      assert.match(r.stdout, new RegExp(`^pending .* ${pending.path}  \\(pending on the source \\(${stub.url}/? has no sidecar for it yet\\)\\)$`, 'm'));
      assert.match(r.stdout, new RegExp(`^MISSING .* ${missing.path}  \\(not on the target; the source has it complete: run altbackup pull\\)$`, 'm'));
      // In progress and pending count toward [expect]; the missing one is reported once, on its own line.
      assert.match(r.stdout, /^count 2024\/05\/02 dybsvn: 0 verified \+ 1 in progress \+ 1 pending of 2 expected$/m);
      assert.match(r.stdout, /^count 2024\/05\/02 dybaux: 0 verified \+ 1 failing of 1 expected$/m);
      assert.deepEqual(problemLines(r.stderr).map((l) => l.split(':')[1]!.trim().split(' ')[0]), ['MISSING']);
      assert.ok(stub.seen.some((u) => u.includes('day=2024%2F05%2F02') || u.includes('day=2024/05/02')), stub.seen.join(' '));

      // A running pull (this test process holds the lock) turns the missing one into in progress.
      await mkdir(join(root, '.altbackup'), { recursive: true });
      await writeFile(join(root, '.altbackup', 'pull.lock'), JSON.stringify({ pid: process.pid, startedAt: '2024-05-02T11:00:00Z', host: hostname(), nonce: 'test' }));
      const locked = await check(root, '--source', stub.url, '--json');
      assert.equal(locked.code, 0, locked.stderr);
      const report = JSON.parse(locked.stdout) as { tarballs: { path: string; state: string; detail: string }[] };
      const m = report.tarballs.find((t) => t.path === missing.path)!;
      assert.equal(m.state, 'in-progress');
      assert.match(m.detail, new RegExp(`a pull is running \\(pid ${process.pid}, started 2024-05-02T11:00:00Z\\)`));
    } finally {
      await stub.close();
    }
  });

  it('with the source unreachable, a tarball without sidecar is reported as unknown, not pending', async () => {
    const root = await targetFrom(withPending, 'unreachable');
    const pending = tarball(withPending, 'tracs', 'dybsvn');
    const r = await check(root, '--source', 'http://127.0.0.1:9', '--source', 'http://nonexistent.invalid:7878');
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^UNKNOWN .* ${pending.path}  \\(the file is here without sidecar; unknown whether pending \\(source unreachable: .*ECONNREFUSED.*\\)\\)$`, 'm'));
    const lines = problemLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /NO SIDECAR .*: check the source, then run check_target again$/);
  });

  it('--all checks every day on the target', async () => {
    const root = join(work, 'all');
    await makeSampleTree({ root, days: 3, end: DAY, bulk: 16 * 1024, pending: false });
    const r = await runTarget(['--config', config, '--target', root, '--all', '--json', 'check_target'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { days: string; tarballs: { day: string; state: string }[]; counts: { day: string }[] };
    assert.equal(report.days, 'all');
    assert.deepEqual([...new Set(report.tarballs.map((t) => t.day))], ['2024/04/30', '2024/05/01', '2024/05/02']);
    assert.ok(report.tarballs.every((t) => t.state === 'ok'));
    assert.equal(report.counts.length, 9);
  });
});
