/**
 * altbackup's own CLIs as the bench runs them: real child processes, the
 * default (empty) configuration, flags only. A command that is not built yet
 * makes its scenario say "not available" instead of failing the bench.
 */
import { readFile } from 'node:fs/promises';
import { TARGET_BIN, startSource, type RunningServer } from '#test/support/processes.js';
import type { BenchContext } from './context.js';
import { lastLines, run, runWithRss, type ExecOptions, type Ran, type TimedRss } from './exec.js';

/** Why an altbackup figure is missing: the tool is not there yet, or it failed. */
export class Unavailable extends Error {
  constructor(readonly kind: 'not available' | 'failed', why: string) {
    super(why);
  }
}

/** Classifies a failed altbackup run: a scaffold's not-implemented is "not available". */
export function unavailableFrom(what: string, r: Pick<Ran, 'code' | 'signal' | 'stderr' | 'stdout'>): Unavailable {
  const text = crashLine(r.stderr) ?? (lastLines(r.stderr || r.stdout, 2) || `exit ${r.code ?? r.signal}`);
  const kind = /not[ -]implemented/i.test(r.stderr + r.stdout) ? 'not available' : 'failed';
  // The CLIs already name themselves in their one operator line.
  return new Unavailable(kind, text.startsWith(what) ? text : `${what}: ${text}`);
}

/** An uncaught exception ends with Node's version banner: its error line says more than the tail. */
export function crashLine(stderr: string): string | null {
  if (!/^Node\.js v\d+/m.test(stderr)) return null;
  return stderr.split('\n').find((l) => /^\w*Error\b|^\s*(code|errno):/.test(l.trim()))?.trim() ?? null;
}

/** altbackup runs as operators run it: through its installed command, with its node flags. */
export function target(args: readonly string[], opts?: ExecOptions): Promise<Ran> {
  return run(TARGET_BIN, args, opts);
}

export function targetWithRss(args: readonly string[], reportFile: string, opts?: ExecOptions): Promise<TimedRss> {
  return runWithRss(TARGET_BIN, args, reportFile, opts);
}

/** `altbackup <cmd> ...` that must exit 0, or the scenario reports why not. */
export async function targetOk(what: string, args: readonly string[], opts?: ExecOptions): Promise<Ran> {
  const r = await target(args, opts);
  if (r.code !== 0) throw unavailableFrom(what, r);
  return r;
}

export interface SourceServer extends RunningServer {
  /** Peak RSS so far (VmHWM of the server process), bytes. */
  peakRss(): Promise<number | null>;
  fileUrl(rel: string): string;
}

export async function startAltSource(root: string, extra: readonly string[] = []): Promise<SourceServer> {
  let server: RunningServer;
  try {
    server = await startSource(['--root', root, ...extra], { timeoutMs: 60_000 });
  } catch (e) {
    const msg = (e as Error).message;
    const stderr = /stderr: ([\s\S]*)$/.exec(msg)?.[1] ?? msg;
    throw unavailableFrom('altbackup-source serve', { code: 1, signal: null, stderr, stdout: '' });
  }
  return {
    ...server,
    peakRss: () => vmHwm(server.child.pid),
    fileUrl: (rel) => `${server.url}/v1/files/${rel}`,
  };
}

/** Adds the server's peak RSS so far to the figures measure 7 reports. */
export async function recordServerPeak(ctx: Pick<BenchContext, 'rss'>, server: SourceServer, during: string): Promise<void> {
  const bytes = await server.peakRss();
  if (bytes !== null) ctx.rss.server.push({ during, bytes });
}

/** Peak resident set size of a live process from /proc/<pid>/status, bytes. */
export async function vmHwm(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export { TARGET_BIN };
