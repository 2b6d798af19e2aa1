/**
 * `check_source` (SPEC section 3): each tarball against its sidecar, and
 * each day's count of tarballs per wanted name against `[expect]`. The
 * verdicts are pure functions; `checkSource` gathers the digests; the
 * command prints.
 */
import { AltError, digestFiles, dnaEqual, humanSize, isWanted, wantedNameOf, type Dna, type FileDigest } from '@altbackup/shared';
import type { CatalogEntry } from './catalog.js';
import { scanDays } from './localScan.js';

export type TarballVerdict = 'ok' | 'mismatch' | 'no-sidecar' | 'bad-sidecar' | 'unreadable';

export interface TarballCheck {
  path: string;
  day: string;
  verdict: TarballVerdict;
  /** What was read from disk, when it could be. */
  actual: FileDigest | null;
  dna: Dna | null;
  detail: string;
}

export interface CountCheck {
  name: string;
  day: string;
  expected: number;
  found: number;
  ok: boolean;
}

export function judgeTarball(e: CatalogEntry, actual: FileDigest | { error: string } | null): TarballCheck {
  const base = { path: e.path, day: e.day, dna: e.dna, actual: actual && 'md5' in actual ? actual : null };
  if (e.state === 'pending') return { ...base, verdict: 'no-sidecar', detail: 'no .dna sidecar: the backup job has not finished it, or the sidecar was lost' };
  if (e.state === 'invalid') return { ...base, verdict: 'bad-sidecar', detail: e.problem ?? 'sidecar cannot be read' };
  if (!actual || 'error' in actual) return { ...base, verdict: 'unreadable', detail: `cannot read the tarball: ${actual ? actual.error : 'not digested'}` };
  const dna = e.dna!;
  if (dnaEqual({ dig: actual.md5, size: actual.size }, dna)) return { ...base, verdict: 'ok', detail: `${humanSize(actual.size)} ${actual.md5}` };
  const parts: string[] = [];
  if (actual.size !== dna.size) parts.push(`size ${actual.size} on disk, sidecar says ${dna.size}`);
  if (actual.md5 !== dna.dig) parts.push(`md5 ${actual.md5} on disk, sidecar says ${dna.dig}`);
  return { ...base, verdict: 'mismatch', detail: parts.join('; ') };
}

/**
 * Complete tarballs (sidecar present) per day and wanted name against the
 * expected counts. Names come from `wanted`, or from `[expect]` when the
 * wanted list is empty; a name without an expectation is not counted.
 */
export function checkCounts(entries: readonly CatalogEntry[], days: readonly string[], wanted: readonly string[], expect: Record<string, number>): CountCheck[] {
  const names = wanted.length > 0 ? wanted : Object.keys(expect);
  const out: CountCheck[] = [];
  for (const day of days) {
    for (const name of names) {
      const expected = expect[name];
      if (expected === undefined) continue;
      const found = entries.filter((e) => e.day === day && e.state !== 'pending' && wantedNameOf(e.name, names) === name).length;
      out.push({ name, day, expected, found, ok: found >= expected });
    }
  }
  return out;
}

const LABEL: Record<TarballVerdict, string> = {
  ok: 'ok',
  mismatch: 'MISMATCH',
  'no-sidecar': 'NO-DNA',
  'bad-sidecar': 'BAD-DNA',
  unreadable: 'UNREADABLE',
};

export function tarballLine(c: TarballCheck): string {
  return `${LABEL[c.verdict].padEnd(10)} ${c.path}: ${c.detail}`;
}

export function countLine(c: CountCheck): string {
  return c.ok
    ? `${'expect'.padEnd(10)} ${c.name} ${c.day}: ${c.found} of ${c.expected}`
    : `${'SHORT'.padEnd(10)} ${c.name} ${c.day}: ${c.found} of ${c.expected} expected tarballs with sidecar`;
}

export function summaryLine(tarballs: readonly TarballCheck[], counts: readonly CountCheck[], days: readonly string[]): string {
  const n = (v: TarballVerdict) => tarballs.filter((t) => t.verdict === v).length;
  const span = days.length === 1 ? days[0] : `${days[0]} .. ${days.at(-1)}`;
  return `check_source ${span}: ${n('ok')} ok, ${n('mismatch')} mismatch, ${n('no-sidecar')} without sidecar, ${n('bad-sidecar') + n('unreadable')} unreadable, ${counts.filter((c) => !c.ok).length} count shortfalls`;
}

export interface SourceCheckReport {
  root: string;
  days: readonly string[];
  tarballs: TarballCheck[];
  counts: CountCheck[];
  summary: string;
  /** Tarballs that are not ok plus counts that fall short. */
  failures: number;
}

/** `check_source`: every wanted tarball of the days digested against its sidecar, and the counts against `[expect]`. */
export async function checkSource(root: string, days: readonly string[], wanted: readonly string[], expect: Record<string, number>): Promise<SourceCheckReport> {
  const entries = (await scanDays(root, days)).filter((e) => isWanted(e.name, wanted));
  const toDigest = entries.filter((e) => e.state === 'complete');
  const digests = new Map<string, FileDigest | { error: string }>();
  for (const r of await digestFiles(toDigest.map((e) => e.abs))) {
    digests.set(r.path, 'digest' in r ? r.digest : { error: r.error.code ?? r.error.message });
  }
  const tarballs = entries.map((e) => judgeTarball(e, digests.get(e.abs) ?? null));
  const counts = checkCounts(entries, days, wanted, expect);
  const failures = tarballs.filter((t) => t.verdict !== 'ok').length + counts.filter((c) => !c.ok).length;
  return { root, days, tarballs, counts, summary: summaryLine(tarballs, counts, days), failures };
}

/** The error a failed check ends with: how many problems, and the first. */
export function checkFailure(r: SourceCheckReport): AltError | null {
  if (r.failures === 0) return null;
  const first = r.tarballs.find((t) => t.verdict !== 'ok');
  const firstLine = first ? tarballLine(first) : countLine(r.counts.find((c) => !c.ok)!);
  return new AltError('check-failed', `${r.failures} problem${r.failures === 1 ? '' : 's'} under ${r.root} (first: ${firstLine.replace(/\s+/, ' ')}); see the lines above`);
}
