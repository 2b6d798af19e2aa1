import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '@altbackup/shared/testing';
import { Catalog } from './catalog.js';

const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
const OLD = '2015/03/04';

/** Runs `fn` on a fresh root, removed afterwards. */
async function inTree(fn: (root: string) => Promise<void>): Promise<void> {
  const root = tempDir('catalog');
  try {
    await fn(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function put(root: string, rel: string, body: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), body);
}

const dna = (md5: string, size: number) => `{'dig': '${md5}', 'size': ${size}L}\n`;
const MD5 = '0123456789abcdef0123456789abcdef';

test('full scan: complete, pending, invalid; off-layout, symlinks and folder-named files ignored', async () => {
  const root = tempDir('catalog');
  const outside = tempDir('catalog');
  try {
    put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`, 'x'.repeat(10));
    put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz.dna`, dna(MD5, 10));
    put(root, `tracs/dybsvn/${OLD}/104701/dybsvn.tar.gz`, 'yy');
    put(root, `folders/svnsetup/${OLD}/104701/svnsetup.tar.gz`, 'z');
    put(root, `folders/svnsetup/${OLD}/104701/svnsetup.tar.gz.dna`, '{garbage}');
    put(root, `svn/dybsvn/${OLD}/104701/notes.txt`, 'off layout');
    put(root, `svn/dybsvn/${OLD}/1047/dybsvn-2.tar.gz`, 'bad leaf name');
    put(root, 'README.txt', 'file at catfold level');
    put(outside, 'secret.tar.gz', 'secret');
    put(outside, 'secret.tar.gz.dna', dna(MD5, 6));
    symlinkSync(join(outside, 'secret.tar.gz'), join(root, `svn/dybsvn/${OLD}/104701/link.tar.gz`));
    symlinkSync(join(outside, 'secret.tar.gz.dna'), join(root, `svn/dybsvn/${OLD}/104701/link.tar.gz.dna`));
    mkdirSync(join(root, 'svn/dybaux/2015/03'), { recursive: true });
    symlinkSync(outside, join(root, 'svn/dybaux/2015/03/04'));

    const c = await Catalog.open(root);
    const day = c.day(OLD);
    assert.deepEqual(day.map((e) => [e.path, e.state]), [
      [`folders/svnsetup/${OLD}/104701/svnsetup.tar.gz`, 'invalid'],
      [`svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`, 'complete'],
      [`tracs/dybsvn/${OLD}/104701/dybsvn.tar.gz`, 'pending'],
    ]);
    const complete = c.get(`svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`)!;
    assert.deepEqual(complete.dna, { dig: MD5, size: 10 });
    assert.equal(complete.size, 10);
    assert.match(complete.etag, /^"[0-9a-f]+-a-[0-9a-f]+"$/);
    assert.match(day[0]!.problem!, /svnsetup\.tar\.gz\.dna/);
    assert.deepEqual(c.catfolds(), ['folders', 'svn', 'tracs']);
    assert.deepEqual(c.counts(), { complete: 1, pending: 1, invalid: 1 });
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('quick rescans see a new tarball, then its sidecar, then its removal', () => inTree(async (root) => {
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`, 'old');
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz.dna`, dna(MD5, 3));
  const c = await Catalog.open(root);
  assert.equal(c.day(today).length, 0);

  const rel = `tracs/dybsvn/${today}/104701/dybsvn.tar.gz`;
  put(root, rel, 'partial');
  let s = await c.scan('hot');
  assert.equal(s.kind, 'hot');
  assert.equal(c.get(rel)?.state, 'pending');
  assert.equal(c.get(rel)?.size, 7);

  // The tarball grows without its folder changing: the pending leaf is re-read.
  writeFileSync(join(root, rel), 'partial and more');
  await c.scan('hot');
  assert.equal(c.get(rel)?.size, 16);

  put(root, rel + '.dna', dna(MD5, 16));
  await c.scan('hot');
  assert.equal(c.get(rel)?.state, 'complete');
  assert.deepEqual(c.day(today).map((e) => e.path), [rel]);

  unlinkSync(join(root, rel));
  s = await c.scan('hot');
  assert.equal(c.get(rel), undefined);
  assert.deepEqual(c.day(today), []);
  assert.equal(c.get(`svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`)?.state, 'complete');
}));

test('a quick rescan leaves settled old days alone; a full one picks their changes up', () => inTree(async (root) => {
  const leaf = join(root, `svn/dybsvn/${OLD}/104701`);
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`, 'old');
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz.dna`, dna(MD5, 3));
  const past = new Date('2015-03-04T12:00:00Z');
  for (const d of [leaf, dirname(leaf)]) utimesSync(d, past, past);
  const c = await Catalog.open(root);
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-2.tar.gz`, 'late');
  for (const d of [leaf, dirname(leaf)]) utimesSync(d, past, past);
  const hot = await c.scan('hot');
  assert.equal(hot.leavesRead, 0);
  const full = await c.scan('full');
  assert.equal(full.leavesRead, 1);
  assert.equal(c.get(`svn/dybsvn/${OLD}/104701/dybsvn-2.tar.gz`)?.state, 'pending');
}));

test('a new folder for an old day stays watched: a tarball landing in it a little later is seen by a quick rescan', () => inTree(async (root) => {
  put(root, `svn/dybsvn/${OLD}/104701/dybsvn-1.tar.gz`, 'old');
  const c = await Catalog.open(root);
  mkdirSync(join(root, `svn/dybaux/${OLD}/104701`), { recursive: true });
  await c.scan('hot');
  put(root, `svn/dybaux/${OLD}/104701/dybaux-1.tar.gz`, 'late');
  await c.scan('hot');
  assert.equal(c.get(`svn/dybaux/${OLD}/104701/dybaux-1.tar.gz`)?.state, 'pending');
}));

test('a removed subfold disappears from the catalog', () => inTree(async (root) => {
  put(root, `svn/dybsvn/${today}/104701/dybsvn-1.tar.gz`, 'a');
  put(root, `svn/dybaux/${today}/104701/dybaux-1.tar.gz`, 'b');
  const c = await Catalog.open(root);
  assert.equal(c.day(today).length, 2);
  rmSync(join(root, 'svn/dybaux'), { recursive: true });
  await c.scan('hot');
  assert.deepEqual(c.day(today).map((e) => e.subfold), ['dybsvn']);
}));
