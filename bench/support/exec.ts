/**
 * Child processes for the bench: every tool, altbackup's CLIs included, runs
 * as a real process and is timed from spawn to exit with the monotonic clock.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { benchEnv } from '#test/support/processes.js';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child after this long: a stuck tool must not hang the bench. */
  timeoutMs?: number;
}

/** Keeps the tail of a stream: logs of a 2 GiB transfer must not fill memory. */
function tail(text: string, max = 64 * 1024): string {
  return text.length > max ? text.slice(text.length - max) : text;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs a command to completion; never rejects for a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(cmd, args, { env: benchEnv(opts.env), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout = tail(stdout + d); });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = tail(stderr + d); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: nowMs() - started });
    });
  });
}

/** Like run, but a non-zero exit is an error carrying the tool's stderr. */
export async function runOk(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<Ran> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}: ${lastLines(r.stderr || r.stdout)}`);
  }
  return r;
}

/**
 * Flushes every dirty page before a timed command: a command that ran before
 * it may leave gigabytes for the kernel to write back, and whichever command
 * runs next would pay for them. Each timed command starts level.
 */
export async function settleDisk(): Promise<void> {
  await runOk('sync', []);
}

export function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

export interface TimedRss extends Ran {
  /** Peak resident set size in bytes as GNU time reports it. */
  maxRssBytes: number | null;
  /** CPU seconds in user and kernel mode, as GNU time reports them. */
  cpu: { user: number; sys: number } | null;
}

/**
 * Runs under GNU `/usr/bin/time -v`, its report written to a side file so the
 * tool's own stderr stays clean.
 */
export async function runWithRss(cmd: string, args: readonly string[], reportFile: string, opts: ExecOptions = {}): Promise<TimedRss> {
  const r = await run('/usr/bin/time', ['-v', '-o', reportFile, cmd, ...args], opts);
  let report = '';
  try {
    report = await readFile(reportFile, 'utf8');
  } catch {
    report = '';
  }
  await rm(reportFile, { force: true });
  return { ...r, maxRssBytes: parseMaxRss(report), cpu: parseCpu(report) };
}

/** `User time (seconds): 3.8` and `System time (seconds): 1.7` -> seconds. */
export function parseCpu(report: string): { user: number; sys: number } | null {
  const user = /User time \(seconds\):\s*([\d.]+)/.exec(report);
  const sys = /System time \(seconds\):\s*([\d.]+)/.exec(report);
  return user && sys ? { user: Number(user[1]), sys: Number(sys[1]) } : null;
}

/** `Maximum resident set size (kbytes): 51234` -> bytes. */
export function parseMaxRss(report: string): number | null {
  const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report);
  return m ? Number(m[1]) * 1024 : null;
}

/** Starts a long-running child; the caller registers its stop with the cleanup. */
export function start(cmd: string, args: readonly string[], opts: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts, env: benchEnv(opts.env) });
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the child is gone. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.kill('SIGTERM');
  });
}
