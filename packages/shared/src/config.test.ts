import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redactedConfig } from './cliRunner.js';
import { chooseConfigFile, dumpConfig, getPath, loadConfig, redactUrl, type LoadOptions } from './config.js';
import { CONFIG_KEYS, envNameOf, keyDef } from './configSchema.js';
import { machineTimezone } from './days.js';
import { AltError, ExitCode } from './errors.js';
import { tempDir } from './testing.js';

let dir: string;
let noDefault: string;

before(() => {
  dir = tempDir('config-test');
  noDefault = join(dir, 'no-such-default.toml');
});
after(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function toml(text: string): string {
  const file = join(dir, `c${++seq}.toml`);
  writeFileSync(file, text);
  return file;
}

/** loadConfig isolated from the machine: no process env, no /etc file. */
function load(opts: LoadOptions = {}) {
  return loadConfig({ env: {}, defaultFile: noDefault, ...opts });
}

/** Asserts a configuration error: exit 2, and the message names every `mention`. */
function configError(...mentions: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof AltError, String(e));
    assert.equal(e.exitCode, ExitCode.usage);
    assert.match(e.code, /^(bad-config|bad-flag|config-unreadable)$/);
    for (const m of mentions) assert.ok(e.message.includes(m), `${JSON.stringify(e.message)} should mention ${m}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  };
}

/** Asserts that `text` as the config file is refused, naming the file and every `mention`. */
function rejectsFile(text: string, ...mentions: string[]): void {
  const file = toml(text);
  assert.throws(() => load({ configFile: file }), configError(...mentions, file));
}

describe('defaults', () => {
  it('apply when there is no file, env or flag', () => {
    const { config, file, origins } = load();
    assert.equal(file, null);
    assert.equal(config.target.keep, 3);
    assert.equal(config.target.keep_extracted, 2);
    assert.equal(config.target.concurrency, 2);
    assert.equal(config.target.connect_timeout, 30_000);
    assert.equal(config.target.deadline, 6 * 3_600_000);
    assert.equal(config.source.listen, '127.0.0.1:7878');
    assert.equal(config.source.insecure_no_auth, false);
    assert.deepEqual(config.wanted, []);
    assert.deepEqual(config.target.sources, []);
    assert.deepEqual(config.expect, {});
    assert.equal(config.log_level, 'info');
    assert.equal(config.timezone, machineTimezone());
    for (const def of CONFIG_KEYS) {
      assert.equal(origins[def.key], 'default', def.key);
      if (def.key !== 'timezone') assert.deepEqual(getPath(config, def.key), def.default, def.key);
    }
  });

  it('are fresh copies: changing one loaded config does not change the next', () => {
    load().config.wanted.push('dybsvn');
    assert.deepEqual(load().config.wanted, []);
  });
});

describe('choosing the file', () => {
  it('--config beats $ALTBACKUP_CONFIG, which beats the default file, used only when it exists', () => {
    const a = toml('');
    const b = toml('');
    const c = toml('');
    assert.equal(chooseConfigFile({ configFile: a, env: { ALTBACKUP_CONFIG: b }, defaultFile: c }), a);
    assert.equal(chooseConfigFile({ env: { ALTBACKUP_CONFIG: b }, defaultFile: c }), b);
    assert.equal(chooseConfigFile({ env: {}, defaultFile: c }), c);
    assert.equal(chooseConfigFile({ env: {}, defaultFile: noDefault }), null);
  });

  it('the default file is read when it exists', () => {
    const file = toml('[target]\nkeep = 9\n');
    const loaded = loadConfig({ env: {}, defaultFile: file });
    assert.equal(loaded.file, file);
    assert.equal(loaded.config.target.keep, 9);
  });

  it('/dev/null reads as an empty file: all defaults', () => {
    const loaded = load({ env: { ALTBACKUP_CONFIG: '/dev/null' } });
    assert.equal(loaded.file, '/dev/null');
    assert.equal(loaded.config.target.keep, 3);
  });

  it('a missing --config file is an error naming it', () => {
    const missing = join(dir, 'missing.toml');
    assert.throws(() => load({ configFile: missing }), configError(missing));
  });

  it('invalid TOML is an error naming the file, on one line', () => {
    const file = toml('[target\nkeep = 3\n');
    assert.throws(() => load({ configFile: file }), configError(file, 'not valid TOML'));
  });
});

describe('TOML file values', () => {
  it('are read for every kind of key', () => {
    const file = toml(`
timezone = "Asia/Taipei"
wanted = ["dybsvn", "svnsetup"]
log_level = "debug"
log_file = "/var/log/altbackup.log"

[source]
root = "/data/backups"
listen = "0.0.0.0:8443"
insecure_no_auth = true
rescan_interval = "500ms"

[target]
root = "/mirror"
sources = ["https://a.example:8443", "https://b.example:8443"]
keep = 5
bwlimit = "20M"
connect_timeout = "5m"
idle_timeout = 45
retries = 0

[notify]
command = "mail -s altbackup ops"
timeout = "2s"
`);
    const { config, origins, file: used } = load({ configFile: file });
    assert.equal(used, file);
    assert.equal(config.timezone, 'Asia/Taipei');
    assert.deepEqual(config.wanted, ['dybsvn', 'svnsetup']);
    assert.equal(config.log_level, 'debug');
    assert.equal(config.log_file, '/var/log/altbackup.log');
    assert.equal(config.source.root, '/data/backups');
    assert.equal(config.source.listen, '0.0.0.0:8443');
    assert.equal(config.source.insecure_no_auth, true);
    assert.equal(config.source.rescan_interval, 500);
    assert.equal(config.target.root, '/mirror');
    assert.deepEqual(config.target.sources, ['https://a.example:8443', 'https://b.example:8443']);
    assert.equal(config.target.keep, 5);
    assert.equal(config.target.bwlimit, 20 * 1024 * 1024);
    assert.equal(config.target.connect_timeout, 300_000);
    assert.equal(config.target.idle_timeout, 45_000);
    assert.equal(config.target.retries, 0);
    assert.equal(config.notify.command, 'mail -s altbackup ops');
    assert.equal(config.notify.timeout, 2000);
    assert.equal(origins['target.keep'], 'file');
    assert.equal(origins['target.deadline'], 'default');
    assert.equal(config.target.deadline, 6 * 3_600_000);
  });

  it('dotted keys and inline tables work like sections', () => {
    assert.equal(load({ configFile: toml('target.keep = 7\n') }).config.target.keep, 7);
    assert.equal(load({ configFile: toml('target = { keep = 8 }\n') }).config.target.keep, 8);
  });

  it('[expect] gives the per-day count of each wanted name', () => {
    const { config, origins } = load({ configFile: toml('[expect]\ndybsvn = 2\nsvnsetup = 1\n') });
    assert.deepEqual(config.expect, { dybsvn: 2, svnsetup: 1 });
    assert.equal(origins.expect, 'file');
  });

  it('expect also works as an inline table', () => {
    assert.deepEqual(load({ configFile: toml('expect = { dybsvn = 2 }\n') }).config.expect, { dybsvn: 2 });
    assert.deepEqual(load({ configFile: toml('expect = { dybsvn = 2, svnsetup = 1, dybaux = 0 }\n') }).config.expect, { dybsvn: 2, svnsetup: 1, dybaux: 0 });
  });

  it('durations: "30s", "5m", "250ms", a number of seconds', () => {
    const d = (v: string) => load({ configFile: toml(`[target]\nheader_timeout = ${v}\n`) }).config.target.header_timeout;
    assert.equal(d('"30s"'), 30_000);
    assert.equal(d('"5m"'), 300_000);
    assert.equal(d('"4h"'), 4 * 3_600_000);
    assert.equal(d('"250ms"'), 250);
    assert.equal(d('"90"'), 90_000);
    assert.equal(d('30'), 30_000);
    assert.equal(d('0.5'), 500);
  });

  it('lists may be an array or one space/comma separated string', () => {
    assert.deepEqual(load({ configFile: toml('wanted = "dybsvn svnsetup,dybaux"\n') }).config.wanted, ['dybsvn', 'svnsetup', 'dybaux']);
    assert.deepEqual(load({ configFile: toml('wanted = ["dybsvn svnsetup", "dybaux"]\n') }).config.wanted, ['dybsvn', 'svnsetup', 'dybaux']);
    assert.deepEqual(load({ configFile: toml('wanted = []\n') }).config.wanted, []);
  });
});

describe('precedence: file < env < flags', () => {
  const file = () => toml('wanted = ["fromfile"]\n[target]\nkeep = 4\nretries = 5\nconnect_timeout = "10s"\n');

  it('env overrides the file', () => {
    const { config, origins } = load({ configFile: file(), env: { ALTBACKUP_TARGET_KEEP: '6', ALTBACKUP_TARGET_CONNECT_TIMEOUT: '45' } });
    assert.equal(config.target.keep, 6);
    assert.equal(config.target.connect_timeout, 45_000);
    assert.equal(config.target.retries, 5);
    assert.equal(origins['target.keep'], 'env');
    assert.equal(origins['target.retries'], 'file');
  });

  it('flags override env and file', () => {
    const { config, origins } = load({
      configFile: file(),
      env: { ALTBACKUP_TARGET_KEEP: '6', ALTBACKUP_WANTED: 'fromenv' },
      flags: { 'target.keep': '7', wanted: ['fromflag'] },
    });
    assert.equal(config.target.keep, 7);
    assert.deepEqual(config.wanted, ['fromflag']);
    assert.equal(config.target.retries, 5);
    assert.equal(origins['target.keep'], 'flag');
    assert.equal(origins.wanted, 'flag');
  });

  it('env lists split on spaces and commas', () => {
    assert.deepEqual(load({ env: { ALTBACKUP_WANTED: 'a b,c' } }).config.wanted, ['a', 'b', 'c']);
    assert.deepEqual(load({ env: { ALTBACKUP_WANTED: ' a ,, b  ' } }).config.wanted, ['a', 'b']);
    assert.deepEqual(load({ env: { ALTBACKUP_TARGET_SOURCES: 'https://a:1 https://b:2' } }).config.target.sources, ['https://a:1', 'https://b:2']);
  });

  it('env booleans, sizes and timezones', () => {
    assert.equal(load({ env: { ALTBACKUP_SOURCE_INSECURE_NO_AUTH: 'yes' } }).config.source.insecure_no_auth, true);
    assert.equal(load({ env: { ALTBACKUP_SOURCE_INSECURE_NO_AUTH: 'off' } }).config.source.insecure_no_auth, false);
    assert.equal(load({ env: { ALTBACKUP_TARGET_BWLIMIT: '1.5M' } }).config.target.bwlimit, 1.5 * 1024 * 1024);
    assert.equal(load({ env: { ALTBACKUP_TIMEZONE: 'UTC' } }).config.timezone, 'UTC');
  });

  it('a repeated list flag keeps every value; a repeated scalar flag keeps the last', () => {
    const { config } = load({ flags: { 'target.sources': ['https://a:1', 'https://b:2'], 'target.keep': ['4', '9'] } });
    assert.deepEqual(config.target.sources, ['https://a:1', 'https://b:2']);
    assert.equal(config.target.keep, 9);
  });

  it('boolean flags', () => {
    assert.equal(load({ flags: { 'source.insecure_no_auth': true } }).config.source.insecure_no_auth, true);
  });

  it('the environment variable names follow the keys', () => {
    assert.equal(envNameOf('target.connect_timeout'), 'ALTBACKUP_TARGET_CONNECT_TIMEOUT');
    assert.equal(envNameOf('wanted'), 'ALTBACKUP_WANTED');
  });

  it('unrelated environment variables are ignored', () => {
    assert.equal(load({ env: { ALTBACKUP_NONSENSE: '1', PATH: '/bin' } }).config.target.keep, 3);
  });
});

describe('errors name the key and where it came from (exit 2)', () => {
  it('unknown top-level key', () => {
    rejectsFile('wanted = []\nbogus = 1\n', '"bogus"');
  });

  it('unknown key in a section', () => {
    rejectsFile('[target]\nkep = 3\n', '"target.kep"');
  });

  it('unknown section', () => {
    rejectsFile('[bogus]\nx = 1\n', '"bogus"');
  });

  it('a section given as a scalar', () => {
    rejectsFile('target = 3\n', 'target');
  });

  const wrongType: Array<[string, string, string]> = [
    ['[target]\nkeep = "three"\n', 'target.keep', 'whole number'],
    ['[target]\nkeep = 2.5\n', 'target.keep', 'whole number'],
    ['[target]\nkeep = true\n', 'target.keep', 'whole number'],
    ['timezone = 8\n', 'timezone', 'string'],
    ['wanted = 5\n', 'wanted', 'list'],
    ['wanted = [1, 2]\n', 'wanted', 'list'],
    ['[source]\nroot = 3\n', 'source.root', 'string'],
    ['[source]\ninsecure_no_auth = "maybe"\n', 'source.insecure_no_auth', 'true or false'],
    ['[target]\nconnect_timeout = true\n', 'target.connect_timeout', 'duration'],
    ['[target]\nbwlimit = [1]\n', 'target.bwlimit', 'size'],
    ['log_level = "loud"\n', 'log_level', 'debug'],
    ['[target]\nroot = 1979-05-27\n', 'target.root', 'string'],
  ];
  for (const [text, key, why] of wrongType) {
    it(`wrong type: ${text.trim().replace(/\n/g, ' ')}`, () => rejectsFile(text, key, why));
  }

  const badValue: Array<[string, string, string]> = [
    ['[target]\nkeep = 0\n', 'target.keep', 'at least 1'],
    ['[target]\nkeep = 10001\n', 'target.keep', 'at most'],
    ['[target]\nconcurrency = 17\n', 'target.concurrency', 'at most 16'],
    ['[target]\nretries = -1\n', 'target.retries', 'at least 0'],
    ['timezone = "Mars/Olympus_Mons"\n', 'timezone', 'Mars/Olympus_Mons'],
    ['[target]\nconnect_timeout = "5 parsecs"\n', 'target.connect_timeout', '5 parsecs'],
    ['[target]\nconnect_timeout = -5\n', 'target.connect_timeout', 'duration'],
    ['[target]\nconnect_timeout = "0s"\n', 'target.connect_timeout', 'at least'],
    ['[source]\nrescan_interval = "50ms"\n', 'source.rescan_interval', 'at least 100'],
    ['[target]\nbwlimit = "fast"\n', 'target.bwlimit', 'fast'],
    ['[expect]\ndybsvn = -1\n', 'expect.dybsvn', 'whole number'],
    ['[expect]\ndybsvn = 1.5\n', 'expect.dybsvn', 'whole number'],
    ['[expect]\ndybsvn = "two"\n', 'expect.dybsvn', 'whole number'],
    ['expect = 3\n', 'expect', 'table'],
    ['expect = [1]\n', 'expect', 'table'],
  ];
  for (const [text, key, why] of badValue) {
    it(`bad value: ${text.trim().replace(/\n/g, ' ')}`, () => rejectsFile(text, key, why));
  }

  it('an environment value error names the variable and the key', () => {
    assert.throws(() => load({ env: { ALTBACKUP_TARGET_KEEP: '0' } }), configError('target.keep', 'ALTBACKUP_TARGET_KEEP'));
    assert.throws(() => load({ env: { ALTBACKUP_TARGET_KEEP: 'many' } }), configError('target.keep', 'ALTBACKUP_TARGET_KEEP', 'many'));
    assert.throws(() => load({ env: { ALTBACKUP_TARGET_DEADLINE: '5 parsecs' } }), configError('target.deadline', 'ALTBACKUP_TARGET_DEADLINE'));
    assert.throws(() => load({ env: { ALTBACKUP_TIMEZONE: 'Nowhere/Land' } }), configError('timezone', 'ALTBACKUP_TIMEZONE'));
    assert.throws(() => load({ env: { ALTBACKUP_SOURCE_INSECURE_NO_AUTH: 'perhaps' } }), configError('source.insecure_no_auth', 'ALTBACKUP_SOURCE_INSECURE_NO_AUTH'));
  });

  it('a flag value error names the flag and the key', () => {
    assert.throws(() => load({ flags: { 'target.keep': '0' } }), configError('target.keep', '--keep'));
    assert.throws(() => load({ flags: { 'target.connect_timeout': 'soon' } }), configError('target.connect_timeout', '--connect-timeout'));
  });

  it('a flag for no key is an error', () => {
    assert.throws(() => load({ flags: { 'target.nope': '1' } }), configError('target.nope'));
  });

  it('a source that is not an http(s) URL is refused without showing its password', () => {
    const file = toml('[target]\nsources = ["http://u:pw-SECRET@host:99999/"]\n');
    assert.throws(() => load({ configFile: file }), (e: unknown) => {
      assert.ok(e instanceof AltError);
      assert.match(e.message, /target\.sources/);
      assert.doesNotMatch(e.message, /pw-SECRET/);
      return true;
    });
    assert.throws(() => load({ flags: { 'target.sources': ['ftp://host/'] } }), configError('target.sources', '--source'));
  });

  it('the error carries exit code 2', () => {
    try {
      load({ configFile: toml('[target]\nkeep = 0\n') });
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof AltError);
      assert.equal(e.exitCode, 2);
    }
  });
});

describe('secrets never shown', () => {
  const TOKEN = 'tok-9f8e7d6c5b4a-SECRET';
  const WEBHOOK_SECRET = 'b5f1c2d3-hc-uuid-SECRET';
  const URL_PASSWORD = 'pw-Zq81-SECRET';

  function secretConfig() {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, TOKEN + '\n');
    const file = toml(`
[source]
token_file = "${tokenFile}"
[target]
token_file = "${tokenFile}"
sources = ["https://mirror:${URL_PASSWORD}@source.example:8443/", "https://plain.example/"]
[notify]
webhook = "https://hc-ping.com/${WEBHOOK_SECRET}"
`);
    return { tokenFile, loaded: load({ configFile: file }) };
  }

  it('dumpConfig redacts the webhook and URL passwords and never holds token contents', () => {
    const { tokenFile, loaded } = secretConfig();
    assert.equal(loaded.config.notify.webhook, `https://hc-ping.com/${WEBHOOK_SECRET}`);
    const dump = dumpConfig(loaded);
    for (const secret of [TOKEN, WEBHOOK_SECRET, URL_PASSWORD]) assert.ok(!dump.includes(secret), `dump leaks ${secret}`);
    assert.match(dump, /^webhook = "<redacted>"/m);
    assert.ok(dump.includes('https://mirror:***@source.example:8443/'));
    assert.ok(dump.includes('https://plain.example/'));
    assert.ok(dump.includes(tokenFile), 'the token file path is shown');
  });

  it('redactedConfig (dump --json) likewise', () => {
    const { tokenFile, loaded } = secretConfig();
    const json = JSON.stringify(redactedConfig(loaded));
    for (const secret of [TOKEN, WEBHOOK_SECRET, URL_PASSWORD]) assert.ok(!json.includes(secret), `json leaks ${secret}`);
    const r = redactedConfig(loaded) as { file: string; config: { notify: { webhook: string }; target: { sources: string[]; token_file: string } } };
    assert.equal(r.config.notify.webhook, '<redacted>');
    assert.equal(r.config.target.sources[0], 'https://mirror:***@source.example:8443/');
    assert.equal(r.config.target.token_file, tokenFile);
    assert.equal(loaded.config.notify.webhook, `https://hc-ping.com/${WEBHOOK_SECRET}`, 'the loaded config itself is untouched');
  });

  it('an unset webhook shows as empty, not as redacted', () => {
    const loaded = load();
    assert.match(dumpConfig(loaded), /^webhook = ""/m);
    assert.equal((redactedConfig(loaded) as { config: { notify: { webhook: string } } }).config.notify.webhook, '');
  });

  it('redactUrl hides only the password', () => {
    assert.equal(redactUrl('https://u:secret@host:8443/x?y=1'), 'https://u:***@host:8443/x?y=1');
    assert.equal(redactUrl('https://host/'), 'https://host/');
    assert.equal(redactUrl('http://:secret@host/'), 'http://:***@host/');
    assert.equal(redactUrl('http://u:p@ss@host/'), 'http://u:***@host/');
  });

  it('redactUrl hides the password of a malformed URL too', () => {
    for (const url of ['http://u:secret@host:badport/', 'http://u:secret@ho st/', 'https://u:secret@[::1/']) {
      const shown = redactUrl(url);
      assert.ok(!shown.includes('secret'), `${url} -> ${shown}`);
      assert.ok(shown.includes('u:***@'), shown);
    }
    assert.equal(redactUrl('not a url'), 'not a url');
  });
});

describe('dumpConfig', () => {
  it('shows every key with its origin, durations in seconds, and [expect]', () => {
    const file = toml('[target]\nkeep = 4\n[expect]\ndybsvn = 2\nsvnsetup = 1\n');
    const dump = dumpConfig(load({ configFile: file, env: { ALTBACKUP_TARGET_RETRIES: '3' }, flags: { 'target.concurrency': '4' } }));
    assert.ok(dump.startsWith(`# config file: ${file}\n`));
    assert.match(dump, /^keep = 4 {2}# file$/m);
    assert.match(dump, /^retries = 3 {2}# env$/m);
    assert.match(dump, /^concurrency = 4 {2}# flag$/m);
    assert.match(dump, /^keep_extracted = 2 {2}# default$/m);
    assert.match(dump, /^connect_timeout = "30s" {2}# default$/m);
    assert.match(dump, /^\[target\]$/m);
    assert.match(dump, /^\[expect\]\n"dybsvn" = 2\n"svnsetup" = 1$/m);
    for (const def of CONFIG_KEYS) assert.match(dump, new RegExp(`^${def.key.split('.').at(-1)} = `, 'm'), def.key);
  });

  it('says when no file was read', () => {
    assert.ok(dumpConfig(load()).startsWith('# config file: (none: built-in defaults)\n'));
  });
});

describe('the key table', () => {
  it('has unique keys, and unique flags within each program', () => {
    assert.equal(new Set(CONFIG_KEYS.map((k) => k.key)).size, CONFIG_KEYS.length);
    for (const program of ['source', 'target'] as const) {
      const flags = CONFIG_KEYS.filter((k) => k.flag && k.programs.includes(program)).map((k) => k.flag);
      assert.equal(new Set(flags).size, flags.length, program);
    }
  });

  it('keyDef finds a key', () => {
    assert.equal(keyDef('target.keep')?.flag, 'keep');
    assert.equal(keyDef('target.nope'), undefined);
  });
});
