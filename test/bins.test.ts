/**
 * The installed commands, `altbackup` and `altbackup-source`: committed
 * shell wrappers that each package declares as its bin, so that npm ci links
 * commands that exist before the build. Each is reached through a symlink,
 * as /usr/local/bin/altbackup and node_modules/.bin/altbackup are; exit codes
 * pass through.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '@altbackup/shared/testing';
import { SOURCE_BIN, TARGET_BIN, cleanEnv } from './support/processes.js';

const dir = tempDir('bin');
after(() => rmSync(dir, { recursive: true, force: true }));

const COMMANDS = [
  { name: 'altbackup', bin: TARGET_BIN },
  { name: 'altbackup-source', bin: SOURCE_BIN },
];

for (const { name, bin } of COMMANDS) {
  const pkgDir = dirname(dirname(bin));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

  const link = join(dir, name);
  symlinkSync(bin, link);

  function runBin(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const env = cleanEnv({ PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });
    return spawnSync(link, args, { env, encoding: 'utf8', timeout: 60_000 });
  }

  describe(`the ${name} command`, () => {
    it('is the executable file its package declares as its bin, not a build output', () => {
      assert.equal(pkg.bin[name], relative(pkgDir, bin));
      assert.ok(!pkg.bin[name]!.startsWith('dist/'), `${pkg.bin[name]}: npm ci would link a file the build makes later`);
      assert.equal(statSync(bin).mode & 0o111, 0o111, `${bin} is executable for everyone`);
    });

    it('runs the CLI through a symlink: --help exits 0 with the usage and offers --version', () => {
      const r = runBin(['--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: ${name} \\[options\\] command`, 'm'));
      assert.match(r.stdout, /^ {2}--version /m);
    });

    it('--version prints the name and the version of its package.json, exit 0', () => {
      const r = runBin(['--version']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${name} ${pkg.version}\n`);
    });

    it('passes the exit code and the operator line through', () => {
      const r = runBin(['no_such_command']);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`^${name}: .*no_such_command`, 'm'));
    });
  });
}
