import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ExitCode } from '@altbackup/shared';
import { bulkSize } from './sampleCli.js';
import { tmp, tool } from './testTools.js';
import { makeSampleTree, type SampleManifest } from './tree.js';

// The committed wrapper npm links as node_modules/.bin/altbackup-sample.
const BIN = fileURLToPath(new URL('../bin/altbackup-sample', import.meta.url));
const CLI_JS = fileURLToPath(new URL('./cli.js', import.meta.url));
const NOW = new Date('2024-03-10T12:00:00Z');
const END = '2024/03/10';

test('--bulk takes bytes with an optional 1024-based K, M, G or T suffix, as every altbackup size does, and refuses anything else as a usage error', () => {
  assert.equal(bulkSize('1234'), 1234);
  assert.equal(bulkSize('256K'), 262144);
  assert.equal(bulkSize('2m'), 2 * 1024 * 1024);
  assert.equal(bulkSize('1GiB'), 1024 ** 3);
  assert.equal(bulkSize('1.5M'), 1.5 * 1024 * 1024);
  for (const bad of ['-1', 'lots', '', '1X']) {
    assert.throws(() => bulkSize(bad), (e: { exitCode?: number; message: string }) => e.exitCode === ExitCode.usage && e.message.includes(`--bulk '${bad}'`), bad);
  }
});

describe('altbackup-sample', () => {
  const cli = (args: string[]) => tool(BIN, args);

  test('--help prints usage, exit 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^usage: altbackup-sample --root DIR/);
    for (const opt of ['--days', '--bulk', '--seed', '--end', '--now', '--no-pending', '--gzip-level', '--json']) assert.ok(r.stdout.includes(opt), opt);
  });

  for (const args of [[], ['--root'], ['--root', 'x', '--days', '0'], ['--root', 'x', '--bulk', 'lots'], ['--root', 'x', '--end', '2024/02/30'], ['--root', 'x', '--what'], ['--root', 'x', '--gzip-level', '12'], ['--root', 'x', 'extra']]) {
    test(`bad args ${JSON.stringify(args)}: one stderr line, exit 2`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^altbackup-sample: /);
    });
  }

  test('listing: one line per tarball and a summary', async () => {
    const root = await tmp();
    const r = await cli(['--root', root, '--days', '2', '--bulk', '4K', '--seed', 'x', '--end', '2024-03-10', '--now', NOW.toISOString()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 11);
    assert.match(lines[0]!, /^\s*\d+ {2}folders\/svnsetup\/2024\/03\/09\/104701\/svnsetup\.tar\.gz$/);
    assert.match(lines[9]!, /tracs\/dybsvn\/2024\/03\/10\/104701\/dybsvn\.tar\.gz {2}pending$/);
    assert.match(lines[10]!, /^10 tarballs \(1 pending\), \d+ bytes, 2 days 2024\/03\/09\.\.2024\/03\/10/);
  });

  test('--json prints the manifest, same as the library', async () => {
    const root = await tmp();
    const r = await cli(['--root', root, '--days', '1', '--bulk', '1000', '--end', END, '--now', NOW.toISOString(), '--json', '--no-pending']);
    assert.equal(r.code, 0, r.stderr);
    const fromCli = JSON.parse(r.stdout) as SampleManifest;
    const lib = await makeSampleTree({ root: await tmp(), days: 1, bulk: 1000, end: END, now: NOW, pending: false });
    assert.equal(fromCli.root, root);
    assert.deepEqual(fromCli.tarballs, lib.tarballs);
    assert.deepEqual(fromCli.bitten, lib.bitten);
  });

  test('without svnadmin on PATH: one stderr line naming Subversion, exit 1, no tarball written', async () => {
    const root = path.join(await tmp(), 'tree');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI_JS, '--root', root, '--days', '1'], { env: { PATH: path.join(root, 'no-such-bin') } }, (err, _out, stderr) =>
        resolve({ code: err ? (err as { code?: number }).code ?? null : 0, stderr }));
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^altbackup-sample: svnadmin not found: .*install Subversion \(apt-get install subversion\)\n$/);
    assert.deepEqual(await readdir(root), []);
  });
});
