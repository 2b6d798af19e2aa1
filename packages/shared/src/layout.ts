/**
 * The backup tree layout shared by source and target (SPEC section 2):
 *   <catfold>/<subfold>/YYYY/MM/DD/HHMMSS/<name>.tar.gz
 * Everything that does not match is ignored by every command, never touched.
 */
import { isCalendarDate } from './days.js';

export const TARBALL_SUFFIX = '.tar.gz';
export const DNA_SUFFIX = '.dna';
export const PART_SUFFIX = '.part';

export interface TarballRef {
  /** Relative path with forward slashes, as served and as stored. */
  path: string;
  catfold: string;
  subfold: string;
  /** YYYY/MM/DD */
  day: string;
  /** HHMMSS */
  time: string;
  /** File name including `.tar.gz`. */
  name: string;
}

// A folder or file name: starts with a letter, digit or underscore (so no
// `.`/`..`/hidden names and nothing a shell could take for an option), a
// conservative character set, bounded length.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,120}\.tar\.gz$/;

export function isSegment(s: string): boolean {
  return SEGMENT.test(s);
}

/** The date chain below a subfold, YYYY/MM/DD/HHMMSS, by depth (1 = YYYY .. 4 = HHMMSS): the names a folder of it may have. */
const DATE_CHAIN: readonly RegExp[] = [/^\d{4}$/, /^\d{2}$/, /^\d{2}$/, /^\d{6}$/];

/** Whether `name` can be the folder at `depth` (1..4) of a subfold's date chain; any other depth is not. */
export function isDateChainName(depth: number, name: string): boolean {
  return DATE_CHAIN[depth - 1]?.test(name) ?? false;
}

function validDate(y: string, m: string, d: string): boolean {
  if (!isDateChainName(1, y) || !isDateChainName(2, m) || !isDateChainName(3, d)) return false;
  return isCalendarDate(Number(y), Number(m), Number(d));
}

function validTime(t: string): boolean {
  if (!isDateChainName(4, t)) return false;
  return Number(t.slice(0, 2)) < 24 && Number(t.slice(2, 4)) < 60 && Number(t.slice(4, 6)) < 60;
}

/** Parses a relative tarball path; null when it is not on the layout. */
export function parseTarballPath(path: string): TarballRef | null {
  if (path.length > 1024 || path.includes('\\') || path.includes('\0')) return null;
  const parts = path.split('/');
  if (parts.length !== 7) return null;
  const [catfold, subfold, y, m, d, time, name] = parts as [string, string, string, string, string, string, string];
  if (!isSegment(catfold) || !isSegment(subfold)) return null;
  if (!validDate(y, m, d) || !validTime(time) || !NAME.test(name)) return null;
  return { path, catfold, subfold, day: `${y}/${m}/${d}`, time, name };
}

export function formatTarballPath(ref: Omit<TarballRef, 'path'>): string {
  return `${ref.catfold}/${ref.subfold}/${ref.day}/${ref.time}/${ref.name}`;
}

export function sidecarPathOf(path: string): string {
  return path + DNA_SUFFIX;
}

export function partPathOf(path: string): string {
  return path + PART_SUFFIX;
}

/** `<catfold>/<subfold>`: the unit of retention and of date ordering. */
export function subfoldKey(ref: Pick<TarballRef, 'catfold' | 'subfold'>): string {
  return `${ref.catfold}/${ref.subfold}`;
}

/** Name without `.tar.gz`: `dybsvn-20550`. */
export function stemOf(name: string): string {
  return name.endsWith(TARBALL_SUFFIX) ? name.slice(0, -TARBALL_SUFFIX.length) : name;
}

/** Name without `.tar.gz` and without a trailing revision: `dybsvn-20550.tar.gz` -> `dybsvn`. */
export function baseNameOf(name: string): string {
  return stemOf(name).replace(/-\d+$/, '');
}

/**
 * A tarball's series: `<catfold>/<subfold>/<base name>`. Copies of one
 * series are the same backup on different days, so their sizes compare.
 */
export function seriesOf(ref: Pick<TarballRef, 'catfold' | 'subfold' | 'name'>): string {
  return `${ref.catfold}/${ref.subfold}/${baseNameOf(ref.name)}`;
}

/**
 * The wanted name a tarball belongs to: the longest wanted prefix of its
 * file name, or null. `dybsvn` selects `dybsvn-20550.tar.gz` and `dybsvn.tar.gz`.
 */
export function wantedNameOf(name: string, wanted: readonly string[]): string | null {
  let best: string | null = null;
  for (const w of wanted) {
    if (name.startsWith(w) && (best === null || w.length > best.length)) best = w;
  }
  return best;
}

/** An empty wanted list selects everything. */
export function isWanted(name: string, wanted: readonly string[]): boolean {
  return wanted.length === 0 || wantedNameOf(name, wanted) !== null;
}

export function isLockedCatfold(catfold: string): boolean {
  return catfold.endsWith('LOCKED');
}

/** Within one subfold, lexical order of paths is date order. */
export function compareByPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
