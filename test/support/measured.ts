/**
 * The target CLI run as the hostile-source tests need it: under
 * `/usr/bin/time -v`, so each run reports its peak RSS, and optionally with
 * its target root on a small tmpfs of its own (a mount namespace made by
 * `unshare`), so a free-space refusal is real without filling the disk.
 */
import { spawn } from 'node:child_process';
import { cleanEnv, TARGET_CLI, type CliResult, type RunOptions } from './processes.js';

export interface MeasuredResult extends CliResult {
  /** Peak resident set size of the CLI process, in KiB, as /usr/bin/time saw it. */
  maxRssKb: number;
}

export interface MeasureOptions extends RunOptions {
  /** Mount a tmpfs of `bytes` on `dir` for this run only (the test's process never sees it). */
  smallFs?: { dir: string; bytes: number };
}

/** Splits /usr/bin/time's report off the program's own stderr. */
function splitTimeReport(stderr: string): { own: string; maxRssKb: number } {
  const at = stderr.lastIndexOf('\tCommand being timed:');
  const report = at >= 0 ? stderr.slice(at) : '';
  const own = (at >= 0 ? stderr.slice(0, at) : stderr).replace(/^Command (exited with non-zero status \d+|terminated by signal \d+)\n/m, '');
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  if (!m) throw new Error(`no /usr/bin/time report in stderr:\n${stderr}`);
  return { own, maxRssKb: Number(m[1]) };
}

export function runTargetMeasured(args: readonly string[], opts: MeasureOptions = {}): Promise<MeasuredResult> {
  const timed = ['/usr/bin/time', '-v', process.execPath, TARGET_CLI, ...args];
  const argv = opts.smallFs
    ? ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o size="$1" tmpfs "$2" && shift 2 && exec "$@"', 'sh', String(opts.smallFs.bytes), opts.smallFs.dir, ...timed]
    : timed;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: cleanEnv(opts.env), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        const { own, maxRssKb } = splitTimeReport(stderr);
        resolve({ code, signal, stdout, stderr: own, ms: Date.now() - started, maxRssKb });
      } catch (e) {
        reject(e);
      }
    });
  });
}
