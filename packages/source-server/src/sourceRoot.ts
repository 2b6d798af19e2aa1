/** The configured backup root of the source node, checked before any command uses it. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { reasonOf, usageError, type Config } from '@altbackup/shared';

export function requireRoot(config: Config): string {
  if (!config.source.root) throw usageError('no-root', 'no backup root: give --root DIR or set source.root in the config file');
  const root = resolve(config.source.root);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch (e) {
    throw usageError('bad-root', `backup root ${root} cannot be read (${reasonOf(e)}): check --root / source.root`);
  }
  if (!isDir) throw usageError('bad-root', `backup root ${root} is not a folder: check --root / source.root`);
  return root;
}
