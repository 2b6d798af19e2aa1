/**
 * The svn tarballs against Subversion's own tools: extracted with tar, the
 * hot copy passes `svnadmin verify` and its youngest revision is the one in
 * the tarball's name.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { SvnWorkRepo } from './svnRepo.js';
import { tmp, tool } from './testTools.js';
import { makeSampleTree, type SampleManifest } from './tree.js';

const NOW = new Date('2024-03-10T12:00:00Z');
const AT = Date.UTC(2024, 2, 10, 10, 47, 1) / 1000;

/** Extract `file` into a fresh folder and return the path of its one top folder. */
async function extract(file: string): Promise<string> {
  const dir = await tmp();
  const r = await tool('tar', ['-xzf', file, '-C', dir]);
  assert.equal(r.code, 0, r.stderr);
  const top = await readdir(dir);
  assert.equal(top.length, 1, `one top folder, not ${top.join(' ')}`);
  return path.join(dir, top[0]!);
}

describe('svn tarballs of a sample tree', () => {
  let m: SampleManifest;
  before(async () => {
    m = await makeSampleTree({ root: await tmp(), days: 2, bulk: 1024, end: '2024/03/10', now: NOW });
  });

  test('each holds <repo>-<rev>/, a hot copy that svnadmin verify passes with svnlook youngest equal to <rev>', async () => {
    const svn = m.tarballs.filter((t) => t.catfold === 'svn');
    assert.equal(svn.length, 4);
    for (const t of svn) {
      const [, repo, rev] = /^(\w+)-(\d+)\.tar\.gz$/.exec(t.name)!;
      const copy = await extract(path.join(m.root, t.path));
      assert.equal(path.basename(copy), `${repo}-${rev}`);
      const verify = await tool('svnadmin', ['verify', '--quiet', copy]);
      assert.equal(verify.code, 0, `${t.path}: ${verify.stderr}`);
      assert.equal((await tool('svnlook', ['youngest', copy])).stdout.trim(), rev, t.path);
      // svnlook prints "2024-03-10 08:12:34 +0000 (Sun, 10 Mar 2024)" in the local timezone.
      const [, ymd, hms, off] = /^(\S+) (\S+) ([+-]\d{4})/.exec((await tool('svnlook', ['date', copy])).stdout)!;
      const date = Date.parse(`${ymd}T${hms}${off!.slice(0, 3)}:${off!.slice(3)}`);
      assert.ok(date < Date.parse(`${t.day.replaceAll('/', '-')}T10:47:01Z`), `${t.path}: youngest commit before the run`);
    }
  });

  test('one repository across days: the same UUID, the later copy holding the earlier revisions', async () => {
    const [older, newer] = m.tarballs.filter((t) => t.subfold === 'dybsvn' && t.catfold === 'svn');
    const a = await extract(path.join(m.root, older!.path));
    const b = await extract(path.join(m.root, newer!.path));
    const uuid = async (dir: string) => (await tool('svnlook', ['uuid', dir])).stdout.trim();
    assert.match(await uuid(a), /^[0-9a-f-]{36}$/);
    assert.equal(await uuid(a), await uuid(b));
    const youngest = (await tool('svnlook', ['youngest', a])).stdout.trim();
    assert.equal((await tool('svnlook', ['log', '-r', youngest, b])).stdout, (await tool('svnlook', ['log', '-r', youngest, a])).stdout);
  });
});

describe('SvnWorkRepo', () => {
  const tarball = async (seed: string, dir: string) => {
    const w = await SvnWorkRepo.create('dybaux', seed, [{ rev: 40, at: AT }]);
    try {
      await w.loadTo(40);
      const file = path.join(dir, 'dybaux-40.tar.gz');
      await w.writeTarball(file, { top: 'dybaux-40', mtime: new Date(AT * 1000), gzipLevel: 6 });
      return readFile(file);
    } finally {
      await w.remove();
    }
  };

  test('two builds with one seed give byte-identical tarballs (instance ID included); another seed differs', async () => {
    const dirs = [await tmp(), await tmp(), await tmp()];
    const [a, b, c] = await Promise.all([tarball('1', dirs[0]!), tarball('1', dirs[1]!), tarball('2', dirs[2]!)]);
    assert.ok(a!.equals(b!), 'same seed, same bytes');
    assert.ok(!a!.equals(c!), 'another seed, other bytes');
    const uuidLines = (await readFile(path.join(await extract(path.join(dirs[0]!, 'dybaux-40.tar.gz')), 'db', 'uuid'), 'utf8')).split('\n');
    assert.equal(uuidLines.length, 3);
    assert.notEqual(uuidLines[0], uuidLines[1]);
  });

});
