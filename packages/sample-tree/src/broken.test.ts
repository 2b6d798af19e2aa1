/**
 * Each broken sample against the tool that must refuse it, and its sidecar
 * against its bytes: the digest check passes, the restore does not.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseDna } from '@altbackup/shared';
import {
  writeFolderTarballBadHeader,
  writeSvnTarballFailingVerify,
  writeSvnTarballWrongYoungest,
  writeTracTarballCutShort,
  writeTracTarballDamagedDb,
} from './broken.js';
import type { SampleTarball } from './placeTarball.js';
import { md5Of } from '@altbackup/shared/testing';
import { tarCat, tmp, tool } from './testTools.js';
import { TRACDB_MEMBER } from './tracEnv.js';

const DAY = '2024/03/10';

/** The tarball's file, after checking that its sidecar describes the bytes on disk. */
async function sidecarChecked(root: string, t: SampleTarball): Promise<string> {
  const file = path.join(root, ...t.path.split('/'));
  const bytes = await readFile(file);
  const dna = parseDna(await readFile(`${file}.dna`, 'utf8'), `${file}.dna`);
  assert.deepEqual(dna, { dig: md5Of(bytes), size: bytes.length });
  assert.deepEqual([t.md5, t.size, t.pending, t.day], [dna.dig, dna.size, false, DAY]);
  return file;
}

/** Extract the tarball (its sidecar checked) and return its one top folder. */
async function extract(root: string, t: SampleTarball): Promise<string> {
  const dir = await tmp();
  const r = await tool('tar', ['-xzf', await sidecarChecked(root, t), '-C', dir]);
  assert.equal(r.code, 0, r.stderr);
  const [top] = await readdir(dir);
  return path.join(dir, top!);
}

describe('broken svn tarballs', () => {
  test('(a) the hot copy extracts but fails svnadmin verify', async () => {
    const root = await tmp();
    const t = await writeSvnTarballFailingVerify({ root, day: DAY, rev: 30 });
    assert.equal(t.path, `svn/dybsvn/${DAY}/104701/dybsvn-30.tar.gz`);
    const copy = await extract(root, t);
    assert.equal(path.basename(copy), 'dybsvn-30');
    const r = await tool('svnadmin', ['verify', '--quiet', copy]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /E\d{6}/);
    assert.equal((await tool('svnlook', ['youngest', copy])).stdout.trim(), '30');
  });

  test('(b) the hot copy verifies, but its youngest revision is one short of its name', async () => {
    const root = await tmp();
    const t = await writeSvnTarballWrongYoungest({ root, day: DAY, repo: 'dybaux', rev: 12 });
    assert.equal(t.name, 'dybaux-12.tar.gz');
    const copy = await extract(root, t);
    assert.equal(path.basename(copy), 'dybaux-12');
    const r = await tool('svnadmin', ['verify', '--quiet', copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await tool('svnlook', ['youngest', copy])).stdout.trim(), '11');
  });
});

describe('broken Trac tarballs', () => {
  test('(c) a gzip stream cut short: gzip -t and tar both fail', async () => {
    const root = await tmp();
    const t = await writeTracTarballCutShort({ root, day: DAY });
    assert.equal(t.path, `tracs/dybsvn/${DAY}/104701/dybsvn.tar.gz`);
    const file = await sidecarChecked(root, t);
    const gz = await tool('gzip', ['-t', file]);
    assert.notEqual(gz.code, 0);
    assert.match(gz.stderr, /unexpected end of file/);
    assert.notEqual((await tool('tar', ['-tzf', file])).code, 0);
  });

  test('(d) trac.db still starts with the SQLite header, but PRAGMA integrity_check fails', async () => {
    const root = await tmp();
    const t = await writeTracTarballDamagedDb({ root, day: DAY });
    const file = await sidecarChecked(root, t);
    assert.equal((await tool('tar', ['-tzf', file])).code, 0, 'the archive itself reads to the end');
    const db = await tarCat(file, TRACDB_MEMBER);
    assert.equal(db.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    const dir = await tmp();
    await writeFile(path.join(dir, 'trac.db'), db);
    const r = await tool('sqlite3', [path.join(dir, 'trac.db'), 'PRAGMA integrity_check']);
    assert.notEqual(`${r.code} ${r.stdout.trim()}`, '0 ok');
    assert.match(r.stdout + r.stderr, /page|malformed/i);
  });
});

test('(e) a folder tarball whose tar header checksum is wrong: tar refuses it', async () => {
  const root = await tmp();
  const t = await writeFolderTarballBadHeader({ root, day: DAY });
  assert.equal(t.path, `folders/svnsetup/${DAY}/104701/svnsetup.tar.gz`);
  const file = await sidecarChecked(root, t);
  assert.equal((await tool('gzip', ['-t', file])).code, 0, 'the gzip layer is sound');
  const r = await tool('tar', ['-tzf', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Skipping to next header|does not look like a tar archive/);
});
