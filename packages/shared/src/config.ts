/**
 * Configuration: built-in defaults < TOML file < ALTBACKUP_* environment <
 * flags (SPEC section 3). Every value is checked against CONFIG_KEYS; an
 * unknown key, a wrong type or a bad value is a usage error (exit 2) that
 * names the key and where it came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { CONFIG_KEYS, LOG_LEVELS, envNameOf, keyDef, type Config, type KeyDef } from './configSchema.js';
import { assertTimezone, machineTimezone } from './days.js';
import { reasonOf, AltError } from './errors.js';
import { parseDuration, parseSize } from './humanSize.js';

export const DEFAULT_CONFIG_FILE = '/etc/altbackup/altbackup.toml';

export type Origin = 'default' | 'file' | 'env' | 'flag';

export interface LoadedConfig {
  config: Config;
  /** The file read, or null when none was. */
  file: string | null;
  /** Where each dotted key's value came from. */
  origins: Record<string, Origin>;
}

export interface LoadOptions {
  /** `--config`; else $ALTBACKUP_CONFIG; else DEFAULT_CONFIG_FILE when it exists. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Flag values by dotted key, as strings (lists as string arrays, bools as booleans). */
  flags?: Record<string, string | string[] | boolean>;
  /** For tests: where the default file would be. */
  defaultFile?: string;
}

/** `a, b c` -> [a, b, c]: how lists are written in flags, the environment and query strings. */
export function splitList(s: string): string[] {
  return s.split(/[\s,]+/).filter((x) => x !== '');
}

/** Converts one raw value for `def`; throws a usage error naming `where`. */
function coerce(def: KeyDef, raw: unknown, where: string): unknown {
  const bad = (why: string) => new AltError('bad-config', `${def.key} in ${where}: ${why}`);
  const fromText = typeof raw === 'string';
  switch (def.kind) {
    case 'string':
    case 'path':
      if (typeof raw !== 'string') throw bad('must be a string');
      return raw;
    case 'timezone':
      if (typeof raw !== 'string') throw bad('must be a string');
      if (raw !== '') {
        try { assertTimezone(raw); } catch { throw bad(`unknown timezone ${JSON.stringify(raw)}`); }
      }
      return raw;
    case 'level':
      if (typeof raw !== 'string' || !(LOG_LEVELS as readonly string[]).includes(raw)) throw bad(`must be one of ${LOG_LEVELS.join(', ')}`);
      return raw;
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (fromText && /^(1|true|yes|on)$/i.test(raw as string)) return true;
      if (fromText && /^(0|false|no|off)$/i.test(raw as string)) return false;
      throw bad('must be true or false');
    case 'int': {
      const n = typeof raw === 'number' || typeof raw === 'bigint' ? Number(raw) : fromText && /^-?\d+$/.test((raw as string).trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw bad(`must be a whole number, got ${JSON.stringify(raw)}`);
      if (def.min !== undefined && n < def.min) throw bad(`must be at least ${def.min}`);
      if (def.max !== undefined && n > def.max) throw bad(`must be at most ${def.max}`);
      return n;
    }
    case 'duration': {
      const ms = typeof raw === 'number' ? raw * 1000 : fromText ? parseDuration(raw as string) : null;
      if (ms === null || !Number.isFinite(ms) || ms < 0) throw bad(`must be a duration such as 30s, 5m, 4h or a number of seconds, got ${JSON.stringify(raw)}`);
      if (def.min !== undefined && ms < def.min) throw bad(`must be at least ${def.min} ms`);
      return ms;
    }
    case 'size': {
      const n = typeof raw === 'number' ? raw : fromText ? parseSize(raw as string) : null;
      if (n === null || !Number.isFinite(n) || n < 0) throw bad(`must be a size such as 20M or a number of bytes, got ${JSON.stringify(raw)}`);
      if (def.min !== undefined && n < def.min) throw bad(`must be at least ${def.min} bytes`);
      return Math.round(n);
    }
    case 'list':
    case 'urls': {
      const items = Array.isArray(raw) ? raw : fromText ? splitList(raw as string) : null;
      if (!items || !items.every((x) => typeof x === 'string')) throw bad('must be a list of strings');
      const list = (items as string[]).flatMap(splitList);
      if (def.kind === 'urls') {
        for (const u of list) {
          if (!/^https?:\/\/[^/\s]+/i.test(u) || !URL.canParse(u)) throw bad(`${JSON.stringify(redactUrl(u))} is not an http:// or https:// URL`);
        }
      }
      return list;
    }
  }
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts.at(-1)!] = value;
}

export function getPath(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], obj);
}

function defaults(): { values: Record<string, unknown>; origins: Record<string, Origin> } {
  const values: Record<string, unknown> = { expect: {} };
  const origins: Record<string, Origin> = {};
  for (const def of CONFIG_KEYS) {
    setPath(values, def.key, structuredClone(def.default));
    origins[def.key] = 'default';
  }
  return { values, origins };
}

function applyExpect(values: Record<string, unknown>, raw: unknown, where: string): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AltError('bad-config', `expect in ${where}: must be a table of name = count`);
  }
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(raw)) {
    const count = typeof n === 'bigint' ? Number(n) : n;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw new AltError('bad-config', `expect.${name} in ${where}: must be a whole number of tarballs per day`);
    }
    out[name] = count;
  }
  values.expect = out;
}

function walkToml(table: Record<string, unknown>, prefix: string, file: string, values: Record<string, unknown>, origins: Record<string, Origin>): void {
  for (const [k, v] of Object.entries(table)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key === 'expect') {
      applyExpect(values, v, file);
      origins.expect = 'file';
      continue;
    }
    const def = keyDef(key);
    if (def) {
      setPath(values, key, coerce(def, v, file));
      origins[key] = 'file';
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && CONFIG_KEYS.some((d) => d.key.startsWith(key + '.'))) {
      walkToml(v as Record<string, unknown>, key, file, values, origins);
    } else {
      throw new AltError('bad-config', `unknown key ${JSON.stringify(key)} in ${file}`);
    }
  }
}

export function chooseConfigFile(opts: LoadOptions): string | null {
  const env = opts.env ?? process.env;
  if (opts.configFile) return resolve(opts.configFile);
  if (env.ALTBACKUP_CONFIG) return resolve(env.ALTBACKUP_CONFIG);
  const def = opts.defaultFile ?? DEFAULT_CONFIG_FILE;
  return existsSync(def) ? def : null;
}

export function loadConfig(opts: LoadOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const { values, origins } = defaults();
  const file = chooseConfigFile(opts);
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new AltError('config-unreadable', `cannot read config file ${file}: ${reasonOf(e)}`);
    }
    let table: Record<string, unknown>;
    try {
      table = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      const first = String((e as Error).message).split('\n')[0];
      throw new AltError('bad-config', `${file} is not valid TOML: ${first}`);
    }
    walkToml(table, '', file, values, origins);
  }
  for (const def of CONFIG_KEYS) {
    const name = envNameOf(def.key);
    const raw = env[name];
    if (raw !== undefined) {
      setPath(values, def.key, coerce(def, raw, `environment variable ${name}`));
      origins[def.key] = 'env';
    }
  }
  for (const [key, raw] of Object.entries(opts.flags ?? {})) {
    const def = keyDef(key);
    if (!def) throw new AltError('bad-flag', `no configuration key ${key}`);
    const flag = `--${def.flag ?? key}`;
    const value = Array.isArray(raw) && def.kind !== 'list' && def.kind !== 'urls' ? raw.at(-1) : raw;
    setPath(values, key, coerce(def, value, flag));
    origins[key] = 'flag';
  }
  const config = values as unknown as Config;
  if (config.timezone === '') config.timezone = machineTimezone();
  return { config, file, origins };
}

/** Hides passwords in URLs (`https://u:secret@host` -> `https://u:***@host`). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // A malformed URL (bad port, space in host) may still carry a password.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):.*@/i, '$1:***@');
  }
}

/**
 * The effective configuration as TOML-like lines with each value's origin;
 * secrets show only whether they are set.
 */
export function dumpConfig(loaded: LoadedConfig): string {
  const lines: string[] = [`# config file: ${loaded.file ?? '(none: built-in defaults)'}`];
  let section = '';
  const show = (def: KeyDef, v: unknown): string => {
    if (def.secret) return v === '' ? '""' : '"<redacted>"';
    if (def.key === 'target.sources') return JSON.stringify((v as string[]).map(redactUrl));
    if (def.kind === 'duration') return JSON.stringify(`${(v as number) / 1000}s`);
    return JSON.stringify(v);
  };
  for (const def of CONFIG_KEYS) {
    const parts = def.key.split('.');
    const sec = parts.length > 1 ? parts[0]! : '';
    if (sec !== section) {
      section = sec;
      lines.push('', `[${sec}]`);
    }
    lines.push(`${parts.at(-1)} = ${show(def, getPath(loaded.config, def.key))}  # ${loaded.origins[def.key]}`);
  }
  lines.push('', '[expect]');
  for (const [name, n] of Object.entries(loaded.config.expect)) lines.push(`${JSON.stringify(name)} = ${n}`);
  return lines.join('\n') + '\n';
}
