/**
 * Where the target commands read and write: the target root, the ledger and
 * the extraction base, from the configuration.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isSegment, isWanted, usageError, type Config } from '@altbackup/shared';
import { defaultLedgerPath } from '../ledger/ledger.js';

export function requireTargetRoot(config: Config): string {
  if (!config.target.root) {
    throw usageError('no-target', 'no target root configured: give --target DIR or set target.root in the config file');
  }
  return resolve(config.target.root);
}

export function ledgerPathOf(config: Config): string {
  return config.target.ledger ? resolve(config.target.ledger) : defaultLedgerPath(requireTargetRoot(config));
}

/** `<base>`: config.target.base, else `<target>/.altbackup/extracted`. */
export function extractBaseOf(config: Config): string {
  return config.target.base ? resolve(config.target.base) : join(requireTargetRoot(config), '.altbackup', 'extracted');
}

/** Real sub-folders (symlinks excluded) with layout-safe names, sorted; none when `dir` is missing. */
export async function subfolders(dir: string): Promise<string[]> {
  try {
    const ents = await readdir(dir, { withFileTypes: true });
    return ents.filter((e) => e.isDirectory() && isSegment(e.name)).map((e) => e.name).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw e;
  }
}

/**
 * The Trac instances to act on: folders under `tracs/` of any of `roots`
 * whose tarball name `<name>.tar.gz` is wanted (an empty wanted list: all).
 */
export async function wantedTracs(roots: readonly string[], wanted: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const root of roots) for (const n of await subfolders(join(root, 'tracs'))) names.add(n);
  return [...names].filter((n) => isWanted(`${n}.tar.gz`, wanted)).sort();
}
