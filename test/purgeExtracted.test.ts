/**
 * purge_extracted through the real CLI: the newest keep_extracted trac.db per
 * Trac stay, older ones go with their emptied folders; --dry-run changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Ledger } from '@altbackup/target-puller';
import { tempDir } from '@altbackup/shared/testing';
import { runTarget } from './support/processes.js';
import { makeSampleTree } from '@altbackup/sample-tree';

async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const ents = await readdir(dir, { withFileTypes: true });
    if (ents.length === 0) out.push(relative(root, dir) + '/ (empty)');
    for (const e of ents) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) await walk(abs);
      else out.push(relative(root, abs));
    }
  };
  await walk(root);
  return out.sort();
}

test('purge_extracted keeps the newest keep_extracted per Trac and removes emptied folders', async (t) => {
  const dir = tempDir('purge-extracted');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const target = join(dir, 'target');
  const base = join(dir, 'base');
  const outside = join(dir, 'outside');
  const manifest = await makeSampleTree({ root: target, days: 4, bulk: 1024, pending: false });
  const args = ['--target', target, '--base', base, '--timezone', 'UTC'];
  const ex = await runTarget([...args, '--since', '4', 'extract_tracdb']);
  assert.equal(ex.code, 0, ex.stderr);
  const dbOf = (day: string) => `tracs/dybsvn/${day}/104701/dybsvn/db/trac.db`;
  const [d1, d2, d3, d4] = manifest.days as [string, string, string, string];
  await writeFile(join(base, 'tracs/dybsvn', d1, 'notes.txt'), 'an operator note: off the layout, stays');
  await mkdir(join(outside, '2001/01/01/104701/dybsvn/db'), { recursive: true });
  await writeFile(join(outside, '2001/01/01/104701/dybsvn/db/trac.db'), 'SQLite format 3\0 outside');
  await symlink(outside, join(base, 'tracs/other'));
  await symlink(join(outside, '2001'), join(base, 'tracs/dybsvn/2001'));

  const before = await tree(base);
  const dry = await runTarget([...args, '--dry-run', 'purge_extracted']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(await tree(base), before, '--dry-run changed nothing');
  const real = await runTarget([...args, '--keep-extracted', '2', 'purge_extracted']);
  assert.equal(real.code, 0, real.stderr);
  assert.deepEqual(real.stdout.trimEnd().split('\n').slice(0, -1), dry.stdout.trimEnd().split('\n').slice(0, -1), 'same table');
  assert.match(real.stdout, new RegExp(`^  0 D ${dbOf(d1)}$`, 'm'));
  assert.match(real.stdout, new RegExp(`^  1 D ${dbOf(d2)}$`, 'm'));
  assert.match(real.stdout, /^deleted 2 extracted trac\.db/m);

  const after = await tree(base);
  assert.deepEqual(after, [
    `tracs/dybsvn/${d1}/notes.txt`,
    dbOf(d3),
    dbOf(d4),
    'tracs/dybsvn/2001',
    'tracs/other',
  ].sort(), 'older dbs and their folders gone, off-layout file and symlinks kept, no empty folder');
  assert.ok(existsSync(join(outside, '2001/01/01/104701/dybsvn/db/trac.db')), 'nothing followed through a symlink');

  const ledger = Ledger.open(join(target, '.altbackup/ledger.sqlite'));
  try {
    const rows = ledger.db.prepare("SELECT path FROM purges WHERE kind = 'extracted' ORDER BY path").all() as { path: string }[];
    assert.deepEqual(rows.map((r) => r.path), [dbOf(d1), dbOf(d2)]);
  } finally {
    ledger.close();
  }
});
