/**
 * Proof that the mirror restores (SPEC section 8), with the real CLI and the
 * real tools: `check_restore` on a healthy day and on tarballs whose MD5
 * matches but which do not restore; scratch space that never outlives a run;
 * `scrub` finding a flipped byte, the copy kept out of retention and repaired
 * by the next pull; `restore` of a proven svn copy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  makeSampleTree, writeFolderTarballBadHeader, writeSvnTarballFailingVerify, writeSvnTarballWrongYoungest, writeTracTarballCutShort,
  writeTracTarballDamagedDb, type SampleManifest, type SampleTarball,
} from '@altbackup/sample-tree';
import { filesBelow, flipByte, tempDir, waitFor } from '@altbackup/shared/testing';
import { cleanEnv, runTarget, startSource, TARGET_CLI, type CliResult, type RunningServer } from './support/processes.js';

const DAY = '2024/05/02';
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function dir(name: string): string {
  const d = tempDir(name);
  dirs.push(d);
  return d;
}

const esc = (s: string) => s.replace(/[.+]/g, '\\$&');

/** Operator lines on stderr (pino's JSON lines aside). */
function lines(r: CliResult, command: string): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith(`altbackup ${command}:`));
}

const restoreArgs = (target: string, ...extra: string[]) => ['--target', target, '--timezone', 'UTC', ...extra];

describe('check_restore', () => {
  let sample: SampleManifest;
  before(async () => {
    sample = await makeSampleTree({ root: dir('restore-src'), days: 1, end: DAY, bulk: 64 * 1024, pending: false });
  });

  it('a healthy day: every tarball proven, a proof per tarball in the ledger, status shows its age', async () => {
    const target = dir('restore-good');
    cpSync(sample.root, target, { recursive: true });
    const r = await runTarget([...restoreArgs(target, '--day', DAY), 'check_restore'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const wanted = sample.tarballs.filter((t) => t.day === DAY);
    for (const t of wanted) assert.match(r.stdout, new RegExp(`^proven   ${esc(t.path)}  \\(`, 'm'));
    const svn = wanted.find((t) => t.catfold === 'svn' && t.subfold === 'dybsvn')!;
    assert.match(r.stdout, new RegExp(`^proven   ${esc(svn.path)}  \\(svn: svnadmin verify passed, youngest revision ${/-(\d+)\.tar\.gz$/.exec(svn.name)![1]}`, 'm'));
    assert.match(r.stdout, /\(trac: trac\.db integrity_check ok, bitten_build answers \(\d+ builds\)/);
    const db = new Database(join(target, '.altbackup/ledger.sqlite'), { readonly: true });
    const proofs = db.prepare("SELECT path, result, md5 FROM restore_proofs ORDER BY path").all() as { path: string; result: string; md5: string }[];
    db.close();
    assert.deepEqual(proofs.map((p) => [p.path, p.result, p.md5]), wanted.map((t) => [t.path, 'ok', t.md5]).sort());
    assert.deepEqual(filesBelow(join(target, '.altbackup/scratch')), [], 'scratch is empty after the run');

    const status = await runTarget([...restoreArgs(target, '--day', DAY, '--max-age', '100000h', '--wanted', 'dybsvn', '--json'), 'status']);
    const facts = JSON.parse(status.stdout) as { reasons: string[]; names: { series: { series: string; proven: { path: string; at: number } | null }[] }[] };
    assert.deepEqual(facts.reasons, []);
    assert.deepEqual(facts.names[0]!.series.map((x) => [x.series, x.proven?.path]), [['svn/dybsvn/dybsvn', svn.path], ['tracs/dybsvn/dybsvn', wanted.find((t) => t.catfold === 'tracs')!.path]]);
    const text = await runTarget([...restoreArgs(target, '--day', DAY, '--max-age', '100000h', '--wanted', 'dybsvn'), 'status']);
    assert.match(text.stdout, new RegExp(`^  svn/dybsvn/dybsvn  ${esc(svn.path)} proven \\d+(\\.\\d)?(ms|s|m) ago$`, 'm'));
  });

  const broken: [string, (root: string) => Promise<SampleTarball>, RegExp][] = [
    ['an svn tarball whose repository fails svnadmin verify', (root) => writeSvnTarballFailingVerify({ root, day: DAY, rev: 300 }), /svnadmin verify failed: /],
    ['an svn tarball whose youngest revision is not the one in its name', (root) => writeSvnTarballWrongYoungest({ root, day: DAY, rev: 300 }), /youngest revision is 299, the name promises 300/],
    ['a Trac tarball whose gzip stream is cut short', (root) => writeTracTarballCutShort({ root, day: DAY }), /truncated or corrupt archive/],
    ['a trac.db with a damaged page', (root) => writeTracTarballDamagedDb({ root, day: DAY }), /trac\.db (integrity_check|does not answer)/],
    ['a folder tarball with a broken tar header', (root) => writeFolderTarballBadHeader({ root, day: DAY }), /truncated or corrupt archive/],
  ];
  for (const [what, write, why] of broken) {
    it(`${what}: caught, named in one line, exit 1, nothing deleted`, async () => {
      const target = dir('restore-bad');
      const t = await write(target);
      const before = filesBelow(target);
      const r = await runTarget([...restoreArgs(target, '--day', DAY), 'check_restore'], { timeoutMs: 120_000 });
      assert.equal(r.code, 1, r.stderr);
      const ls = lines(r, 'check_restore');
      assert.equal(ls.length, 1, r.stderr);
      assert.match(ls[0]!, new RegExp(`^altbackup check_restore: restore-failed: ${esc(t.path)}: .*${why.source}`));
      assert.doesNotMatch(r.stderr, /\n\s+at |internal:/);
      assert.deepEqual(filesBelow(target).filter((f) => !f.startsWith('.altbackup/')), before, 'nothing deleted');
      assert.deepEqual(filesBelow(join(target, '.altbackup/scratch')), []);
      const state = JSON.parse((await runTarget(['--target', target, '--json', 'ls'])).stdout) as { path: string; state: string }[];
      assert.equal(state.find((x) => x.path === t.path)?.state, 'restore-failed');
    });
  }

  it('scratch space never outlives a run: SIGTERM, kill -9 and the next run, and a refusal when it is short', async () => {
    const slow = await makeSampleTree({ root: dir('restore-slow'), days: 1, end: DAY, bulk: 48 << 20, pending: false });
    const scratch = dir('restore-scratch');
    const common = [...restoreArgs(slow.root, '--day', DAY, '--wanted', 'dybsvn', '--scratch', scratch), 'check_restore'];
    const busy = () => readdirSync(scratch).some((d) => readdirSync(join(scratch, d)).length > 0);
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const child = spawn(process.execPath, [TARGET_CLI, ...common], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await waitFor('check_restore to unpack into its scratch folder', () => existsSync(scratch) && busy(), 60_000);
      child.kill(signal);
      const code = await exited;
      if (signal === 'SIGTERM') {
        assert.equal(code, 1, err);
        assert.match(err, /interrupted by SIGTERM/);
        assert.deepEqual(readdirSync(scratch), [], 'SIGTERM: the run removed its scratch space');
      } else {
        assert.equal(readdirSync(scratch).length, 1, 'kill -9 leaves the scratch folder behind');
      }
    }
    const next = await runTarget(common, { timeoutMs: 180_000 });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(readdirSync(scratch), [], 'the next run removed the killed one\'s folder, and its own');

    const short = await runTarget([...restoreArgs(slow.root, '--day', DAY, '--scratch', scratch, '--min-free', '1000000G'), 'check_restore']);
    assert.equal(short.code, 1);
    assert.match(lines(short, 'check_restore')[0]!, new RegExp(`^altbackup check_restore: no-space: scratch space ${esc(scratch)}/\\S+ is short for \\S+: needs \\S+ plus the \\S+ kept free \\(target\\.min_free\\)`));
    assert.deepEqual(readdirSync(scratch), []);
  });
});

describe('scrub', () => {
  let sample: SampleManifest;
  let server: RunningServer;
  before(async () => {
    // Four days up to today (UTC), so --since 4 pulls them all.
    sample = await makeSampleTree({ root: dir('scrub-src'), days: 4, bulk: 32 * 1024, pending: false });
    server = await startSource(['--root', sample.root, '--rescan-interval', '100ms']);
  });
  after(() => server.stop());

  it('finds a flipped byte within a budget that covers the file; the copy is kept out of retention, in quarantine, and fetched again', async () => {
    const target = dir('scrub-target');
    const pull = () => runTarget(['--target', target, '--source', server.url, '--since', '4', '--timezone', 'UTC', 'pull'], { timeoutMs: 120_000 });
    assert.equal((await pull()).code, 0);
    const trac = sample.tarballs.filter((t) => t.catfold === 'tracs');
    const victim = trac.at(-1)!;
    flipByte(join(target, victim.path), 4321);
    const corruptBytes = readFileSync(join(target, victim.path));

    const r = await runTarget(['--target', target, '--max-bytes', String(victim.size), '--json', 'scrub']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { events: { path: string; result: string }[]; bytesRead: number; budget: number };
    assert.deepEqual(report.events.map((e) => [e.path, e.result]), [[victim.path, 'corrupt']], 'the changed copy is read first, and the budget stops there');
    assert.equal(lines(r, 'scrub').length, 1);
    assert.match(lines(r, 'scrub')[0]!, new RegExp(`^altbackup scrub: corrupt: ${esc(victim.path)} is corrupt at rest: the file now has md5 [0-9a-f]{32} size ${victim.size}, its sidecar says md5 ${victim.md5}`));
    assert.ok(existsSync(join(target, victim.path)), 'nothing deleted');

    // A budget of N bytes reads at most N bytes plus one file.
    const largest = Math.max(...sample.tarballs.map((t) => t.size));
    const small = JSON.parse((await runTarget(['--target', target, '--max-bytes', '100000', '--json', 'scrub'])).stdout) as { bytesRead: number };
    assert.ok(small.bytesRead <= 100_000 + largest, `${small.bytesRead} bytes read`);

    const status = await runTarget(['--target', target, '--timezone', 'UTC', '--max-age', '100000h', '--restore-max-age', '0', 'status']);
    assert.equal(status.code, 1);
    assert.match(status.stderr, new RegExp(`altbackup status: mismatch: ${esc(victim.path)} does not match its sidecar`));

    const purge = JSON.parse((await runTarget(['--target', target, '--keep', '2', '--json', '--dry-run', 'purge_target'])).stdout) as { subfolds: { subfold: string; entries: { path: string; state: string; delete: boolean }[] }[] };
    const tracs = purge.subfolds.find((s) => s.subfold === 'tracs/dybsvn')!.entries;
    assert.deepEqual(tracs.map((e) => [e.state, e.delete]), [['verified', true], ['verified', false], ['verified', false], ['corrupt', false]], 'two good copies kept besides the corrupt one');

    const repaired = await pull();
    assert.equal(repaired.code, 0, repaired.stderr);
    assert.deepEqual(readFileSync(join(target, victim.path)), readFileSync(join(sample.root, victim.path)), 'a fresh copy');
    const q = join(target, '.altbackup/quarantine');
    const kept = readdirSync(q).map((stamp) => join(q, stamp, victim.path)).find(existsSync);
    assert.ok(kept, `the corrupt copy is in quarantine: ${readdirSync(q)}`);
    assert.deepEqual(readFileSync(kept), corruptBytes);
  });
});

describe('restore', () => {
  it('a proven svn copy into an empty folder: svnlook youngest and svnadmin verify pass there; a non-empty folder is refused, untouched', async () => {
    const sample = await makeSampleTree({ root: dir('restore-svn'), days: 2, end: DAY, bulk: 16 * 1024, pending: false });
    const target = sample.root;
    assert.equal((await runTarget([...restoreArgs(target), '--all', '--wanted', 'dybsvn', 'check_restore'], { timeoutMs: 120_000 })).code, 0);
    const svn = sample.tarballs.filter((t) => t.catfold === 'svn' && t.subfold === 'dybsvn').at(-1)!;
    const rev = /-(\d+)\.tar\.gz$/.exec(svn.name)![1]!;
    const into = join(dir('restore-into'), 'dybsvn');
    const r = await runTarget([...restoreArgs(target), 'restore', 'svn/dybsvn', '--to', into], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^restored ${esc(svn.path)} into ${esc(into)}: repository at revision ${rev}, .* unpacked; svnadmin verify passed$`, 'm'));
    assert.match(r.stdout, /^to put it in service: /m);
    assert.equal(execFileSync('svnlook', ['youngest', into], { encoding: 'utf8' }).trim(), rev);
    execFileSync('svnadmin', ['verify', '--quiet', into]);

    const full = join(dir('restore-full'), 'x');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const refused = await runTarget([...restoreArgs(target), 'restore', 'svn/dybsvn', '--to', full]);
    assert.equal(refused.code, 1);
    assert.match(lines(refused, 'restore')[0]!, new RegExp(`^altbackup restore: restore-refused: ${esc(full)} is not empty: .*nothing was changed`));
    assert.deepEqual(readdirSync(full), ['keep.txt']);
    assert.equal(readFileSync(join(full, 'keep.txt'), 'utf8'), 'mine');
    assert.equal(statSync(full).isDirectory(), true);
  });
});
