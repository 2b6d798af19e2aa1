/**
 * The installed `altbackup` command (packages/target-puller/bin/altbackup):
 * a shell wrapper that starts node with the flags the pull needs. Reached
 * through a symlink, as /usr/local/bin/altbackup is; exit codes pass through.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { TARGET_BIN, cleanEnv } from './support/processes.js';
import { tempDir } from './support/pullFixtures.js';

function runBin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const dir = tempDir('bin');
  const link = join(dir, 'altbackup');
  symlinkSync(TARGET_BIN, link);
  const env = cleanEnv({ PATH: `${dirname(process.execPath)}:/usr/bin:/bin` });
  return spawnSync(link, args, { env, encoding: 'utf8', timeout: 60_000 });
}

describe('the altbackup command', () => {
  it('runs the CLI through a symlink: --help exits 0 with the usage', () => {
    const r = runBin(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage: altbackup \[options\] command/m);
  });

  it('passes the exit code and the operator line through', () => {
    const r = runBin(['no_such_command']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^altbackup: .*no_such_command/m);
  });
});
