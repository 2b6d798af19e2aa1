/**
 * Fixtures for the cross-process pull tests: small source trees of seeded
 * random tarballs, a real `altbackup-source serve` (optionally behind the
 * fault proxy), `altbackup pull` with tiny timeouts, and checks of what the
 * target holds afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { formatDna, formatTarballPath } from '@altbackup/shared';
import { DAY, filesBelow, md5Of, md5OfFile, tempDir, waitFor } from '@altbackup/shared/testing';
import { TARGET_CLI, cleanEnv, runTarget, startSource, type CliResult, type RunningServer } from './processes.js';
import { randomBytesFrom, seedFrom } from '@altbackup/sample-tree';
import { startFaultProxy, type FaultFn, type FaultProxy, type RequestLog } from './faultProxy.js';
import { waitListed } from './waitListed.js';

export interface SourceFile {
  path: string;
  size: number;
  md5: string;
}

/**
 * Writes a tarball and its canonical sidecar the way the backup job does:
 * tarball first (via a temp name), sidecar last.
 */
export function writeSourceTarball(root: string, path: string, size: number, seed: string | number = path): SourceFile {
  const data = randomBytesFrom(seedFrom('pull', seed), size);
  const abs = join(root, path);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs + '.tmp', data);
  renameSync(abs + '.tmp', abs);
  const md5 = md5Of(data);
  writeFileSync(abs + '.dna.tmp', formatDna({ dig: md5, size }));
  renameSync(abs + '.dna.tmp', abs + '.dna');
  return { path, size, md5 };
}

export function tarballPath(subfold: string, name: string, day = DAY, catfold = 'svn'): string {
  return formatTarballPath({ catfold, subfold, day, time: '104701', name });
}

/** Timeouts and backoff small enough that every fault costs well under a second. */
export const FAST = [
  '--idle-timeout', '500ms', '--header-timeout', '500ms', '--connect-timeout', '500ms',
  '--retry-min-delay', '20ms', '--retry-max-delay', '100ms', '--timezone', 'UTC',
];

/** The fault and hostile-source tests run once per count: one stream, and several (every file segmented). */
export const STREAM_COUNTS = [1, 4] as const;

/** Flags for `n` streams per file; with more than one, even a small file is fetched in segments. */
export function streamFlags(n: number): string[] {
  return n === 1 ? ['--streams', '1'] : ['--streams', String(n), '--stream-min-size', '1'];
}

export interface Rig {
  src: string;
  dst: string;
  server: RunningServer;
  proxy: FaultProxy;
  /** URL the puller uses (the proxy). */
  url: string;
  /**
   * Resolves once the server lists every complete tarball now in `src`: the
   * catalog notices new files on its next rescan, and a pull started before
   * that would rightly find nothing to do.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Complete tarballs (sidecar present) under a source root. */
function completeUnder(src: string): string[] {
  return filesUnder(src).filter((f) => f.endsWith('.tar.gz') && existsSync(join(src, f + '.dna')));
}

/** A source tree, the real server on it, and the fault proxy in front. */
export async function startRig(fault?: FaultFn, serverArgs: string[] = []): Promise<Rig> {
  const src = tempDir('pull-src');
  const dst = tempDir('pull-dst');
  const server = await startSource(['--root', src, '--timezone', 'UTC', '--rescan-interval', '100ms', ...serverArgs]);
  const proxy = await startFaultProxy({ upstream: server.url, fault });
  const tokenFlag = serverArgs.indexOf('--token-file');
  const token = tokenFlag >= 0 ? readFileSync(serverArgs[tokenFlag + 1]!, 'utf8').trim() : null;
  return {
    src, dst, server, proxy, url: proxy.url,
    settle: () => waitListed(server.url, () => completeUnder(src), { token }),
    async close() {
      await proxy.close();
      await server.stop();
      rmSync(src, { recursive: true, force: true });
      rmSync(dst, { recursive: true, force: true });
    },
  };
}

/**
 * A `startRig` for one test file: call it at the file's top level; every rig
 * it starts is closed by the `after` hook it registers there.
 */
export function rigPool(): (...args: Parameters<typeof startRig>) => Promise<Rig> {
  const rigs: Rig[] = [];
  after(async () => {
    for (const r of rigs.splice(0)) await r.close();
  });
  return async (...args) => {
    const r = await startRig(...args);
    rigs.push(r);
    return r;
  };
}

export function pullArgs(rig: Pick<Rig, 'dst' | 'url'>, extra: string[] = []): string[] {
  return ['pull', '--target', rig.dst, '--source', rig.url, '--day', DAY, ...FAST, '--deadline', '20s', ...extra];
}

export async function pull(rig: Pick<Rig, 'dst' | 'url'> & Partial<Pick<Rig, 'settle'>>, extra: string[] = [], timeoutMs = 60_000): Promise<CliResult> {
  await rig.settle?.();
  return runTarget(pullArgs(rig, extra), { timeoutMs });
}

/** `altbackup pull` as a child the test can watch and kill. */
export function spawnPull(args: string[]): ChildProcess {
  return spawn(process.execPath, [TARGET_CLI, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts a pull with `args` and kills it with SIGKILL as soon as `ready`
 * holds (within 30 s): the cut the resume tests start from. The pull is
 * killed even when `ready` never comes.
 */
export async function killPullWhen(args: string[], what: string, ready: () => boolean): Promise<void> {
  const child = spawnPull(args);
  try {
    await waitFor(what, ready, 30_000);
  } finally {
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** The file requests (tarball bodies) the proxy saw for one path. */
export function bodyRequests(proxy: FaultProxy, path: string): RequestLog[] {
  return proxy.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/files/') && r.url.endsWith(path.split('/').pop()!));
}

export function bytesSent(proxy: FaultProxy, path: string): number {
  return bodyRequests(proxy, path).reduce((n, r) => n + r.bytesSent, 0);
}

/** Every file under root, relative, sorted; the ledger's own files left out. */
export function filesUnder(root: string): string[] {
  return filesBelow(root).filter((f) => !/^\.altbackup\/ledger\.sqlite(-wal|-shm)?$/.test(f));
}

/** The target holds exactly these tarballs, each byte-identical to the source with its sidecar. */
export function assertMirror(src: string, dst: string, files: readonly SourceFile[], extra: string[] = []): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const abs = join(dst, f.path);
    if (!existsSync(abs)) { problems.push(`${f.path}: missing`); continue; }
    if (md5OfFile(abs) !== f.md5) problems.push(`${f.path}: md5 differs`);
    if (!existsSync(abs + '.dna') || readFileSync(abs + '.dna', 'utf8') !== readFileSync(join(src, f.path + '.dna'), 'utf8')) problems.push(`${f.path}: sidecar differs`);
  }
  const expected = [...files.flatMap((f) => [f.path, f.path + '.dna']), ...extra].sort();
  const actual = filesUnder(dst);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`files: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
  return problems;
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
