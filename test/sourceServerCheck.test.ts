/**
 * `altbackup-source check_source` and `sls` as child processes on a sample
 * tree: a clean day passes; one altered byte, a missing sidecar or a count
 * shortfall fails with exit 1 and one clear line on stderr.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@altbackup/shared/testing';
import { runSource } from './support/processes.js';
import { sampleRoot } from './support/sourceServerFixture.js';
import type { SampleManifest } from '@altbackup/sample-tree';

const tmp = tempDir('check');
let manifest: SampleManifest;
let oldDay: string;
let newDay: string;

before(async () => {
  manifest = await sampleRoot(join(tmp, 'root'));
  [oldDay, newDay] = manifest.days as [string, string];
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const src = (args: string[], env: NodeJS.ProcessEnv = {}) => runSource(['--root', manifest.root, '--timezone', 'UTC', ...args], { env, timeoutMs: 60_000 });

test('check_source passes on a complete sample day, one line per tarball and a summary', async () => {
  const r = await src(['--day', oldDay, 'check_source']);
  assert.equal(r.code, 0, r.stderr);
  const day = manifest.tarballs.filter((t) => t.day === oldDay);
  const lines = r.stdout.trimEnd().split('\n');
  for (const t of day) assert.ok(lines.some((l) => l.startsWith('ok ') && l.includes(t.path) && l.includes(t.md5)), t.path);
  assert.match(lines.at(-1)!, new RegExp(`^check_source ${oldDay}: ${day.length} ok, 0 mismatch, 0 without sidecar, 0 unreadable, 0 count shortfalls$`));
  assert.equal(r.stderr, '');
});

test('check_source --json reports the same verdicts', async () => {
  const r = await src(['--day', oldDay, '--json', 'check_source']);
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { ok: boolean; tarballs: { path: string; verdict: string }[] };
  assert.equal(body.ok, true);
  assert.equal(body.tarballs.length, manifest.tarballs.filter((t) => t.day === oldDay).length);
});

test('expected counts: met passes, a shortfall fails with exit 1', async () => {
  const cfg = join(tmp, 'expect.toml');
  await writeFile(cfg, '[expect]\ndybsvn = 2\nsvnsetup = 1\n');
  const met = await src(['--day', oldDay, '--wanted', 'dybsvn svnsetup', 'check_source'], { ALTBACKUP_CONFIG: cfg });
  assert.equal(met.code, 0, met.stdout + met.stderr);
  assert.match(met.stdout, new RegExp(`^expect +dybsvn ${oldDay}: 2 of 2$`, 'm'));
  await writeFile(cfg, '[expect]\ndybsvn = 3\n');
  const short = await src(['--day', oldDay, '--wanted', 'dybsvn', 'check_source'], { ALTBACKUP_CONFIG: cfg });
  assert.equal(short.code, 1);
  assert.match(short.stdout, new RegExp(`^SHORT +dybsvn ${oldDay}: 2 of 3 expected`, 'm'));
  assert.equal(short.stderr.trim().split('\n').length, 1);
  assert.match(short.stderr, /check-failed: 1 problem .*SHORT dybsvn/);
});

test('check_source fails (exit 1, one line) on a tarball altered by one byte', async () => {
  const victim = manifest.tarballs.find((t) => t.day === oldDay && t.catfold === 'svn')!;
  const abs = join(manifest.root, victim.path);
  const original = await readFile(abs);
  const fh = await open(abs, 'r+');
  try {
    await fh.write(Buffer.from([original[100]! ^ 0xff]), 0, 1, 100);
  } finally {
    await fh.close();
  }
  try {
    const r = await src(['--day', oldDay, 'check_source']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^MISMATCH +${victim.path}: md5 [0-9a-f]{32} on disk, sidecar says ${victim.md5}$`, 'm'));
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, new RegExp(`^altbackup-source check_source: check-failed: 1 problem under .*MISMATCH ${victim.path}`));
  } finally {
    await writeFile(abs, original);
  }
});

test('check_source fails on a missing sidecar: the pending tarball, and one whose sidecar was removed', async () => {
  const pending = manifest.tarballs.find((t) => t.pending)!;
  const r = await src(['--day', newDay, 'check_source']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^NO-DNA +${pending.path}: no .dna sidecar`, 'm'));
  assert.match(r.stderr, /check-failed: 1 problem .*NO-DNA/);

  const victim = manifest.tarballs.find((t) => t.day === oldDay && t.catfold === 'folders')!;
  const dna = join(manifest.root, victim.path + '.dna');
  await rename(dna, dna + '.moved');
  try {
    const gone = await src(['--day', oldDay, 'check_source']);
    assert.equal(gone.code, 1);
    assert.match(gone.stdout, new RegExp(`^NO-DNA +${victim.path}`, 'm'));
  } finally {
    await rename(dna + '.moved', dna);
  }
});

test('sls lists the local root ls -lh style, or as JSON', async () => {
  const text = await src(['--since', '2', 'sls']);
  assert.equal(text.code, 0, text.stderr);
  for (const t of manifest.tarballs) assert.match(text.stdout, new RegExp(`${t.pending ? 'pending \\(no sidecar yet\\)' : t.md5}\\s+${t.path}$`, 'm'));
  const json = await src(['--day', newDay, '--json', '--wanted', 'dybsvn', 'sls']);
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout) as { tarballs: { path: string; dna: { dig: string } }[]; pending: { path: string }[] };
  const want = manifest.tarballs.filter((t) => t.day === newDay && /^dybsvn[-.]/.test(t.name));
  assert.deepEqual(body.tarballs.map((t) => t.path).sort(), want.filter((t) => !t.pending).map((t) => t.path).sort());
  assert.deepEqual(body.pending.map((t) => t.path), want.filter((t) => t.pending).map((t) => t.path));
});
