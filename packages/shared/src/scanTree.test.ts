import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { leafFolders, scanLeaf, scanTree, type FoundTarball } from './scanTree.js';
import { tempDir } from './testing.js';

let base: string;
let root: string;
let outside: string;

function put(rel: string, content: string | number = 'x', at = root): string {
  const abs = join(at, rel);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, typeof content === 'number' ? Buffer.alloc(content, 7) : content);
  return abs;
}

const T = {
  svnOld: 'svn/dybsvn/2013/05/28/104701/dybsvn-20540.tar.gz',
  svn: 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz',
  svnPending: 'svn/dybsvn/2013/05/29/104701/dybsvn-20551.tar.gz',
  tracOld: 'tracs/dybsvn/2013/05/28/104701/dybsvn.tar.gz',
  tracPartOnly: 'tracs/dybsvn/2013/05/29/104701/dybsvn.tar.gz',
  folder: 'folders/svnsetup/2013/05/29/104701/svnsetup.tar.gz',
  locked: 'reposLOCKED/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz',
};

before(() => {
  base = tempDir('scan-test');
  root = join(base, 'root');
  outside = join(base, 'outside');

  put(T.svnOld, 1000);
  put(T.svnOld + '.dna');
  put(T.svn, 2345);
  put(T.svn + '.dna');
  put(T.svnPending, 10);
  put(T.tracOld, 500);
  put(T.tracOld + '.dna');
  put(T.tracOld + '.part', 123); // a re-download in progress beside a complete file
  put(T.tracPartOnly + '.part', 4096);
  put(T.folder, 50);
  put(T.folder + '.dna');
  put(T.locked, 60);
  put(T.locked + '.dna');

  // Off the layout: ignored.
  put('svn/dybsvn/2013/05/29/104701/notes.txt');
  put('svn/dybsvn/2013/05/29/104701/dybsvn.tgz');
  put('svn/dybsvn/2013/05/29/104701/orphan.tar.gz.dna');
  put('svn/dybsvn/2013/05/29/extra.tar.gz');
  put('svn/dybsvn/2013/05/29/104701/sub/deeper.tar.gz');
  put('svn/dybsvn/2013/02/30/104701/baddate.tar.gz');
  put('svn/dybsvn/2013/5/29/104701/shortmonth.tar.gz');
  put('svn/dybsvn/2013/05/29/10470/shorttime.tar.gz');
  put('svn/dybsvn/2013/05/29/246000/badtime.tar.gz');
  put('.hidden/dybsvn/2013/05/29/104701/hidden.tar.gz');
  put('svn/dybsvn/2013/05/29/104701/.hidden.tar.gz');
  put('svn/dybsvn/2013/05/29/104701/with space.tar.gz');
  put('svn/dy bsvn/2013/05/29/104701/x.tar.gz');
  put('svn/dybsvn/2013/05/29/104701/dir.tar.gz/inner.tar.gz');
  put('README.tar.gz');
  put('svn/loose.tar.gz');

  // Outside the root, reachable only through symlinks: never followed.
  put('x/2013/05/29/104701/evil.tar.gz', 'evil', outside);
  put('x/2013/05/29/104701/evil.tar.gz.dna', 'evil', outside);
  put('secret.tar.gz', 'secret', outside);
  put('secret.dna', 'secret', outside);
  symlinkSync(outside, join(root, 'evilcat'));
  symlinkSync(join(outside, 'x'), join(root, 'svn', 'evilsub'));
  symlinkSync(join(outside, 'x', '2013', '05', '29'), join(root, 'svn', 'dybsvn', '2013', '05', '30'));
  symlinkSync(join(outside, 'x', '2013', '05', '29', '104701'), join(root, 'folders', 'svnsetup', '2013', '05', '29', '120000'));
  symlinkSync(join(outside, 'secret.tar.gz'), join(root, 'svn', 'dybsvn', '2013', '05', '29', '104701', 'linked-1.tar.gz'));
  symlinkSync(join(outside, 'secret.dna'), join(root, T.svnPending + '.dna'));
});
after(() => rmSync(base, { recursive: true, force: true }));

const paths = (found: FoundTarball[]) => found.map((f) => f.path);
const byPath = (found: FoundTarball[], path: string) => {
  const f = found.find((x) => x.path === path);
  assert.ok(f, `${path} found`);
  return f;
};

describe('scanTree', () => {
  it('finds exactly the layout tarballs, in lexical order', async () => {
    assert.deepEqual(paths(await scanTree(root)), [T.folder, T.locked, T.svnOld, T.svn, T.svnPending, T.tracOld]);
  });

  it('follows no symlink: neither linked folders nor a linked tarball', async () => {
    const found = await scanTree(root);
    for (const f of found) {
      assert.ok(!f.path.includes('evil') && !f.name.startsWith('linked'), f.path);
      assert.ok(f.abs.startsWith(root + '/'), f.abs);
    }
    assert.ok(!found.some((f) => f.day === '2013/05/30'), 'a symlinked day folder is not entered');
    assert.ok(!found.some((f) => f.time === '120000'), 'a symlinked time folder is not entered');
    assert.deepEqual(await scanTree(root, { days: new Set(['2013/05/30']) }), []);
    assert.deepEqual(await scanTree(root, { catfolds: new Set(['evilcat']) }), []);
  });

  it('reports size, inode, mtime, abs, layout fields', async () => {
    const f = byPath(await scanTree(root), T.svn);
    const st = statSync(join(root, T.svn));
    assert.equal(f.abs, join(root, T.svn));
    assert.equal(f.exists, true);
    assert.equal(f.size, 2345);
    assert.equal(f.ino, st.ino);
    assert.equal(f.mtimeMs, st.mtimeMs);
    assert.equal(f.catfold, 'svn');
    assert.equal(f.subfold, 'dybsvn');
    assert.equal(f.day, '2013/05/29');
    assert.equal(f.time, '104701');
    assert.equal(f.name, 'dybsvn-20550.tar.gz');
  });

  it('hasSidecar is true only when a real .dna file lies beside it', async () => {
    const found = await scanTree(root);
    assert.equal(byPath(found, T.svn).hasSidecar, true);
    assert.equal(byPath(found, T.svnOld).hasSidecar, true);
    assert.equal(byPath(found, T.folder).hasSidecar, true);
    assert.equal(byPath(found, T.svnPending).hasSidecar, false, 'a symlinked sidecar does not count');
  });

  it('partSize is the size of a .part beside it, else null', async () => {
    const found = await scanTree(root);
    assert.equal(byPath(found, T.tracOld).partSize, 123);
    assert.equal(byPath(found, T.svn).partSize, null);
  });

  it('a .part-only tarball appears only with includePartOnly', async () => {
    assert.ok(!paths(await scanTree(root)).includes(T.tracPartOnly));
    const found = await scanTree(root, { includePartOnly: true });
    assert.deepEqual(paths(found), [T.folder, T.locked, T.svnOld, T.svn, T.svnPending, T.tracOld, T.tracPartOnly]);
    const f = byPath(found, T.tracPartOnly);
    assert.equal(f.exists, false);
    assert.equal(f.size, 0);
    assert.equal(f.partSize, 4096);
    assert.equal(f.hasSidecar, false);
    assert.equal(f.abs, join(root, T.tracPartOnly));
  });

  it('a day filter keeps only those days', async () => {
    assert.deepEqual(paths(await scanTree(root, { days: new Set(['2013/05/28']) })), [T.svnOld, T.tracOld]);
    assert.deepEqual(paths(await scanTree(root, { days: new Set(['2013/05/28', '2013/05/29']) })), paths(await scanTree(root)));
    assert.deepEqual(await scanTree(root, { days: new Set(['2012/01/01']) }), []);
  });

  it('a catfold filter keeps only those catfolds', async () => {
    assert.deepEqual(paths(await scanTree(root, { catfolds: new Set(['svn']) })), [T.svnOld, T.svn, T.svnPending]);
    assert.deepEqual(paths(await scanTree(root, { catfolds: new Set(['tracs']), days: new Set(['2013/05/29']), includePartOnly: true })), [T.tracPartOnly]);
  });

  it('a missing root is an empty tree', async () => {
    assert.deepEqual(await scanTree(join(base, 'no-such-root')), []);
  });
});

describe('leafFolders', () => {
  it('lists the HHMMSS folders on the layout, pruned by day', async () => {
    const leaves = await leafFolders(root);
    assert.ok(leaves.includes('svn/dybsvn/2013/05/29/104701'));
    assert.ok(leaves.includes('tracs/dybsvn/2013/05/29/104701'));
    assert.ok(!leaves.some((l) => l.includes('10470/') || l.endsWith('/10470')), 'short time folder skipped');
    assert.ok(!leaves.some((l) => l.includes('/2013/5/')), 'short month folder skipped');
    assert.ok(!leaves.some((l) => l.startsWith('.hidden') || l.includes('evil') || l.includes('dy bsvn')), leaves.join(' '));
    assert.deepEqual([...leaves].sort(), leaves, 'lexical order');
    const day28 = await leafFolders(root, { days: new Set(['2013/05/28']) });
    assert.deepEqual(day28, ['svn/dybsvn/2013/05/28/104701', 'tracs/dybsvn/2013/05/28/104701']);
  });
});

describe('scanLeaf', () => {
  it('scans one leaf folder; a missing leaf is empty', async () => {
    assert.deepEqual(paths(await scanLeaf(root, 'svn/dybsvn/2013/05/29/104701')), [T.svn, T.svnPending]);
    assert.deepEqual(paths(await scanLeaf(root, 'tracs/dybsvn/2013/05/29/104701', true)), [T.tracPartOnly]);
    assert.deepEqual(await scanLeaf(root, 'svn/dybsvn/2013/05/27/104701'), []);
  });
});
