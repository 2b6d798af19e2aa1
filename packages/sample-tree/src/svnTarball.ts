/**
 * The svn tarballs of the site (`hot-backup.py --archive-type=gz`):
 * `<repo>-<rev>.tar.gz` holding one top folder `<repo>-<rev>/`.
 */
import { intIn, mulberry32, randomBytesFrom, seedFrom, uuidFrom } from './prng.js';
import { dirs, type Member } from './tarGz.js';

export function svnMembers(repo: string, rev: number, day: string, seed: string, mtime: Date): Member[] {
  const rng = mulberry32(seedFrom(seed, 'svn', repo, day));
  const top = `${repo}-${rev}`;
  const lines = ['SVN-fs-dump-format-version: 2', '', `UUID: ${uuidFrom(seedFrom(seed, 'uuid', repo))}`, ''];
  for (let r = Math.max(0, rev - 3); r <= rev; r++) {
    const log = `sample commit r${r}`;
    const props = `K 7\nsvn:log\nV ${log.length}\n${log}\nK 10\nsvn:author\nV 5\nadmin\nPROPS-END\n`;
    lines.push(`Revision-number: ${r}`, `Prop-content-length: ${props.length}`, `Content-length: ${props.length}`, '', props);
    const path = `trunk/file${intIn(rng, 1, 40)}.txt`;
    const text = `content of ${path} at r${r}\n`;
    lines.push(
      `Node-path: ${path}`, 'Node-kind: file', 'Node-action: change',
      `Text-content-length: ${text.length}`, `Content-length: ${text.length}`, '', text,
    );
  }
  return [
    ...dirs([top, `${top}/db`], mtime),
    { name: `${top}/dump.svn`, data: lines.join('\n'), mtime },
    { name: `${top}/db/rev-${rev}.bin`, data: randomBytesFrom(seedFrom(seed, 'svnbin', repo, day), intIn(rng, 4096, 12288)), mtime },
  ];
}
