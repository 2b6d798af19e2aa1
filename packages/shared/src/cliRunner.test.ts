import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  COMMON_FLAGS, dumpCommand, findCommand, helpText, packageVersion, parseCommandLine, runProgram,
  type CommandContext, type CommandDef, type ProgramDef,
} from './cliRunner.js';
import { CONFIG_KEYS } from './configSchema.js';
import { AltError, ExitCode } from './errors.js';
import { tempDir } from './testing.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

/** A fake program whose commands record what they were run with. */
function fakeProgram(program: 'source' | 'target' = 'target') {
  const calls: string[] = [];
  const contexts: CommandContext[] = [];
  const cmd = (name: string, run: (ctx: CommandContext) => Promise<number | void>, aliases?: string[]): CommandDef => ({
    name,
    aliases,
    summary: `the ${name} command`,
    async run(ctx) {
      calls.push(name);
      contexts.push(ctx);
      return run(ctx);
    },
  });
  const def: ProgramDef = {
    name: 'fakeprog',
    version: '9.9.9',
    program,
    summary: 'a program for tests',
    flags: { extra: { type: 'string', value: 'X', help: 'a program-specific flag' } },
    commands: [
      cmd('first', async () => {}),
      cmd('second', async () => 0),
      cmd('pull', async () => {}, ['transfer']),
      cmd('fail', async () => { throw new AltError('pull-failed', 'svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz: digest mismatch; rerun pull'); }),
      cmd('usage', async () => { throw new AltError('bad-day', '--day "x" not understood'); }),
      cmd('three', async () => 3),
      cmd('boom', async () => { throw new Error('kaput'); }),
      cmd('write', async (ctx) => { ctx.out.write('written to out\n'); }),
      { ...dumpCommand, run: async (ctx) => { calls.push('dump'); contexts.push(ctx); return dumpCommand.run(ctx); } },
    ],
  };
  return { def, calls, contexts };
}

async function run(argv: string[], opts: { program?: 'source' | 'target'; env?: NodeJS.ProcessEnv } = {}) {
  const fake = fakeProgram(opts.program);
  const out = new Collect();
  const err = new Collect();
  const code = await runProgram(fake.def, argv, { out, err, env: { ALTBACKUP_CONFIG: '/dev/null', ...opts.env } });
  return { code, out, err, calls: fake.calls, contexts: fake.contexts, def: fake.def };
}

let dir: string;
before(() => { dir = tempDir('cli-test'); });
after(() => rmSync(dir, { recursive: true, force: true }));

describe('runProgram: commands', () => {
  it('runs the commands in the order given, exit 0', async () => {
    const r = await run(['second', 'first', 'second']);
    assert.deepEqual(r.calls, ['second', 'first', 'second']);
    assert.equal(r.code, ExitCode.ok);
    assert.equal(r.err.text, '');
  });

  it('commands write to the given out stream', async () => {
    const r = await run(['write']);
    assert.equal(r.out.text, 'written to out\n');
  });

  it('an alias runs its command under the real name', async () => {
    const r = await run(['transfer']);
    assert.deepEqual(r.calls, ['pull']);
    assert.equal(r.contexts[0]!.command, 'pull');
  });

  it('an unknown command is exit 2 before any command runs', async () => {
    const r = await run(['first', 'nope', 'second']);
    assert.equal(r.code, ExitCode.usage);
    assert.deepEqual(r.calls, []);
    assert.equal(r.err.lines().length, 1);
    assert.ok(r.err.text.includes('"nope"'), r.err.text);
    assert.ok(r.err.text.includes('--help'), r.err.text);
  });

  it('no command at all is exit 2', async () => {
    const r = await run([]);
    assert.equal(r.code, ExitCode.usage);
    assert.equal(r.err.lines().length, 1);
    assert.ok(r.err.text.includes('no command'), r.err.text);
  });

  it('a failing command is reported on one line; later commands still run; exit 1', async () => {
    const r = await run(['first', 'fail', 'second']);
    assert.deepEqual(r.calls, ['first', 'fail', 'second']);
    assert.equal(r.code, ExitCode.failed);
    assert.deepEqual(r.err.lines(), ['fakeprog fail: pull-failed: svn/dybsvn/2013/05/29/104701/dybsvn-20550.tar.gz: digest mismatch; rerun pull']);
    assert.equal(r.out.text, '');
  });

  it('a usage error in a command stops the rest, exit 2', async () => {
    const r = await run(['first', 'usage', 'second', 'fail']);
    assert.deepEqual(r.calls, ['first', 'usage']);
    assert.equal(r.code, ExitCode.usage);
    assert.deepEqual(r.err.lines(), ['fakeprog usage: bad-day: --day "x" not understood']);
  });

  it('the exit code is the first non-zero one', async () => {
    assert.equal((await run(['three', 'fail'])).code, 3);
    const r = await run(['fail', 'three']);
    assert.equal(r.code, ExitCode.failed);
    assert.deepEqual(r.calls, ['fail', 'three']);
    assert.equal((await run(['first', 'three', 'second'])).code, 3);
  });

  it('an unexpected error is reported as internal, one line, no stack trace, exit 1', async () => {
    const r = await run(['boom', 'second']);
    assert.equal(r.code, ExitCode.failed);
    assert.deepEqual(r.calls, ['boom', 'second']);
    assert.equal(r.err.lines().length, 1);
    assert.match(r.err.text, /^fakeprog boom: internal: kaput/);
    assert.ok(!/\bat .*\.js:\d+/.test(r.err.text), 'no stack trace');
  });
});

describe('runProgram: options', () => {
  it('--help prints every command, alias, common flag and config flag of the program, runs nothing', async () => {
    const r = await run(['--help', 'first']);
    assert.equal(r.code, ExitCode.ok);
    assert.deepEqual(r.calls, []);
    for (const c of r.def.commands) assert.ok(r.out.text.includes(c.name) && r.out.text.includes(c.summary), c.name);
    assert.ok(r.out.text.includes('pull, transfer'));
    for (const flag of [...Object.keys(COMMON_FLAGS), 'extra']) assert.ok(r.out.text.includes(`--${flag}`), flag);
    for (const k of CONFIG_KEYS) {
      if (!k.flag) continue;
      const shown = r.out.text.includes(`--${k.flag} `) && r.out.text.includes(`[${k.key}]`);
      assert.equal(shown, k.programs.includes('target'), `${k.key} --${k.flag}`);
    }
    assert.ok(!r.out.text.includes('--listen'), 'source-only flags are not offered by the target program');
  });

  it('--version prints the name and version alone, runs nothing and reads no configuration', async () => {
    const r = await run(['--version', 'first', 'fail'], { env: { ALTBACKUP_CONFIG: '/nonexistent/altbackup.toml' } });
    assert.equal(r.code, ExitCode.ok);
    assert.equal(r.out.text, 'fakeprog 9.9.9\n');
    assert.equal(r.err.text, '');
    assert.deepEqual(r.calls, []);
  });

  it('packageVersion reads the version of the package.json it is given', () => {
    const file = join(dir, 'package.json');
    writeFileSync(file, JSON.stringify({ name: 'x', version: '3.2.1' }));
    assert.equal(packageVersion(pathToFileURL(file)), '3.2.1');
  });

  it('--help of the source program shows its own flags', () => {
    const text = helpText(fakeProgram('source').def);
    assert.ok(text.includes('--listen') && text.includes('--root') && text.includes('[source.token_file]'));
    assert.ok(!text.includes('--keep '));
  });

  it('--echo sets dry-run, as does --dry-run; neither leaves it unset', async () => {
    assert.equal((await run(['--echo', 'first'])).contexts[0]!.opts['dry-run'], true);
    assert.equal((await run(['first', '--dry-run'])).contexts[0]!.opts['dry-run'], true);
    assert.ok(!(await run(['first'])).contexts[0]!.opts['dry-run']);
  });

  it('--day, --since, --json and program flags reach the commands as opts', async () => {
    const r = await run(['--day', '2013/05/29', '--since=3', '--json', '--extra', 'x', 'first', 'second']);
    const opts = r.contexts[0]!.opts;
    assert.equal(opts.day, '2013/05/29');
    assert.equal(opts.since, '3');
    assert.equal(opts.json, true);
    assert.equal(opts.extra, 'x');
    assert.equal(r.contexts[1]!.opts, opts, 'every command sees the same options');
  });

  it('--day -N is taken as a value (SPEC: --day accepts -N)', async () => {
    assert.equal((await run(['--day', '-1', 'first'])).contexts[0]!.opts.day, '-1');
    assert.equal((await run(['first', '--day=-3'])).contexts[0]!.opts.day, '-3');
    assert.equal(parseCommandLine(fakeProgram().def, ['--day', '-12', 'first']).opts.day, '-12');
  });

  it('config flags land in the config, lists repeatable', async () => {
    const r = await run(['--keep', '5', '--source', 'https://a:1', '--source', 'https://b:2', '--wanted', 'dybsvn svnsetup', 'first']);
    const ctx = r.contexts[0]!;
    assert.equal(ctx.config.target.keep, 5);
    assert.deepEqual(ctx.config.target.sources, ['https://a:1', 'https://b:2']);
    assert.deepEqual(ctx.config.wanted, ['dybsvn', 'svnsetup']);
    assert.equal(ctx.loaded.origins['target.keep'], 'flag');
    assert.equal(ctx.loaded.file, '/dev/null');
  });

  it('the environment given in RunIo is the one loaded', async () => {
    const r = await run(['first'], { env: { ALTBACKUP_TARGET_KEEP: '6' } });
    assert.equal(r.contexts[0]!.config.target.keep, 6);
    assert.equal(r.contexts[0]!.loaded.origins['target.keep'], 'env');
    const f = await run(['--keep', '8', 'first'], { env: { ALTBACKUP_TARGET_KEEP: '6' } });
    assert.equal(f.contexts[0]!.config.target.keep, 8);
  });

  it('--config names the file to read', async () => {
    const file = join(dir, 'a.toml');
    writeFileSync(file, '[target]\nkeep = 11\n[expect]\ndybsvn = 2\n');
    const r = await run(['--config', file, 'first']);
    assert.equal(r.contexts[0]!.loaded.file, file);
    assert.equal(r.contexts[0]!.config.target.keep, 11);
    assert.deepEqual(r.contexts[0]!.config.expect, { dybsvn: 2 });
  });

  it('an unknown flag is exit 2 with one line, nothing run', async () => {
    const r = await run(['--frobnicate', 'first']);
    assert.equal(r.code, ExitCode.usage);
    assert.deepEqual(r.calls, []);
    assert.equal(r.err.lines().length, 1);
    assert.ok(r.err.text.includes('frobnicate') && r.err.text.includes('--help'), r.err.text);
  });

  it("another program's flag is unknown", async () => {
    const r = await run(['--listen', '0.0.0.0:1', 'first']);
    assert.equal(r.code, ExitCode.usage);
    assert.deepEqual(r.calls, []);
  });
});

describe('runProgram: configuration errors', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, string]> = [
    ['bad flag value', ['--keep', '0', 'first'], {}, 'target.keep'],
    ['bad environment value', ['first'], { ALTBACKUP_TARGET_KEEP: 'many' }, 'ALTBACKUP_TARGET_KEEP'],
    ['bad duration flag', ['--deadline', '5 parsecs', 'first'], {}, 'target.deadline'],
    ['missing config file', ['--config', '/nonexistent/altbackup.toml', 'first'], {}, '/nonexistent/altbackup.toml'],
  ];
  for (const [what, argv, env, mention] of cases) {
    it(`${what}: exit 2, one line, nothing run`, async () => {
      const r = await run(argv, { env });
      assert.equal(r.code, ExitCode.usage);
      assert.deepEqual(r.calls, []);
      assert.equal(r.err.lines().length, 1);
      assert.ok(r.err.text.startsWith('fakeprog: '), r.err.text);
      assert.ok(r.err.text.includes(mention), r.err.text);
    });
  }

  it('an unknown key in the config file names the key and file', async () => {
    const file = join(dir, 'bad.toml');
    writeFileSync(file, '[target]\nkep = 3\n');
    const r = await run(['first'], { env: { ALTBACKUP_CONFIG: file } });
    assert.equal(r.code, ExitCode.usage);
    assert.deepEqual(r.calls, []);
    assert.equal(r.err.lines().length, 1);
    assert.ok(r.err.text.includes('target.kep') && r.err.text.includes(file), r.err.text);
  });
});

describe('dump command', () => {
  const SECRET = 'hc-uuid-5e1f-SECRET';

  it('prints the effective configuration with secrets redacted', async () => {
    const r = await run(['--keep', '4', 'dump'], { env: { ALTBACKUP_NOTIFY_WEBHOOK: `https://hc-ping.com/${SECRET}` } });
    assert.equal(r.code, ExitCode.ok);
    assert.ok(r.out.text.includes('# config file: /dev/null'));
    assert.match(r.out.text, /^keep = 4 {2}# flag$/m);
    assert.ok(!r.out.text.includes(SECRET));
    assert.ok(r.out.text.includes('<redacted>'));
  });

  it('--json prints parseable JSON with secrets redacted', async () => {
    const r = await run(['--json', 'dump'], { env: { ALTBACKUP_NOTIFY_WEBHOOK: `https://hc-ping.com/${SECRET}`, ALTBACKUP_TARGET_SOURCES: `https://u:${SECRET}@h:1/` } });
    const parsed = JSON.parse(r.out.text) as { file: string; config: { notify: { webhook: string }; target: { sources: string[] } }; origins: Record<string, string> };
    assert.equal(parsed.file, '/dev/null');
    assert.equal(parsed.config.notify.webhook, '<redacted>');
    assert.deepEqual(parsed.config.target.sources, ['https://u:***@h:1/']);
    assert.equal(parsed.origins['notify.webhook'], 'env');
    assert.ok(!r.out.text.includes(SECRET));
  });
});

describe('findCommand', () => {
  it('finds by name or alias', () => {
    const { def } = fakeProgram();
    assert.equal(findCommand(def, 'pull')?.name, 'pull');
    assert.equal(findCommand(def, 'transfer')?.name, 'pull');
    assert.equal(findCommand(def, 'nope'), undefined);
  });
});
