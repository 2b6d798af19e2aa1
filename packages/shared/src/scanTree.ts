/**
 * Walks a backup root and reports every layout-conforming tarball with what
 * lies beside it (sidecar, `.part`). Symlinks are never followed and anything
 * off the layout is skipped, so callers cannot act on files outside the tree.
 * A day filter prunes the walk to the YYYY/MM/DD folders asked for.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isAbsent } from './fsQuiet.js';
import {
  DNA_SUFFIX, PART_SUFFIX, TARBALL_SUFFIX, isDateChainName, isSegment, parseTarballPath, type TarballRef,
} from './layout.js';

export interface FoundTarball extends TarballRef {
  /** Absolute path of the final name (which may not exist when only a `.part` does). */
  abs: string;
  /** Whether `<name>.tar.gz` itself exists. */
  exists: boolean;
  size: number;
  mtimeMs: number;
  ino: number;
  hasSidecar: boolean;
  /** Size of `<name>.tar.gz.part` when one exists. */
  partSize: number | null;
}

export interface ScanFilter {
  days?: ReadonlySet<string>;
  catfolds?: ReadonlySet<string>;
  /** Include tarballs known only by their `.part` (target side). */
  includePartOnly?: boolean;
}

/** Real sub-folders (symlinks excluded) with layout-safe names, sorted; none when `abs` is missing. */
export async function subfolders(abs: string): Promise<string[]> {
  try {
    const ents = await readdir(abs, { withFileTypes: true });
    return ents.filter((e) => e.isDirectory() && isSegment(e.name)).map((e) => e.name).sort();
  } catch (e) {
    if (isAbsent(e)) return [];
    throw e;
  }
}

/** The leaf folders `<catfold>/<subfold>/YYYY/MM/DD/HHMMSS` under root, in lexical order. */
export async function leafFolders(root: string, filter: ScanFilter = {}): Promise<string[]> {
  const out: string[] = [];
  for (const cat of await subfolders(root)) {
    if (filter.catfolds && !filter.catfolds.has(cat)) continue;
    for (const sub of await subfolders(join(root, cat))) {
      const base = `${cat}/${sub}`;
      for (const y of await subfolders(join(root, base))) {
        if (!isDateChainName(1, y)) continue;
        for (const m of await subfolders(join(root, base, y))) {
          if (!isDateChainName(2, m)) continue;
          for (const d of await subfolders(join(root, base, y, m))) {
            if (filter.days && !filter.days.has(`${y}/${m}/${d}`)) continue;
            for (const t of await subfolders(join(root, base, y, m, d))) {
              if (isDateChainName(4, t)) out.push(`${base}/${y}/${m}/${d}/${t}`);
            }
          }
        }
      }
    }
  }
  return out;
}

/** Tarballs in one leaf folder (relative path `rel`). */
export async function scanLeaf(root: string, rel: string, includePartOnly = false): Promise<FoundTarball[]> {
  const absDir = join(root, rel);
  let ents;
  try {
    ents = await readdir(absDir, { withFileTypes: true });
  } catch (e) {
    if (isAbsent(e)) return [];
    throw e;
  }
  const files = new Set(ents.filter((e) => e.isFile()).map((e) => e.name));
  const names = new Set<string>();
  for (const f of files) {
    if (f.endsWith(TARBALL_SUFFIX)) names.add(f);
    else if (includePartOnly && f.endsWith(TARBALL_SUFFIX + PART_SUFFIX)) names.add(f.slice(0, -PART_SUFFIX.length));
  }
  const out: FoundTarball[] = [];
  for (const name of [...names].sort()) {
    const ref = parseTarballPath(`${rel}/${name}`);
    if (!ref) continue;
    const abs = join(absDir, name);
    const exists = files.has(name);
    const st = exists ? await lstat(abs).catch(() => null) : null;
    if (exists && !st) continue;
    const part = files.has(name + PART_SUFFIX) ? await lstat(abs + PART_SUFFIX).catch(() => null) : null;
    out.push({
      ...ref,
      abs,
      exists,
      size: st?.size ?? 0,
      mtimeMs: st?.mtimeMs ?? 0,
      ino: st?.ino ?? 0,
      hasSidecar: files.has(name + DNA_SUFFIX),
      partSize: part ? part.size : null,
    });
  }
  return out;
}

export async function scanTree(root: string, filter: ScanFilter = {}): Promise<FoundTarball[]> {
  const out: FoundTarball[] = [];
  for (const rel of await leafFolders(root, filter)) {
    out.push(...(await scanLeaf(root, rel, filter.includePartOnly ?? false)));
  }
  return out;
}
