/**
 * deploy/: the example configurations load with the real loader and set
 * every key of their program, each under a comment; the crontabs keep the
 * old schedule and call real commands; the cron wrapper and the OnFailure
 * mailer behave like the old altbackup.sh (truncated log, mail on non-zero
 * exit through `mail` or `sendmail`), checked with recording stand-ins.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONFIG_KEYS, findCommand, loadConfig, type Program, type ProgramDef } from '@altbackup/shared';
import { sourceProgram } from '@altbackup/source-server';
import { targetProgram } from '@altbackup/target-puller';
import { tempDir } from '@altbackup/shared/testing';
import { REPO } from './support/processes.js';

const DEPLOY = join(REPO, 'deploy');

/** Keys an example for `program` must set: its own section and the shared top-level ones. */
function keysFor(program: Program): string[] {
  const own = program === 'source' ? ['source.'] : ['target.', 'notify.'];
  return CONFIG_KEYS.filter((k) => !k.key.includes('.') || own.some((p) => k.key.startsWith(p))).map((k) => k.key);
}

describe('example configurations', () => {
  for (const [file, program] of [['source.toml', 'source'], ['target.toml', 'target']] as const) {
    it(`${file} loads and sets every ${program} key`, () => {
      const path = join(DEPLOY, file);
      const loaded = loadConfig({ configFile: path, env: {} });
      assert.equal(loaded.file, path);
      const unset = keysFor(program).filter((k) => loaded.origins[k] !== 'file');
      assert.deepEqual(unset, [], `keys not set in ${file}`);
      assert.equal(loaded.origins.expect, 'file');
      for (const name of Object.keys(loaded.config.expect)) assert.ok(loaded.config.wanted.includes(name), `[expect] ${name} is not wanted`);
    });

    it(`${file} explains every key in a comment above it`, () => {
      const lines = readFileSync(join(DEPLOY, file), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^[a-z_]+ = /.test(line) && !/^\[expect\]/.test(lines.slice(0, i).reverse().find((l) => l.startsWith('[')) ?? '')) {
          assert.match(lines[i - 1] ?? '', /^# /, `${file}:${i + 1} ${line} has no comment above it`);
        }
      });
    });
  }
});

describe('crontab examples', () => {
  const programs: Record<string, ProgramDef> = { altbackup: targetProgram, 'altbackup-source': sourceProgram };
  function jobs(file: string): { schedule: string; args: string[] }[] {
    return readFileSync(join(DEPLOY, 'cron', file), 'utf8').split('\n')
      .filter((l) => /^(\d|@)/.test(l))
      .map((l) => {
        const fields = l.split(/\s+/);
        const n = l.startsWith('@') ? 1 : 5;
        return { schedule: fields.slice(0, n).join(' '), args: fields.slice(n) };
      });
  }
  const commandsOf = (all: string[]) => {
    const redirect = all.findIndex((a) => a.startsWith('>'));
    const args = (redirect < 0 ? all : all.slice(0, redirect)).map((a) => a.replace(/^\/usr\/local\/bin\//, ''));
    const i = args.findIndex((a) => a in programs);
    const rest = args.slice(i + 1);
    return { program: programs[args[i]!]!, commands: rest.filter((a, j) => !a.startsWith('-') && !(rest[j - 1] ?? '').startsWith('--') && !a.includes('>')) };
  };

  it('target: pull at 13:00, check at 15:30, through the mailing wrapper', () => {
    const [pull, check] = jobs('target.crontab');
    assert.equal(pull!.schedule, '00 13 * * *');
    assert.equal(check!.schedule, '30 15 * * *');
    for (const job of [pull!, check!]) {
      assert.equal(job.args[0], '/usr/local/lib/altbackup/altbackup-cron.sh');
      const { program, commands } = commandsOf(job.args);
      for (const c of commands) assert.ok(findCommand(program, c), c);
    }
    assert.deepEqual(commandsOf(pull!.args).commands, ['dump', 'pull', 'purge_target']);
    assert.deepEqual(commandsOf(check!.args).commands, ['dump', 'check_target', 'status']);
  });

  it('source: the server at boot and check_source after the noon backup', () => {
    const [serve, check] = jobs('source.crontab');
    assert.equal(serve!.schedule, '@reboot');
    assert.deepEqual(commandsOf(serve!.args).commands, ['serve']);
    assert.equal(commandsOf(serve!.args).program, sourceProgram);
    assert.equal(check!.schedule, '30 12 * * *');
    assert.deepEqual(commandsOf(check!.args).commands, ['dump', 'check_source']);
  });
});

describe('altbackup-cron.sh and altbackup-unit-failed.sh', () => {
  let dir: string;
  let bin: string;
  before(async () => {
    dir = tempDir('cron');
    bin = join(dir, 'bin');
    await mkdir(bin);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A stand-in that records its arguments and stdin. */
  async function recorder(name: string): Promise<string> {
    const record = join(dir, `${name}.called`);
    await rm(`${record}.args`, { force: true });
    await rm(`${record}.stdin`, { force: true });
    await writeFile(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "$@" > '${record}.args'\ncat > '${record}.stdin'\n`);
    await chmod(join(bin, name), 0o755);
    return record;
  }

  function run(script: string, args: string[], env: NodeJS.ProcessEnv) {
    return spawnSync('/bin/sh', [join(DEPLOY, script), ...args], { encoding: 'utf8', env: { HOME: dir, ...env } });
  }

  it('truncates the log, keeps the exit code and mails the log with `mail` on failure', async () => {
    const mail = await recorder('mail');
    const log = join(dir, 'logs', 'pull.log');
    await mkdir(join(dir, 'logs'));
    await writeFile(log, 'yesterday\n');
    const r = run('altbackup-cron.sh', [log, 'sh', '-c', 'echo fetched; echo broken >&2; exit 3'], { PATH: `${bin}:/usr/bin:/bin`, MAILTO: 'ops@example.org' });
    assert.equal(r.status, 3);
    assert.equal(r.stdout + r.stderr, '', 'silent, so cron sends no second mail');
    const text = await readFile(log, 'utf8');
    assert.ok(!text.includes('yesterday'));
    assert.match(text, /^=== .* start: sh -c echo fetched; echo broken >&2; exit 3\nfetched\nbroken\n=== .* exit 3\n$/);
    const args = (await readFile(`${mail}.args`, 'utf8')).trim().split('\n');
    assert.equal(args[0], '-s');
    assert.match(args[1]!, /^altbackup FAILURE \(exit 3\) on .+: sh -c/);
    assert.equal(args[2], 'ops@example.org');
    assert.equal(await readFile(`${mail}.stdin`, 'utf8'), text);
  });

  it('mails nothing on success or without MAILTO', async () => {
    await rm(join(bin, 'mail'), { force: true });
    const mail = await recorder('mail');
    const log = join(dir, 'ok.log');
    assert.equal(run('altbackup-cron.sh', [log, 'true'], { PATH: `${bin}:/usr/bin:/bin`, MAILTO: 'ops@example.org' }).status, 0);
    assert.equal(run('altbackup-cron.sh', [log, 'false'], { PATH: `${bin}:/usr/bin:/bin` }).status, 1);
    await assert.rejects(readFile(`${mail}.args`), { code: 'ENOENT' });
  });

  it('falls back to sendmail -t with headers when mail is absent', async () => {
    await rm(join(bin, 'mail'), { force: true });
    const sendmail = await recorder('sendmail');
    const log = join(dir, 'check.log');
    const r = run('altbackup-cron.sh', [log, 'sh', '-c', 'echo unhealthy; exit 1'], { PATH: `${bin}:/usr/bin:/bin`, MAILTO: 'ops@example.org' });
    assert.equal(r.status, 1);
    assert.equal((await readFile(`${sendmail}.args`, 'utf8')).trim(), '-t');
    assert.match(await readFile(`${sendmail}.stdin`, 'utf8'), /^To: ops@example\.org\nSubject: altbackup FAILURE \(exit 1\) on .+\n\n=== .*\nunhealthy\n/);
    await rm(join(bin, 'sendmail'));
  });

  it('refuses to run without a command', () => {
    const r = run('altbackup-cron.sh', [join(dir, 'x.log')], { PATH: '/usr/bin:/bin' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: .* LOGFILE COMMAND/);
  });

  it('the OnFailure mailer sends the unit status and journal to MAILTO', async () => {
    const mail = await recorder('mail');
    await writeFile(join(bin, 'systemctl'), '#!/bin/sh\necho "status of $4"\n');
    await writeFile(join(bin, 'journalctl'), '#!/bin/sh\necho "journal of $2"\n');
    await chmod(join(bin, 'systemctl'), 0o755);
    await chmod(join(bin, 'journalctl'), 0o755);
    const r = run('altbackup-unit-failed.sh', ['altbackup-pull.service'], { PATH: `${bin}:/usr/bin:/bin`, MAILTO: 'ops@example.org' });
    assert.equal(r.status, 0, r.stderr);
    const args = (await readFile(`${mail}.args`, 'utf8')).trim().split('\n');
    assert.deepEqual([args[0], args[2]], ['-s', 'ops@example.org']);
    assert.match(args[1]!, /^altbackup FAILURE on .+: altbackup-pull\.service$/);
    assert.equal(await readFile(`${mail}.stdin`, 'utf8'), 'status of altbackup-pull.service\n\njournal of altbackup-pull.service\n');
  });
});
