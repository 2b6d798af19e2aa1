/**
 * The Debian package end to end: `npm run package`'s script builds it from
 * this work tree's build; `dpkg-deb --info` and `--contents` show the
 * control fields and every file where deploy/README.md says; lintian finds
 * no error; then it is installed with `dpkg -i` on this machine, the
 * installed commands report their version, `man` shows every command, the
 * installed bash completion completes, the installed server serves a sample
 * tree on 127.0.0.1 to the installed puller, and `dpkg --purge` leaves no
 * packaged file behind (the system user stays, by design).
 *
 * Needs root, dpkg-deb, dpkg-shlibdeps, help2man, lintian and man
 * (scripts/install-test-tools.sh). A machine where altbackup is already
 * installed keeps its installation: the install steps are skipped there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { todayIn, type ProgramDef } from '@altbackup/shared';
import { sourceProgram } from '@altbackup/source-server';
import { targetProgram } from '@altbackup/target-puller';
import { tempDir } from '@altbackup/shared/testing';
import { makeSampleTree } from '@altbackup/sample-tree';
import { REPO, runCommand, startSource, type RunningServer } from './support/processes.js';
import { sampleTargetToml } from './support/sampleConfig.js';

const sh = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20, timeout: 240_000 });
const has = (cmd: string) => sh('sh', ['-c', `command -v ${cmd}`]).status === 0;
const TOOLS = ['dpkg-deb', 'dpkg-shlibdeps', 'help2man', 'lintian', 'man', 'strip'];
const missing = process.getuid?.() !== 0 ? 'dpkg -i needs root'
  : TOOLS.some((t) => !has(t)) ? `missing ${TOOLS.filter((t) => !has(t)).join(', ')}: bash scripts/install-test-tools.sh`
    : false;
const alreadyInstalled = sh('dpkg-query', ['-W', '-f=${Status}', 'altbackup']).stdout.includes('installed');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The deploy guide's table, as [file in deploy/, where the package puts it]:
 * a "packaged at" folder takes the file's own name, `.timer` after a
 * `.service` means the same unit's timer.
 */
function guidePackagedPaths(): [string, string][] {
  const guide = readFileSync(join(REPO, 'deploy', 'README.md'), 'utf8');
  const rows = [...guide.matchAll(/^\| (`[^|]+`) \| [^|]+ \| `([^`]+)`[^|]* \| [^|]+ \|$/gm)];
  return rows.flatMap((m) => {
    const files = [...m[1]!.matchAll(/`([^`]+)`/g)].map((f) => f[1]!);
    const named = files.map((f, i) => (f.startsWith('.') ? files[i - 1]!.replace(/\.[^.]+$/, f) : f));
    return named.map((f): [string, string] => [f, m[2]!.endsWith('/') ? m[2]! + f.split('/').pop() : m[2]!]);
  });
}

describe('the Debian package', { skip: missing }, () => {
  let deb: string;
  let contents: string[];
  before(() => {
    const built = sh(process.execPath, [join(REPO, 'scripts/dist/packageDeb.js')]);
    assert.equal(built.status, 0, built.stderr);
    deb = join(REPO, built.stdout.trim());
    contents = sh('dpkg-deb', ['--contents', deb]).stdout.trim().split('\n').map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\.\//, '/'));
  });

  it('dpkg-deb --info: name, version, architecture, the dependencies and the conffiles', () => {
    const info = sh('dpkg-deb', ['--info', deb]);
    assert.equal(info.status, 0, info.stderr);
    assert.match(info.stdout, /^ Package: altbackup$/m);
    assert.match(info.stdout, new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(info.stdout, /^ Architecture: amd64$/m);
    const depends = /^ Depends: (.*)$/m.exec(info.stdout)?.[1] ?? '';
    for (const dep of ['nodejs (>= 20)', 'nodejs (<< 21)', 'adduser', 'libc6', 'libstdc++6']) assert.ok(depends.includes(dep), `Depends lacks ${dep}: ${depends}`);
    const listed = sh('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xO ./conffiles`]).stdout.trim().split('\n').sort();
    assert.deepEqual(listed, ['/etc/altbackup/source.toml', '/etc/altbackup/target.toml']);
  });

  it('dpkg-deb --contents: every file where the deploy guide says, the commands, man pages, completion and addons', () => {
    const expected = guidePackagedPaths();
    assert.ok(expected.length >= 14, `the guide's table names too few packaged files: ${JSON.stringify(expected)}`);
    for (const [file, path] of expected) assert.ok(contents.includes(path), `${file}: ${path} is not in the package`);
    for (const path of ['/usr/share/man/man1/altbackup.1.gz', '/usr/share/man/man1/altbackup-source.1.gz', '/usr/share/bash-completion/completions/altbackup',
      '/usr/share/bash-completion/completions/altbackup-source', '/usr/share/doc/altbackup/copyright',
      '/usr/lib/altbackup/node_modules/better-sqlite3/build/Release/better_sqlite3.node', '/usr/lib/altbackup/node_modules/@altbackup/target-puller/build/Release/md5state.node']) {
      assert.ok(contents.includes(path), `${path} is not in the package`);
    }
    assert.ok(contents.includes('/usr/bin/altbackup -> ../lib/altbackup/node_modules/@altbackup/target-puller/bin/altbackup'));
    assert.ok(contents.includes('/usr/bin/altbackup-source -> ../lib/altbackup/node_modules/@altbackup/source-server/bin/altbackup-source'));
    // Production dependencies only: no compiler, test kit or sample trees.
    for (const dev of ['typescript', 'playwright-core', 'parse-prometheus-text-format', '@altbackup/sample-tree', 'yaml']) {
      assert.ok(!contents.some((p) => p.startsWith(`/usr/lib/altbackup/node_modules/${dev}/`)), `${dev} is packaged`);
    }
    assert.ok(!contents.some((p) => /\.test\.js$|\/src\/.*\.ts$/.test(p)), 'tests or TypeScript sources are packaged');
  });

  it('the packaged units start the packaged commands', () => {
    const units = contents.filter((p) => p.startsWith('/lib/systemd/system/altbackup'));
    assert.equal(units.length, 10);
    const text = sh('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ${units.map((u) => `.${u}`).join(' ')}`]).stdout;
    assert.doesNotMatch(text, /\/usr\/local\//);
    for (const exec of text.match(/^ExecStart=\S+/gm) ?? []) assert.ok(contents.includes(exec.slice('ExecStart='.length)) || contents.some((c) => c.startsWith(`${exec.slice('ExecStart='.length)} -> `)), exec);
  });

  it('lintian reports no error', () => {
    const r = sh('lintian', ['--tag-display-limit', '0', deb]);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('E: '));
    assert.deepEqual(errors, [], r.stdout);
    assert.ok(r.status === 0 || errors.length === 0, r.stderr);
  });

  describe('installed with dpkg -i', { skip: alreadyInstalled ? 'altbackup is installed on this machine: left as it is' : false }, () => {
    let dir: string;
    let server: RunningServer | undefined;
    before(() => {
      dir = tempDir('deb');
      const r = sh('dpkg', ['-i', deb]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
    after(async () => {
      await server?.stop();
      // Whatever failed, the machine is left without the package.
      if (sh('dpkg-query', ['-W', '-f=${Status}', 'altbackup']).stdout.includes('installed')) sh('dpkg', ['--purge', 'altbackup']);
      await rm(dir, { recursive: true, force: true });
    });

    it('runs the installed commands', () => {
      assert.equal(sh('/usr/bin/altbackup', ['--version']).stdout, `altbackup ${VERSION}\n`);
      assert.equal(sh('/usr/bin/altbackup-source', ['--version']).stdout, `altbackup-source ${VERSION}\n`);
    });

    it('created the system user and its folder', () => {
      const id = sh('id', ['-u', 'altbackup']);
      assert.equal(id.status, 0, id.stderr);
      assert.equal(statSync('/var/lib/altbackup').uid, Number(id.stdout.trim()));
    });

    for (const def of [targetProgram, sourceProgram] as ProgramDef[]) {
      it(`man ${def.name} shows every command`, () => {
        const r = sh('man', [def.name], { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '200' });
        assert.equal(r.status, 0, r.stderr);
        for (const c of def.commands) assert.match(r.stdout, new RegExp(`^\\s+${c.name}\\b`, 'm'), `${c.name} is not in man ${def.name}`);
      });
    }

    it('completes commands with the installed bash completion', () => {
      const r = sh('bash', ['-c', 'source /usr/share/bash-completion/completions/altbackup; COMP_WORDS=(altbackup check_); COMP_CWORD=1; _altbackup; printf "%s\\n" "${COMPREPLY[@]}"']);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n').sort(), targetProgram.commands.map((c) => c.name).filter((n) => n.startsWith('check_')).sort());
    });

    it('pulls from the installed source server to the installed puller on loopback', async () => {
      const manifest = await makeSampleTree({ root: join(dir, 'source'), days: 1, bulk: 16 * 1024, seed: 'deb', end: todayIn({ timezone: 'UTC' }), pending: false });
      server = await startSource(['--root', join(dir, 'source'), '--log-level', 'warn'], { command: '/usr/bin/altbackup-source' });
      const cfg = join(dir, 'target.toml');
      await writeFile(cfg, sampleTargetToml(join(dir, 'target'), [server.url]));
      const pull = await runCommand('/usr/bin/altbackup', ['pull', 'check_target'], { env: { ALTBACKUP_CONFIG: cfg }, timeoutMs: 120_000 });
      assert.equal(pull.code, 0, pull.stdout + pull.stderr);
      // Every wanted tarball of the day (sampleTargetToml's names) fetched, verified, and on disk.
      const fetched = [...pull.stdout.matchAll(/^fetched (\S+) /gm)].map((m) => m[1]!);
      assert.ok(fetched.length >= 4, pull.stdout);
      assert.match(pull.stdout, new RegExp(`pull: ${fetched.length} tarball\\(s\\) listed: ${fetched.length} fetched .* 0 failed`));
      for (const path of fetched) {
        assert.ok(manifest.tarballs.some((t) => t.path === path), `${path} is not in the sample`);
        assert.ok(existsSync(join(dir, 'target', path)), path);
      }
      assert.match(pull.stdout, /^check_target .*; all good$/m);
    });

    it('dpkg --purge leaves no packaged file, and the user', async () => {
      await server?.stop();
      const files = contents.filter((p) => !p.endsWith('/')).map((p) => p.replace(/ -> .*$/, ''));
      const r = sh('dpkg', ['--purge', 'altbackup']);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(files.filter((p) => existsSync(p)), []);
      assert.ok(!existsSync('/usr/lib/altbackup') && !existsSync('/etc/altbackup'));
      assert.equal(sh('id', ['-u', 'altbackup']).status, 0, 'the system user is left on purge');
    });
  });
});
