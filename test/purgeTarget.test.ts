/**
 * purge_target through the real CLI on a 7-day sample target (SPEC section 3):
 * retention per subfold, LOCKED and off-layout files untouched, symlinks not
 * followed, one-pass empty-folder removal, --dry-run, ledger records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { Ledger } from '@altbackup/target-puller';
import { formatDna, parseDna } from '@altbackup/shared';
import { md5Of, md5OfFile, tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { makeSampleTree, type SampleManifest } from '@altbackup/sample-tree';

/** Every file (with md5), symlink and folder below root, except the ledger folder. */
async function snapshot(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      const rel = relative(root, abs);
      if (rel === '.altbackup') continue;
      if (e.isSymbolicLink()) out.set(rel, 'symlink');
      else if (e.isDirectory()) {
        out.set(rel + '/', 'dir');
        await walk(abs);
      } else out.set(rel, md5OfFile(abs));
    }
  };
  await walk(root);
  return out;
}

async function emptyFolders(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const ents = await readdir(dir, { withFileTypes: true });
    if (ents.length === 0) out.push(relative(root, dir));
    for (const e of ents) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(root);
  return out;
}

interface Fixture {
  dir: string;
  target: string;
  outside: string;
  manifest: SampleManifest;
  /** Paths expected to be deleted. */
  expectGone: Set<string>;
  /** Tarball paths expected to remain (layout, not LOCKED). */
  expectKept: Set<string>;
}

/**
 * A target holding 7 days of the 5 sample subfolds, with canonical sidecars,
 * then: folders/svnsetup's 3 newest lose their sidecars (unverified), an
 * in-progress `.part` on the oldest and newest svn/dybaux days, an off-layout
 * file in an old day folder, a pre-existing empty date chain, a symlinked
 * time folder and a symlinked subfold pointing outside the root.
 */
async function makeFixture(): Promise<Fixture> {
  const dir = tempDir('purge-target');
  const source = join(dir, 'source');
  const target = join(dir, 'target');
  const outside = join(dir, 'outside');
  const manifest = await makeSampleTree({ root: source, days: 7, bulk: 1024 });
  await cp(source, target, { recursive: true });
  for (const t of manifest.tarballs) {
    if (t.pending) continue;
    const f = join(target, t.path + '.dna');
    await writeFile(f, formatDna(parseDna(await readFile(f, 'utf8'), f)));
  }
  const days = manifest.days;
  const pathOf = (sub: string, day: string) => manifest.tarballs.find((t) => `${t.catfold}/${t.subfold}` === sub && t.day === day)!.path;

  for (const day of days.slice(4)) await unlink(join(target, pathOf('folders/svnsetup', day) + '.dna'));
  const oldPart = `svn/dybaux/${days[0]}/104701/dybaux-1.tar.gz`;
  const newPart = `svn/dybaux/${days[6]}/104701/dybaux-9999.tar.gz`;
  await writeFile(join(target, oldPart + '.part'), 'partial');
  await writeFile(join(target, newPart + '.part'), 'partial');
  await writeFile(join(target, `svn/dybaux/${days[0]}/104701/notes.txt`), 'operator note, off the layout');
  await mkdir(join(target, 'svn/dybsvn/2020/01/01/104701'), { recursive: true });

  // Outside the root: layout-shaped tarballs with sidecars that must survive.
  for (let i = 1; i <= 5; i++) {
    const rel = `2020/01/0${i}/104701/evil-${i}.tar.gz`;
    await mkdir(join(outside, rel, '..'), { recursive: true });
    await writeFile(join(outside, rel), `evil ${i}`);
    await writeFile(join(outside, rel + '.dna'), formatDna({ dig: md5Of(`evil ${i}`), size: `evil ${i}`.length }));
  }
  await symlink(outside, join(target, 'svn/evil'));
  await symlink(join(outside, '2020/01/01/104701'), join(target, 'svn/dybsvn', days[0]!, '235959'));

  const expectGone = new Set<string>();
  const expectKept = new Set<string>();
  const plan: Record<string, string> = {
    // one letter per day, oldest first: D deleted, K kept
    'svn/dybsvn': 'DDDDKKK',
    'svn/dybaux': 'DDDDKKK',
    'tracs/dybsvn': 'DDDKKKK', // newest day pending: not a kept copy
    'folders/svnsetup': 'DKKKKKK', // 3 newest unverified: days 2-4 stay as the kept copies
  };
  for (const [sub, marks] of Object.entries(plan)) {
    days.forEach((day, i) => (marks[i] === 'D' ? expectGone : expectKept).add(pathOf(sub, day)));
  }
  expectGone.add(oldPart);
  expectKept.add(newPart);
  return { dir, target, outside, manifest, expectGone, expectKept };
}

function tableLines(stdout: string): string[] {
  return stdout.trimEnd().split('\n').slice(0, -1);
}

test('purge_target keeps the newest 3 verified per subfold and removes emptied folders in one run', async (t) => {
  const f = await makeFixture();
  t.after(() => rm(f.dir, { recursive: true, force: true }));
  const args = ['--target', f.target, '--keep', '3', 'purge_target'];

  const before = await snapshot(f.target);
  const outsideBefore = await snapshot(f.outside);
  const dry = await runTarget(['--dry-run', ...args]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(await snapshot(f.target), before, '--dry-run changed nothing');
  assert.equal(existsSync(join(f.target, '.altbackup')), false, 'a dry run does not even create the ledger');
  assert.match(dry.stdout, /^dry run: would delete 13 tarball\(s\)/m);

  const real = await runTarget(args);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(tableLines(real.stdout), tableLines(dry.stdout), 'the dry run printed the same table');
  assert.match(real.stdout, /^deleted 13 tarball\(s\)/m);
  assert.match(real.stdout, /^reposLOCKED: LOCKED, skipped$/m);
  for (const p of f.expectGone) {
    assert.match(real.stdout, new RegExp(`^ +\\d+ D ${p.replace(/[.+]/g, '\\$&')}(  \\(.*\\))?$`, 'm'), `table marks ${p}`);
  }

  const after = await snapshot(f.target);
  for (const p of f.expectGone) {
    for (const x of [p, p + '.dna', p + '.part']) assert.equal(after.has(x), false, `${x} deleted`);
  }
  for (const p of f.expectKept) {
    const tb = f.manifest.tarballs.find((x) => x.path === p);
    if (!tb) {
      assert.ok(after.has(p + '.part'), `${p}.part kept`);
      continue;
    }
    assert.ok(after.has(p), `${p} kept`);
    const verified = !(p.startsWith('folders/svnsetup/') && f.manifest.days.slice(4).includes(tb.day)) && !tb.pending;
    assert.equal(after.has(p + '.dna'), verified, `${p} sidecar stays with it`);
  }
  const remaining = [...after.keys()].filter((k) => k.endsWith('.tar.gz') && !k.startsWith('reposLOCKED/'));
  assert.deepEqual(remaining.sort(), [...f.expectKept].filter((p) => f.manifest.tarballs.some((x) => x.path === p)).sort(), 'nothing else left or deleted');
  for (const tb of f.manifest.tarballs.filter((x) => x.catfold === 'reposLOCKED')) {
    assert.equal(after.get(tb.path), before.get(tb.path), `LOCKED ${tb.path} untouched`);
    assert.equal(after.get(tb.path + '.dna'), before.get(tb.path + '.dna'));
  }
  for (const off of [...f.manifest.offLayout, `svn/dybaux/${f.manifest.days[0]}/104701/notes.txt`]) {
    assert.equal(after.get(off), before.get(off), `off-layout ${off} untouched`);
  }
  assert.equal(after.get('svn/evil'), 'symlink');
  assert.equal(after.get(`svn/dybsvn/${f.manifest.days[0]}/235959`), 'symlink');
  assert.deepEqual(await snapshot(f.outside), outsideBefore, 'nothing outside the root touched');
  assert.deepEqual(await emptyFolders(f.target), [], 'no empty folder left after one run');
  assert.equal(existsSync(join(f.target, 'svn/dybsvn/2020')), false, 'a pre-existing empty date chain is gone too');

  const ledger = Ledger.open(join(f.target, '.altbackup', 'ledger.sqlite'));
  try {
    assert.deepEqual([...ledger.purgedTarballs()].sort(), [...f.expectGone].sort(), 'the ledger knows every purged tarball');
    assert.equal(ledger.lastRun('purge_target')?.result, 'ok');
  } finally {
    ledger.close();
  }

  const again = await runTarget(args);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^deleted 0 tarball\(s\) \(0\) and 0 empty folder\(s\)$/m);
  assert.deepEqual(await snapshot(f.target), after, 'a second run changes nothing');
});

test('purge_target never deletes while fewer than keep verified newer copies exist', async (t) => {
  const f = await makeFixture();
  t.after(() => rm(f.dir, { recursive: true, force: true }));
  const before = await snapshot(f.target);
  const r = await runTarget(['--target', f.target, '--keep', '8', 'purge_target']);
  assert.equal(r.code, 0, r.stderr);
  const after = await snapshot(f.target);
  for (const [k, v] of before) if (!k.endsWith('/')) assert.equal(after.get(k), v, `${k} kept with keep 8`);
  assert.match(r.stdout, /^deleted 0 tarball\(s\)/m);
  assert.equal(existsSync(join(f.target, 'svn/dybsvn/2020')), false, 'empty date folders go even when no tarball does');
});

test('purge_target waits for no pull: a held pull lock means exit 75 and nothing deleted', async (t) => {
  const f = await makeFixture();
  t.after(() => rm(f.dir, { recursive: true, force: true }));
  await mkdir(join(f.target, '.altbackup'), { recursive: true });
  // This test process is alive on this host: the lock is held, not stale.
  await writeFile(join(f.target, '.altbackup/pull.lock'), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), host: hostname(), nonce: 'test' }) + '\n');
  const before = await snapshot(f.target);
  const r = await runTarget(['--target', f.target, 'purge_target']);
  assert.equal(r.code, 75, r.stderr);
  assert.match(r.stderr, new RegExp(`locked: .*pid ${process.pid}`));
  assert.deepEqual(await snapshot(f.target), before);
  const dry = await runTarget(['--target', f.target, '--dry-run', 'purge_target']);
  assert.equal(dry.code, 0, 'a dry run needs no lock');
});

test('purge_target without a target root is a usage error', async () => {
  const r = await runTarget(['purge_target']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-target: no target root configured/);
});
