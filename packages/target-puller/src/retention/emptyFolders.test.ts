import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDateChainName } from '@altbackup/shared';
import { tempDir } from '@altbackup/shared/testing';
import { removeEmptyFolders } from './emptyFolders.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir('empty-folders');
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('removes a whole emptied date chain in one pass, keeps the top', () => withDir(async (top) => {
  await mkdir(join(top, '2024/01/01/104701'), { recursive: true });
  await mkdir(join(top, '2024/01/02/104701'), { recursive: true });
  await mkdir(join(top, '2024/02/03/104701'), { recursive: true });
  await writeFile(join(top, '2024/02/03/104701/x.tar.gz'), 'x');
  const removed = await removeEmptyFolders(top, { removable: isDateChainName });
  assert.deepEqual(removed.map((p) => p.slice(top.length + 1)), [
    '2024/01/01/104701', '2024/01/01', '2024/01/02/104701', '2024/01/02', '2024/01',
  ]);
  assert.ok(existsSync(join(top, '2024/02/03/104701/x.tar.gz')));
  assert.ok(existsSync(top));
}));

test('off-layout folders, files and symlinks keep their folder', () => withDir(async (top) => {
  const outside = join(top, '..', `${top.split('/').pop()}-outside`);
  await mkdir(outside, { recursive: true });
  try {
    await mkdir(join(top, '2024/01/01/104701'), { recursive: true });
    await mkdir(join(top, '2024/01/02/tmp'), { recursive: true });
    await mkdir(join(top, '2024/01/03/104701'), { recursive: true });
    await writeFile(join(top, '2024/01/03/104701/notes.txt'), 'keep me');
    await symlink(outside, join(top, '2024/01/01/104701/link'));
    const removed = await removeEmptyFolders(top, { removable: isDateChainName });
    assert.deepEqual(removed, []);
    assert.ok(existsSync(join(top, '2024/01/02/tmp')));
    assert.ok(existsSync(outside));
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
}));

test('a dry run reports folders that would empty once gone files are deleted, and removes nothing', () => withDir(async (top) => {
  await mkdir(join(top, '2024/01/01/104701'), { recursive: true });
  const file = join(top, '2024/01/01/104701/a.tar.gz');
  await writeFile(file, 'a');
  const gone = new Set([file]);
  const removed = await removeEmptyFolders(top, { removable: isDateChainName, gone, dryRun: true });
  assert.deepEqual(removed.map((p) => p.slice(top.length + 1)), ['2024/01/01/104701', '2024/01/01', '2024/01', '2024']);
  assert.ok(existsSync(file));
  assert.deepEqual(await removeEmptyFolders(top, { removable: isDateChainName, dryRun: true }), []);
}));

test('isDateChainName knows YYYY/MM/DD/HHMMSS only', () => {
  assert.ok(isDateChainName(1, '2024'));
  assert.ok(isDateChainName(2, '01'));
  assert.ok(isDateChainName(3, '31'));
  assert.ok(isDateChainName(4, '104701'));
  assert.ok(!isDateChainName(1, 'tmp'));
  assert.ok(!isDateChainName(4, '1047'));
  assert.ok(!isDateChainName(5, 'db'));
});
