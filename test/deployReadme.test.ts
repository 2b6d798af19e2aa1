/**
 * deploy/README.md section 9 ("Try it in a scratch folder") run verbatim:
 * a sample tree, a token, a private CA, the source server over HTTPS with
 * the token, then pull, check_target, status and report on the target side,
 * with a source URL that fails DNS first. Proves the README's steps work on
 * this machine without root or systemd. Also holds the guide to installing
 * both commands alike (section 1) as their packages' bin wrappers, and the
 * scratch run to using them, so that neither skips the wrappers' node flags.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO } from './support/processes.js';

const readme = readFileSync(join(REPO, 'deploy', 'README.md'), 'utf8');

function scratchScript(): string {
  const section = readme.slice(readme.indexOf('## 9. Try it in a scratch folder'));
  const m = /```sh\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README section 9 has a sh block');
  return m[1]!;
}

describe('deploy/README.md scratch install', () => {
  it('installs both commands the same way, as the wrappers their packages declare', () => {
    const links = [...readme.matchAll(/^ {4}ln -sf \/opt\/altbackup\/(\S+) \/usr\/local\/bin\/(\S+)$/gm)].map((m) => [m[2], m[1]]);
    assert.deepEqual(links.map(([name]) => name).sort(), ['altbackup', 'altbackup-source']);
    for (const [name, path] of links) {
      const pkgDir = join(REPO, path!, '..', '..');
      const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      assert.equal(join(pkgDir, pkg.bin[name!]!), join(REPO, path!), `${name} links its package's bin`);
    }
  });

  it('runs the installed commands, never node on dist/cli.js (which would skip their node flags)', () => {
    assert.doesNotMatch(scratchScript(), /dist\/cli\.js/);
    assert.match(scratchScript(), /^altbackup pull /m);
    assert.match(scratchScript(), /altbackup-source serve/);
  });

  it('gets a TLS source server with a token and a pull working end to end', async () => {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALTBACKUP_'))), ALTBACKUP_TARGET_MIN_FREE: '16M' };
    const r = spawnSync('bash', ['-c', scratchScript()], { cwd: REPO, env, encoding: 'utf8', timeout: 180_000 });
    const dir = /scratch install OK in (\S+)/.exec(r.stdout)?.[1];
    try {
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.ok(dir);
      assert.match(r.stdout, /pull: 12 tarball\(s\) listed: 12 fetched/);
      assert.match(r.stdout, /^status: healthy$/m);
      assert.match(r.stdout, /wrote .*report\.html \(1 pull runs\)/);
      assert.match(readFileSync(join(dir, 'altbackup.prom'), 'utf8'), /^altbackup_healthy 1$/m);
      assert.match(readFileSync(join(dir, 'serve.log'), 'utf8') + r.stderr, /nonexistent\.invalid/);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  });
});
