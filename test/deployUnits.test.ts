/**
 * deploy/systemd: every unit passes `systemd-analyze verify` with no
 * warning at all, and carries the settings the deployment relies on.
 * verify needs the ExecStart binaries and the system's own units, so it runs
 * against a scratch root: the distribution's units, ours in
 * /etc/systemd/system, and an executable stub at each ExecStart path.
 * Needs Debian `systemd` (systemd-analyze); the test says so when it is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findCommand, type ProgramDef } from '@altbackup/shared';
import { sourceProgram } from '@altbackup/source-server';
import { targetProgram } from '@altbackup/target-puller';
import { tempDir } from '@altbackup/shared/testing';
import { REPO } from './support/processes.js';

const UNITS_DIR = join(REPO, 'deploy', 'systemd');
const UNITS = readdirSync(UNITS_DIR).filter((f) => /\.(service|timer)$/.test(f)).sort();
const SYSTEM_UNITS = '/usr/lib/systemd/system';
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const missing = analyze.error || !existsSync(SYSTEM_UNITS)
  ? 'systemd-analyze is not installed: apt-get install -y systemd (scripts/install-test-tools.sh)'
  : false;

/** `Key=value` lines of one section (repeated keys kept in order). */
function settings(unit: string, section: string): [string, string][] {
  const out: [string, string][] = [];
  let current = '';
  for (const raw of readFileSync(join(UNITS_DIR, unit), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) current = sec[1]!;
    else if (current === section) {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

const get = (unit: string, section: string, key: string) => settings(unit, section).filter(([k]) => k === key).map(([, v]) => v);

function execPaths(): string[] {
  return [...new Set(UNITS.flatMap((u) => get(u, 'Service', 'ExecStart').map((v) => v.replace(/^[-@:+!]+/, '').split(/\s+/)[0]!)))];
}

describe('deploy/systemd units', () => {
  let root: string;
  before(async () => {
    if (missing) return;
    root = tempDir('units');
    await cp(SYSTEM_UNITS, join(root, SYSTEM_UNITS), { recursive: true, verbatimSymlinks: true });
    await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
    for (const u of UNITS) await cp(join(UNITS_DIR, u), join(root, 'etc/systemd/system', u));
    for (const bin of execPaths()) {
      await mkdir(dirname(join(root, bin)), { recursive: true });
      await writeFile(join(root, bin), '#!/bin/sh\n');
      await chmod(join(root, bin), 0o755);
    }
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('has the units the deployment needs', () => {
    assert.deepEqual(UNITS, [
      'altbackup-check-restore.service', 'altbackup-check-restore.timer',
      'altbackup-notify@.service', 'altbackup-pull.service', 'altbackup-pull.timer',
      'altbackup-scrub.service', 'altbackup-scrub.timer',
      'altbackup-source.service', 'altbackup-status.service', 'altbackup-status.timer',
    ]);
  });

  for (const unit of [...UNITS.filter((u) => !u.includes('@')), 'altbackup-notify@altbackup-pull.service.service']) {
    it(`systemd-analyze verify accepts ${unit} without a warning`, { skip: missing }, () => {
      const r = spawnSync('systemd-analyze', ['verify', `--root=${root}`, '--man=no', '--generators=no', unit], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout + r.stderr, '');
    });
  }

  it('runs the source server read-only, unprivileged and confined', () => {
    const s = (key: string) => get('altbackup-source.service', 'Service', key);
    assert.deepEqual(s('User'), ['altbackup']);
    assert.deepEqual(s('ProtectSystem'), ['strict']);
    assert.deepEqual(s('ReadOnlyPaths'), ['/data/var/scm/backup']);
    assert.deepEqual(s('NoNewPrivileges'), ['yes']);
    assert.deepEqual(s('PrivateTmp'), ['yes']);
    assert.deepEqual(s('RestrictAddressFamilies'), ['AF_INET AF_INET6 AF_UNIX']);
    assert.deepEqual(s('CapabilityBoundingSet'), ['']);
    assert.deepEqual(s('ReadWritePaths'), []);
  });

  it('pulls daily at 13:00 and checks at 15:30, catching up missed runs', () => {
    assert.deepEqual(get('altbackup-pull.timer', 'Timer', 'OnCalendar'), ['*-*-* 13:00:00']);
    assert.deepEqual(get('altbackup-status.timer', 'Timer', 'OnCalendar'), ['*-*-* 15:30:00']);
    for (const timer of ['altbackup-pull.timer', 'altbackup-status.timer']) {
      assert.deepEqual(get(timer, 'Timer', 'Persistent'), ['true']);
      assert.equal(get(timer, 'Timer', 'RandomizedDelaySec').length, 1);
      assert.deepEqual(get(timer, 'Install', 'WantedBy'), ['timers.target']);
    }
  });

  it('proves restores after the pull and scrubs nightly, catching up missed runs, able to write only the mirror', () => {
    assert.deepEqual(get('altbackup-check-restore.timer', 'Timer', 'OnCalendar'), ['*-*-* 19:30:00']);
    assert.deepEqual(get('altbackup-scrub.timer', 'Timer', 'OnCalendar'), ['*-*-* 02:30:00']);
    for (const timer of ['altbackup-check-restore.timer', 'altbackup-scrub.timer']) {
      assert.deepEqual(get(timer, 'Timer', 'Persistent'), ['true']);
      assert.deepEqual(get(timer, 'Install', 'WantedBy'), ['timers.target']);
    }
    assert.deepEqual(get('altbackup-check-restore.service', 'Service', 'ExecStart'), ['/usr/local/bin/altbackup check_restore']);
    assert.deepEqual(get('altbackup-scrub.service', 'Service', 'ExecStart'), ['/usr/local/bin/altbackup scrub']);
    for (const unit of ['altbackup-check-restore.service', 'altbackup-scrub.service']) {
      assert.deepEqual(get(unit, 'Service', 'ReadWritePaths'), get('altbackup-pull.service', 'Service', 'ReadWritePaths'));
      assert.deepEqual(get(unit, 'Service', 'ProtectSystem'), ['strict']);
    }
  });

  it('notifies on failure of the pull, the check, the restore proof and the scrub', () => {
    for (const unit of ['altbackup-pull.service', 'altbackup-status.service', 'altbackup-check-restore.service', 'altbackup-scrub.service']) {
      assert.deepEqual(get(unit, 'Unit', 'OnFailure'), ['altbackup-notify@%n.service']);
      assert.deepEqual(get(unit, 'Service', 'Type'), ['oneshot']);
      assert.deepEqual(get(unit, 'Service', 'User'), ['altbackup']);
    }
    assert.deepEqual(get('altbackup-notify@.service', 'Service', 'ExecStart'), ['/usr/local/lib/altbackup/altbackup-unit-failed %i']);
  });

  it('starts only commands the programs have', () => {
    const programs: Record<string, ProgramDef> = { '/usr/local/bin/altbackup': targetProgram, '/usr/local/bin/altbackup-source': sourceProgram };
    for (const unit of UNITS) {
      for (const exec of get(unit, 'Service', 'ExecStart')) {
        const [bin, ...args] = exec.split(/\s+/);
        const program = programs[bin!];
        if (!program) continue;
        const commands = args.filter((a, i) => !a.startsWith('-') && !(args[i - 1] ?? '').startsWith('--'));
        assert.ok(commands.length > 0, exec);
        for (const c of commands) assert.ok(findCommand(program, c), `${unit}: ${program.name} has no command ${c}`);
      }
    }
  });
});
