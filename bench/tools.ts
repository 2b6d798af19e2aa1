/**
 * The comparison tools the bench measures altbackup against, installed from
 * Debian when missing so that a fresh machine can run `npm run bench`.
 */
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

interface Tool {
  /** Absolute path of the binary the bench runs. */
  bin: string;
  /** Debian package that provides it. */
  pkg: string;
}

export const TOOLS: readonly Tool[] = [
  { bin: '/usr/sbin/nginx', pkg: 'nginx' },
  { bin: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { bin: '/usr/bin/ssh', pkg: 'openssh-client' },
  { bin: '/usr/bin/scp', pkg: 'openssh-client' },
  { bin: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { bin: '/usr/lib/openssh/sftp-server', pkg: 'openssh-sftp-server' },
  { bin: '/usr/bin/rsync', pkg: 'rsync' },
  { bin: '/usr/bin/curl', pkg: 'curl' },
  { bin: '/usr/bin/aria2c', pkg: 'aria2' },
  { bin: '/usr/bin/time', pkg: 'time' },
  { bin: '/usr/bin/md5sum', pkg: 'coreutils' },
  { bin: '/usr/bin/tar', pkg: 'tar' },
];

/** Packages whose binaries are absent, each once. */
export function missingPackages(tools: readonly Tool[] = TOOLS, exists: (p: string) => boolean = existsSync): string[] {
  return [...new Set(tools.filter((t) => !exists(t.bin)).map((t) => t.pkg))];
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}): install the packages by hand, then rerun the bench`);
}

/**
 * Installs what is missing with apt-get (the bench runs as root). Installing
 * a server package must not start it on a public port: Debian's
 * policy-rc.d convention (exit 101) keeps the services stopped.
 */
export function ensureTools(log: (line: string) => void): void {
  const pkgs = missingPackages();
  if (pkgs.length === 0) return;
  log(`installing comparison tools from Debian: ${pkgs.join(' ')}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) {
    writeFileSync(policy, '#!/bin/sh\n# written by altbackup bench/tools.ts while installing\nexit 101\n');
    chmodSync(policy, 0o755);
  }
  try {
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(' ')}`);
}
