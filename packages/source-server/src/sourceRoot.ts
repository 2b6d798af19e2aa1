/** The configured backup root of the source node, checked before any command uses it. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { reasonOf, AltError, type Config } from '@altbackup/shared';

export function requireRoot(config: Config): string {
  if (!config.source.root) throw new AltError('no-root', 'no backup root: give --root DIR or set source.root in the config file');
  const root = resolve(config.source.root);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch (e) {
    throw new AltError('bad-root', `backup root ${root} cannot be read (${reasonOf(e)}): check --root / source.root`);
  }
  if (!isDir) throw new AltError('bad-root', `backup root ${root} is not a folder: check --root / source.root`);
  return root;
}
