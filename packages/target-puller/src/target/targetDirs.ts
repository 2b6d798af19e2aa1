/**
 * Where the target commands read and write: the target root, the ledger and
 * the extraction base, from the configuration.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AltError, isWanted, subfolders, type Config } from '@altbackup/shared';

export function requireTargetRoot(config: Config): string {
  if (!config.target.root) {
    throw new AltError('no-target', 'no target root configured: give --target DIR or set target.root in the config file');
  }
  return resolve(config.target.root);
}

/** The target root of a command that only reads it: it must exist (nothing is created to look at). */
export function requireExistingTargetRoot(config: Config): string {
  const root = requireTargetRoot(config);
  if (!existsSync(root)) throw new AltError('no-target', `target root ${root} does not exist: check target.root / --target`);
  return root;
}

/** `<target>/.altbackup`: the puller's own files (ledger, lock, quarantine, extractions). */
export function stateDirOf(targetRoot: string): string {
  return join(targetRoot, '.altbackup');
}

export function defaultLedgerPath(targetRoot: string): string {
  return join(stateDirOf(targetRoot), 'ledger.sqlite');
}

export function ledgerPathOf(config: Config): string {
  return config.target.ledger ? resolve(config.target.ledger) : defaultLedgerPath(requireTargetRoot(config));
}

/** Where archives are unpacked: config.target.scratch, else `<target>/.altbackup/scratch`. */
export function scratchRootOf(config: Config): string {
  return config.target.scratch ? resolve(config.target.scratch) : join(stateDirOf(requireTargetRoot(config)), 'scratch');
}

/** `<base>`: config.target.base, else `<target>/.altbackup/extracted`. */
export function extractBaseOf(config: Config): string {
  return config.target.base ? resolve(config.target.base) : join(stateDirOf(requireTargetRoot(config)), 'extracted');
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
