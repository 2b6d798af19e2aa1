/**
 * What `check_target` concludes, from facts only (check/facts.ts gathers
 * them): for a tarball with a sidecar, whether its bytes match; for a wanted
 * tarball without one, which of three very different things it is: a
 * download in progress, a tarball the source has not finished yet (pending),
 * or one that is really missing. The old tool could only say "no .dna" and
 * woke people up for slow transfers. Pure, so each branch is a unit test.
 */
import { compareByPath, humanSize, isWanted, parseTarballPath, wantedNameOf, type Dna, type FileDigest, type FoundTarball } from '@altbackup/shared';
import { describeHolder, type LockHolder } from '../target/lockHolder.js';
import { isReadableSidecar, type SidecarRead } from '../target/verification.js';

/** What check_target says of one tarball (its own vocabulary; the verification rule reads the ledger rows it leaves). */
export type CheckState = 'ok' | 'mismatch' | 'bad-sidecar' | 'unreadable' | 'in-progress' | 'pending' | 'missing' | 'unknown';

/** What the source said, if it was asked. */
export type SourceKnowledge =
  | { kind: 'none'; why: string }
  | { kind: 'unreachable'; error: string }
  | { kind: 'ok'; source: string; complete: ReadonlySet<string>; pending: ReadonlySet<string> };

export interface TarballCheck {
  path: string;
  day: string;
  name: string;
  state: CheckState;
  /** Size of the final file, null when only a `.part` (or nothing) is on the target. */
  size: number | null;
  partSize: number | null;
  expected: Dna | null;
  actual: FileDigest | null;
  /** Why, in words, for anything that is not plainly ok. */
  detail: string;
  problem: boolean;
}

export interface CountCheck {
  day: string;
  name: string;
  expected: number;
  verified: number;
  inProgress: number;
  pending: number;
  /** Present but reported on their own line (mismatch, missing, ...). */
  failing: number;
  /** Tarballs nothing else accounts for: not on the target, not listed by the source. */
  shortfall: number;
}

export interface CheckReport {
  /** The days checked, or 'all'. */
  days: string[] | 'all';
  source: SourceKnowledge;
  lock: LockHolder | null;
  tarballs: TarballCheck[];
  counts: CountCheck[];
  /** One operator line per problem: what, where, what to do. */
  problems: string[];
}

/** Facts about one target tarball, read from disk. */
export interface TarballFacts {
  found: FoundTarball;
  /** The sidecar as the one reader reads it (target/targetFiles.ts). */
  sidecar: SidecarRead;
  /** MD5 and size of the file, or an error text; null when not digested. */
  digest: FileDigest | { error: string } | null;
}

export interface CheckFacts {
  days: string[] | 'all';
  wanted: readonly string[];
  expect: Readonly<Record<string, number>>;
  tarballs: TarballFacts[];
  source: SourceKnowledge;
  lock: LockHolder | null;
}

const isError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v;

/** A tarball that has its sidecar: does the file match it? */
export function verdictOf(sidecar: Exclude<SidecarRead, null>, digest: FileDigest | { error: string } | null): Pick<TarballCheck, 'state' | 'detail' | 'expected' | 'actual'> {
  if (!isReadableSidecar(sidecar)) return { state: 'bad-sidecar', detail: sidecar.invalid, expected: null, actual: null };
  if (digest === null || isError(digest)) {
    return { state: 'unreadable', detail: digest ? digest.error : 'not digested', expected: sidecar, actual: null };
  }
  if (digest.md5 === sidecar.dig && digest.size === sidecar.size) return { state: 'ok', detail: '', expected: sidecar, actual: digest };
  return {
    state: 'mismatch',
    detail: `sidecar says md5 ${sidecar.dig} size ${sidecar.size}, file has md5 ${digest.md5} size ${digest.size}`,
    expected: sidecar,
    actual: digest,
  };
}

/** A wanted tarball without sidecar on the target: in progress, pending on the source, or missing. */
export function unsidecaredState(t: { path: string; exists: boolean; partSize: number | null }, source: SourceKnowledge, lock: LockHolder | null): Pick<TarballCheck, 'state' | 'detail'> {
  if (t.partSize !== null) {
    const running = lock ? describeHolder(lock) : 'no pull is running: the next pull resumes it';
    return { state: 'in-progress', detail: `.part holds ${humanSize(t.partSize)}; ${running}` };
  }
  if (source.kind === 'ok' && source.pending.has(t.path)) {
    return { state: 'pending', detail: `pending on the source (${source.source} has no sidecar for it yet)` };
  }
  if (lock) return { state: 'in-progress', detail: describeHolder(lock) };
  const here = t.exists ? 'the file is here without sidecar' : 'not on the target';
  switch (source.kind) {
    case 'ok':
      return source.complete.has(t.path)
        ? { state: 'missing', detail: `${here}; the source has it complete: run altbackup pull` }
        : { state: 'missing', detail: `${here}; the source does not list it at all` };
    case 'unreachable':
      return { state: 'unknown', detail: `${here}; unknown whether pending (source unreachable: ${source.error})` };
    case 'none':
      return { state: 'missing', detail: `${here}; ${source.why}, so it cannot be pending` };
  }
}

function problemLine(t: TarballCheck): string {
  switch (t.state) {
    case 'mismatch': return `MISMATCH ${t.path}: ${t.detail}: delete it and its .dna, then run altbackup pull`;
    case 'bad-sidecar': return `BAD SIDECAR ${t.path}.dna: ${t.detail}: re-fetch the sidecar with altbackup pull`;
    case 'unreadable': return `UNREADABLE ${t.path}: ${t.detail}: check the disk and permissions`;
    case 'missing': return `MISSING ${t.path}: ${t.detail}`;
    case 'unknown': return `NO SIDECAR ${t.path}: ${t.detail}: check the source, then run check_target again`;
    default: return `${t.state} ${t.path}: ${t.detail}`;
  }
}

/**
 * `[expect]` per wanted name per day. Every tarball known (verified, in
 * progress, pending, or failing on its own line) counts toward the
 * expectation, so a shortfall is only what no other line explains: a tarball
 * neither the target nor the source has.
 */
export function countExpectations(days: readonly string[], tarballs: readonly TarballCheck[], expect: Readonly<Record<string, number>>, wanted: readonly string[]): CountCheck[] {
  const names = Object.keys(expect).filter((n) => wanted.length === 0 || wanted.includes(n)).sort();
  const prefixes = [...new Set([...wanted, ...Object.keys(expect)])];
  const out: CountCheck[] = [];
  for (const day of days) {
    for (const name of names) {
      const mine = tarballs.filter((t) => t.day === day && wantedNameOf(t.name, prefixes) === name);
      const verified = mine.filter((t) => t.state === 'ok').length;
      const inProgress = mine.filter((t) => t.state === 'in-progress').length;
      const pending = mine.filter((t) => t.state === 'pending').length;
      const failing = mine.length - verified - inProgress - pending;
      const expected = expect[name]!;
      out.push({ day, name, expected, verified, inProgress, pending, failing, shortfall: Math.max(0, expected - mine.length) });
    }
  }
  return out;
}

export function tally(c: CountCheck): string {
  return `${c.verified} verified${c.inProgress ? ` + ${c.inProgress} in progress` : ''}` +
    `${c.pending ? ` + ${c.pending} pending` : ''}${c.failing ? ` + ${c.failing} failing` : ''}`;
}

function countProblem(c: CountCheck): string {
  return `COUNT ${c.day} ${c.name}: expected ${c.expected}, found ${tally(c)}: check the source's backup job, then run altbackup pull`;
}

/** The whole verdict, from facts only. */
export function evaluate(f: CheckFacts): CheckReport {
  const tarballs: TarballCheck[] = [];
  const seen = new Set<string>();
  for (const { found, sidecar, digest } of f.tarballs) {
    seen.add(found.path);
    const base = { path: found.path, day: found.day, name: found.name, size: found.exists ? found.size : null, partSize: found.partSize };
    if (found.exists && sidecar !== null) {
      const v = verdictOf(sidecar, digest);
      tarballs.push({ ...base, ...v, problem: v.state !== 'ok' });
    } else {
      const s = unsidecaredState(found, f.source, f.lock);
      tarballs.push({ ...base, ...s, expected: null, actual: null, problem: s.state === 'missing' || s.state === 'unknown' });
    }
  }
  // Listed by the source for the checked days but absent from the target altogether.
  if (f.source.kind === 'ok' && f.days !== 'all') {
    const days = new Set(f.days);
    const listed = [...f.source.complete, ...f.source.pending].filter((p) => !seen.has(p)).sort();
    for (const path of [...new Set(listed)]) {
      const ref = parseTarballPath(path);
      if (!ref || !days.has(ref.day) || !isWanted(ref.name, f.wanted)) continue;
      const { day, name } = ref;
      const s = unsidecaredState({ path, exists: false, partSize: null }, f.source, f.lock);
      tarballs.push({ path, day, name, size: null, partSize: null, expected: null, actual: null, ...s, problem: s.state === 'missing' || s.state === 'unknown' });
    }
  }
  tarballs.sort(compareByPath);
  const countDays = f.days === 'all' ? [...new Set(tarballs.map((t) => t.day))].sort() : f.days;
  const counts = countExpectations(countDays, tarballs, f.expect, f.wanted);
  const problems = [
    ...tarballs.filter((t) => t.problem).map(problemLine),
    ...counts.filter((c) => c.shortfall > 0).map(countProblem),
  ];
  return { days: f.days, source: f.source, lock: f.lock, tarballs, counts, problems };
}
