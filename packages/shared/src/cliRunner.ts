/**
 * The command-line shape shared by both programs (SPEC section 3):
 *   <program> [options] command [command ...]
 * Commands run in order; a usage error stops the run, any other failure is
 * reported and the remaining commands still run; the exit code is the first
 * non-zero one. The parser only parses: each command's work lives in its own
 * module and receives a CommandContext.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONFIG_KEYS, type Config, type Program } from './configSchema.js';
import { dumpConfig, loadConfig, redactUrl, type LoadedConfig } from './config.js';
import { selectDays, type Day } from './days.js';
import { AltError, ExitCode, exitCodeOf, operatorLine, toAltError } from './errors.js';
import { createLogger, type Logger } from './logger.js';

export interface FlagDef {
  type: 'string' | 'boolean';
  help: string;
  multiple?: boolean;
  /** Shown in help as `--flag VALUE`. */
  value?: string;
}

export interface CommandContext {
  program: ProgramDef;
  command: string;
  loaded: LoadedConfig;
  config: Config;
  log: Logger;
  /** The command's operand, when it takes one (`restore svn/dybsvn`). */
  args?: readonly string[];
  /** Non-config flags: day, since, json, dry-run, and program extras. */
  opts: Record<string, string | boolean | string[] | undefined>;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export interface CommandDef {
  name: string;
  aliases?: readonly string[];
  summary: string;
  /** The word the command takes after its name (`restore FOLDER`), shown in help as this. */
  operand?: string;
  /** Returns the exit code (0 when omitted); throws AltError for failures. */
  run(ctx: CommandContext): Promise<number | void>;
}

export type CommandRun = (ctx: CommandContext) => Promise<number | void>;

/** The days `--day` / `--since` select, on the calendar of the configured timezone. */
export function commandDays(ctx: Pick<CommandContext, 'opts' | 'config'>): Day[] {
  return selectDays({ day: ctx.opts.day as string | undefined, since: ctx.opts.since as string | undefined }, { timezone: ctx.config.timezone });
}

/**
 * A command whose module loads only when it runs: `--help` and the commands
 * an invocation does not name cost neither start-up time nor memory (the
 * network client, SQLite and the HTML report are each sizeable).
 */
export function lazyCommand(meta: Omit<CommandDef, 'run'>, load: () => Promise<{ run: CommandRun }>): CommandDef {
  return { ...meta, run: async (ctx) => (await load()).run(ctx) };
}

export interface ProgramDef {
  name: string;
  /** What `--version` prints after the name: the program's package.json version (packageVersion). */
  version: string;
  program: Program;
  summary: string;
  commands: readonly CommandDef[];
  flags: Record<string, FlagDef>;
}

export const COMMON_FLAGS: Record<string, FlagDef> = {
  config: { type: 'string', value: 'FILE', help: 'TOML configuration file (default $ALTBACKUP_CONFIG, else /etc/altbackup/altbackup.toml if present)' },
  day: { type: 'string', value: 'D', help: 'day to act on: -N (days ago), YYYY/MM/DD or YYYY-MM-DD (default today)' },
  since: { type: 'string', value: 'N', help: 'the last N days, today included' },
  json: { type: 'boolean', help: 'machine-readable output' },
  'dry-run': { type: 'boolean', help: 'show what would be done, change nothing' },
  echo: { type: 'boolean', help: 'alias of --dry-run' },
  help: { type: 'boolean', help: 'this help' },
  version: { type: 'boolean', help: 'print the program name and version, run nothing' },
};

/**
 * The version a program reports: its package's, so that a release bumps one
 * number. `packageJson` is the package.json of the program's package.
 */
export function packageVersion(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

export function findCommand(def: ProgramDef, name: string): CommandDef | undefined {
  return def.commands.find((c) => c.name === name || c.aliases?.includes(name));
}

export function helpText(def: ProgramDef): string {
  const lines = [`${def.name}: ${def.summary}`, '', `usage: ${def.name} [options] command [command ...]`, '', 'commands (run in the order given):'];
  const title = (c: CommandDef) => [c.name, ...(c.aliases ?? [])].join(', ') + (c.operand ? ` ${c.operand}` : '');
  const width = Math.max(...def.commands.map((c) => title(c).length));
  for (const c of def.commands) lines.push(`  ${title(c).padEnd(width)}  ${c.summary}`);
  const opt = (flag: string, value: string | undefined, help: string) => `  --${flag}${value ? ' ' + value : ''}`.padEnd(30) + ' ' + help;
  lines.push('', 'options:');
  for (const [flag, f] of Object.entries({ ...COMMON_FLAGS, ...def.flags })) lines.push(opt(flag, f.value, f.help));
  for (const k of CONFIG_KEYS) {
    if (k.flag && k.programs.includes(def.program)) {
      const value = k.kind === 'bool' ? undefined : k.kind.toUpperCase();
      lines.push(opt(k.flag, value, `${k.help} [${k.key}]`));
    }
  }
  lines.push('', 'Settings come from the config file, then ALTBACKUP_* environment variables', '(e.g. ALTBACKUP_TARGET_KEEP), then flags. Exit codes: 0 ok, 1 failure,', '2 usage or configuration error, 75 another run holds the lock.');
  return lines.join('\n') + '\n';
}

interface Parsed {
  commands: string[];
  opts: Record<string, string | boolean | string[] | undefined>;
  configFlags: Record<string, string | string[] | boolean>;
}

export function parseCommandLine(def: ProgramDef, argv: readonly string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  const flagToKey = new Map<string, string>();
  for (const [flag, f] of Object.entries({ ...COMMON_FLAGS, ...def.flags })) options[flag] = { type: f.type, multiple: f.multiple ?? false };
  for (const k of CONFIG_KEYS) {
    if (!k.flag || !k.programs.includes(def.program)) continue;
    options[k.flag] = { type: k.kind === 'bool' ? 'boolean' : 'string', multiple: k.kind === 'list' || k.kind === 'urls' };
    flagToKey.set(k.flag, k.key);
  }
  // parseArgs refuses `--day -1` as ambiguous, but `-N` is a value here (SPEC: `--day -N`).
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (a.startsWith('--') && options[a.slice(2)]?.type === 'string' && next !== undefined && /^-\d+$/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else {
      args.push(a);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AltError('usage', `${(e as Error).message.split('\n')[0]} (see ${def.name} --help)`);
  }
  const opts: Parsed['opts'] = {};
  const configFlags: Parsed['configFlags'] = {};
  for (const [flag, value] of Object.entries(parsed.values)) {
    const key = flagToKey.get(flag);
    if (key) configFlags[key] = value as string | string[] | boolean;
    else opts[flag] = value as string | boolean | string[];
  }
  if (opts.echo) opts['dry-run'] = true;
  return { commands: parsed.positionals, opts, configFlags };
}

/** The commands named, in order, each with the operand it takes; a usage error for an unknown word. */
function invocationsOf(def: ProgramDef, words: readonly string[]): { command: CommandDef; args: string[] }[] {
  const out: { command: CommandDef; args: string[] }[] = [];
  const unknown: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const command = findCommand(def, words[i]!);
    if (!command) {
      unknown.push(words[i]!);
      continue;
    }
    if (!command.operand) {
      out.push({ command, args: [] });
      continue;
    }
    const operand = words[i + 1];
    if (operand === undefined) throw new AltError('usage', `${command.name} needs ${command.operand} (see ${def.name} --help)`);
    out.push({ command, args: [operand] });
    i++;
  }
  if (unknown.length > 0) throw new AltError('usage', `unknown command ${unknown.map((c) => JSON.stringify(c)).join(', ')} (see ${def.name} --help)`);
  return out;
}

export interface RunIo {
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

export async function runProgram(def: ProgramDef, argv: readonly string[], io: RunIo = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  let parsed: Parsed;
  let loaded: LoadedConfig;
  let invocations: { command: CommandDef; args: string[] }[];
  try {
    parsed = parseCommandLine(def, argv);
    if (parsed.opts.help) {
      out.write(helpText(def));
      return ExitCode.ok;
    }
    if (parsed.opts.version) {
      out.write(`${def.name} ${def.version}\n`);
      return ExitCode.ok;
    }
    if (parsed.commands.length === 0) throw new AltError('usage', `no command given (see ${def.name} --help)`);
    invocations = invocationsOf(def, parsed.commands);
    loaded = loadConfig({ configFile: parsed.opts.config as string | undefined, env: io.env, flags: parsed.configFlags });
  } catch (e) {
    err.write(`${def.name}: ${operatorLine(e)}\n`);
    return exitCodeOf(e);
  }
  const log = createLogger({ level: loaded.config.log_level, file: loaded.config.log_file || undefined, name: def.name });
  let exit: number = ExitCode.ok;
  for (const { command, args } of invocations) {
    log.debug({ command: command.name }, 'command start');
    try {
      const code = (await command.run({ program: def, command: command.name, args, loaded, config: loaded.config, log, opts: parsed.opts, out, err })) ?? 0;
      if (code !== 0 && exit === 0) exit = code;
    } catch (e) {
      err.write(`${def.name} ${command.name}: ${operatorLine(e)}\n`);
      // The operator line above is the stderr report; the log repeats it only
      // when it goes elsewhere (a file), plus the stack when debugging.
      const debugging = loaded.config.log_level === 'debug' || loaded.config.log_level === 'trace';
      if (loaded.config.log_file || debugging) log.error({ command: command.name, code: toAltError(e)?.code, err: debugging ? e : undefined }, operatorLine(e));
      const code = exitCodeOf(e);
      if (exit === 0) exit = code;
      if (code === ExitCode.usage) break;
    }
  }
  log.flush?.();
  return exit;
}

/** The `dump` command, the same for both programs. */
export const dumpCommand: CommandDef = {
  name: 'dump',
  summary: 'print the effective configuration, secrets redacted',
  async run(ctx) {
    ctx.out.write(ctx.opts.json ? JSON.stringify(redactedConfig(ctx.loaded), null, 2) + '\n' : dumpConfig(ctx.loaded));
  },
};

export function redactedConfig(loaded: LoadedConfig): unknown {
  const copy = structuredClone(loaded.config) as unknown as Record<string, Record<string, unknown>>;
  for (const k of CONFIG_KEYS) {
    if (!k.secret) continue;
    const [sec, name] = k.key.split('.') as [string, string];
    if (copy[sec]?.[name]) copy[sec]![name] = '<redacted>';
  }
  copy.target!.sources = (copy.target!.sources as string[]).map(redactUrl);
  return { file: loaded.file, config: copy, origins: loaded.origins };
}

/** Entry point helper for the bin scripts. */
export async function main(def: ProgramDef): Promise<void> {
  const code = await runProgram(def, process.argv.slice(2));
  process.exitCode = code;
}
