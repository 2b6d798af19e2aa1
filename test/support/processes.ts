/**
 * Real processes for cross-package tests: the source server and both CLIs
 * run as children, exactly as an operator would run them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file runs from test/dist/support). */
export const REPO = resolve(here, '../../..');
export const SOURCE_CLI = resolve(REPO, 'packages/source-server/dist/cli.js');
export const TARGET_CLI = resolve(REPO, 'packages/target-puller/dist/cli.js');
/** The `altbackup` command as installed (a wrapper that starts node with the flags it needs). */
export const TARGET_BIN = resolve(REPO, 'packages/target-puller/bin/altbackup');
/** The `altbackup-source` command as installed. */
export const SOURCE_BIN = resolve(REPO, 'packages/source-server/bin/altbackup-source');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child after this long (the test fails rather than hangs). */
  timeoutMs?: number;
  input?: string;
}

/**
 * Environment for children: no inherited ALTBACKUP_* settings, no system
 * config file, and a free-space margin that fits the small files tests
 * write (the production default of 2 GiB would make the suite depend on the
 * machine's disk; the free-space rule has tests of its own). The bench runs
 * its children so, with every other default as shipped.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ALTBACKUP_')) env[k] = v;
  env.ALTBACKUP_CONFIG = extra.ALTBACKUP_CONFIG ?? '/dev/null';
  env.ALTBACKUP_TARGET_MIN_FREE = '16M';
  return { ...env, ...extra };
}

/**
 * benchEnv, and every stream of a segmented pull opened at once: loopback is
 * fast, so a file's first stream would keep it and no test would see several
 * streams (test/pullStreams.test.ts times the first stream under its own
 * setting).
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return benchEnv({ ALTBACKUP_TARGET_ONE_STREAM_RATE: '0', ...extra });
}

export function runNode(script: string, args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  return runCommand(process.execPath, [script, ...args], opts);
}

/** Runs an installed command (e.g. the packaged /usr/bin/altbackup) the way runNode runs a script. */
export function runCommand(command: string, args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: cleanEnv(opts.env), cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function runTarget(args: readonly string[], opts?: RunOptions): Promise<CliResult> {
  return runNode(TARGET_CLI, args, opts);
}

export function runSource(args: readonly string[], opts?: RunOptions): Promise<CliResult> {
  return runNode(SOURCE_CLI, args, opts);
}

export interface RunningServer {
  url: string;
  port: number;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `altbackup-source serve` on 127.0.0.1 with an ephemeral port and
 * resolves once it prints `listening on <url>` on stdout.
 */
export function startSource(args: readonly string[], opts: RunOptions & { command?: string } = {}): Promise<RunningServer> {
  // `command`: an installed altbackup-source instead of this checkout's build.
  const [command, first] = opts.command ? [opts.command, []] : [process.execPath, [SOURCE_CLI]];
  const child = spawn(command, [...first, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: cleanEnv(opts.env), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`source server did not start within ${opts.timeoutMs ?? 20_000} ms\nstdout: ${out}\nstderr: ${err}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`source server exited with ${code} before listening\nstdout: ${out}\nstderr: ${err}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        const url = m[1]!.replace(/\/$/, '');
        resolvePromise({
          url,
          port: Number(new URL(url).port),
          child,
          stdout: () => out,
          stderr: () => err,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', (code) => { clearTimeout(kill); done(code); });
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}
