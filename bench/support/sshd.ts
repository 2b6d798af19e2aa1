/**
 * A throwaway OpenSSH server on 127.0.0.1 for the scp and rsync comparisons:
 * its own host key, an ed25519 client key and authorized_keys, all in a temp
 * dir; run in the foreground so stopping the child stops it.
 */
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { runOk, stopChild } from './exec.js';
import { freePort, startListening } from './ports.js';

export interface Sshd {
  port: number;
  child: ChildProcess;
  /** Options for ssh/scp (`-P` is scp's port flag, so the port is separate). */
  clientOptions: string[];
  /** `ssh ...` command line for `rsync -e`. */
  rsyncShell: string;
  /** `root@127.0.0.1` (the bench runs as root; the user is whoever runs it). */
  login: string;
  stop(): Promise<void>;
}

export function sshdConfig(o: { port: number; dir: string }): string {
  return [
    `Port ${o.port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(o.dir, 'host_ed25519')}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(o.dir, 'authorized_keys')}`,
    // The temp dir is not a home dir with the ownership sshd insists on.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

export async function startSshd(dir: string): Promise<Sshd> {
  await mkdir(dir, { recursive: true });
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  await runOk('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  await runOk('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(clientKey + '.pub'));
  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  await writeFile(cfg, sshdConfig({ port, dir }));
  const child = await startListening('sshd', port, '/usr/sbin/sshd', ['-D', '-e', '-f', cfg]);
  const user = process.env.USER ?? 'root';
  const clientOptions = [
    '-i', clientKey,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
  ];
  return {
    port,
    child,
    clientOptions,
    rsyncShell: ['ssh', '-p', String(port), ...clientOptions].join(' '),
    login: `${user}@127.0.0.1`,
    stop: () => stopChild(child),
  };
}
