/**
 * The plain file trees of the site: the `svnsetup` config folder (apache,
 * authz, htdigest, hooks) and the LOCKED copy of the `env` repository's
 * metadata, which no purge may touch.
 */
import { intIn, mulberry32, randomBytesFrom, seedFrom, uuidFrom } from './prng.js';
import { dirs, type Member } from './tarGz.js';

/** The site's Subversion accounts: the authz group, and the authors of the sample commits. */
export const SVN_USERS: readonly string[] = ['admin', 'lin', 'dev', 'wei', 'dwm'];

export function svnsetupMembers(day: string, seed: string, mtime: Date): Member[] {
  const rng = mulberry32(seedFrom(seed, 'svnsetup', day));
  const digest = SVN_USERS.map((u) => `${u}:dyb:${randomBytesFrom(seedFrom(seed, 'htdigest', u), 16).toString('hex')}`).join('\n');
  const authz = ['[groups]', `dyb = ${SVN_USERS.join(', ')}`, '', '[dybsvn:/]', '@dyb = rw', '* = r', '', '[dybaux:/]', '@dyb = rw', ''].join('\n');
  const conf = [
    '<Location /repos>', '  DAV svn', '  SVNParentPath /var/scm/repos',
    '  AuthzSVNAccessFile /etc/svnsetup/authz.conf', '  AuthType Digest', '  Require valid-user', '</Location>', '',
  ].join('\n');
  const hook = `#!/bin/sh\n# post-commit ${intIn(rng, 1, 9999)}\nREPOS="$1"\nREV="$2"\nexit 0\n`;
  return [
    ...dirs(['svnsetup', 'svnsetup/apache2', 'svnsetup/hooks'], mtime),
    { name: 'svnsetup/apache2/svn.conf', data: conf, mtime },
    { name: 'svnsetup/authz.conf', data: authz, mtime },
    { name: 'svnsetup/users.htdigest', data: `${digest}\n`, mtime, mode: 0o600 },
    { name: 'svnsetup/hooks/post-commit', data: hook, mtime, mode: 0o755 },
    { name: 'svnsetup/notes.txt', data: randomBytesFrom(seedFrom(seed, 'svnsetupnotes', day), 1024).toString('base64'), mtime },
  ];
}

export function reposMembers(day: string, seed: string, rev: number, mtime: Date): Member[] {
  return [
    ...dirs(['env', 'env/db', 'env/conf'], mtime),
    { name: 'env/format', data: '5\n', mtime },
    { name: 'env/db/current', data: `${rev}\n`, mtime },
    { name: 'env/db/uuid', data: `${uuidFrom(seedFrom(seed, 'uuid', 'env'))}\n`, mtime },
    { name: 'env/conf/svnserve.conf', data: '[general]\nanon-access = none\n', mtime },
    { name: 'env/README.txt', data: `LOCKED copy of env, ${day}\n`, mtime },
  ];
}
