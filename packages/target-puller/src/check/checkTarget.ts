/**
 * `check_target` (SPEC section 3): recompute the MD5 of the target's tarballs,
 * compare with their sidecars, and for every wanted tarball without sidecar
 * tell the operator which of three very different things it is: a download
 * in progress, a tarball the source has not finished yet (pending), or one
 * that is really missing. The old tool could only say "no .dna" and woke
 * people up for slow transfers.
 *
 * The decisions are pure functions over facts gathered at the edges
 * (`gatherFacts`), so each branch is unit-tested without disk or network.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { AltError, compareByPath, digestFiles, humanSize, isWanted, parseDna, reasonOf, scanTree, sidecarPathOf, wantedNameOf, type Config, type Dna, type FileDigest, type FoundTarball, type Logger } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { describeHolder, readLockHolder, type LockHolder } from '../target/lockHolder.js';
import { fetchListing } from '../source/sourceListing.js';
import { ledgerPathOf, requireTargetRoot } from '../target/targetDirs.js';

export type TarballState = 'ok' | 'mismatch' | 'bad-sidecar' | 'unreadable' | 'in-progress' | 'pending' | 'missing' | 'unknown';

/** What the source said, if it was asked. */
export type SourceView =
  | { kind: 'none'; why: string }
  | { kind: 'unreachable'; error: string }
  | { kind: 'ok'; source: string; complete: ReadonlySet<string>; pending: ReadonlySet<string> };

export interface TarballCheck {
  path: string;
  day: string;
  name: string;
  state: TarballState;
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
  source: SourceView;
  lock: LockHolder | null;
  tarballs: TarballCheck[];
  counts: CountCheck[];
  /** One operator line per problem: what, where, what to do. */
  problems: string[];
}

/** Facts about one target tarball, read from disk. */
export interface TarballFacts {
  found: FoundTarball;
  /** Parsed sidecar, an error text when unreadable/invalid, null when absent. */
  sidecar: Dna | { error: string } | null;
  /** MD5 and size of the file, or an error text; null when not digested. */
  digest: FileDigest | { error: string } | null;
}

export interface CheckFacts {
  days: string[] | 'all';
  wanted: readonly string[];
  expect: Readonly<Record<string, number>>;
  tarballs: TarballFacts[];
  source: SourceView;
  lock: LockHolder | null;
}

const isError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v;

/** A tarball that has its sidecar: does the file match it? */
export function verdictOf(sidecar: Dna | { error: string }, digest: FileDigest | { error: string } | null): Pick<TarballCheck, 'state' | 'detail' | 'expected' | 'actual'> {
  if (isError(sidecar)) return { state: 'bad-sidecar', detail: sidecar.error, expected: null, actual: null };
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
export function unsidecaredState(t: { path: string; exists: boolean; partSize: number | null }, source: SourceView, lock: LockHolder | null): Pick<TarballCheck, 'state' | 'detail'> {
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

function tally(c: CountCheck): string {
  return `${c.verified} verified${c.inProgress ? ` + ${c.inProgress} in progress` : ''}` +
    `${c.pending ? ` + ${c.pending} pending` : ''}${c.failing ? ` + ${c.failing} failing` : ''}`;
}

export function countProblem(c: CountCheck): string {
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
      const [, , y, m, d, , name] = path.split('/') as string[];
      const day = `${y}/${m}/${d}`;
      if (!days.has(day) || !isWanted(name!, f.wanted)) continue;
      const s = unsidecaredState({ path, exists: false, partSize: null }, f.source, f.lock);
      tarballs.push({ path, day, name: name!, size: null, partSize: null, expected: null, actual: null, ...s, problem: s.state === 'missing' || s.state === 'unknown' });
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

// ---------------------------------------------------------------------------
// Output

const LABEL: Record<TarballState, string> = {
  ok: 'ok', mismatch: 'MISMATCH', 'bad-sidecar': 'BAD-SIDECAR', unreadable: 'UNREADABLE',
  'in-progress': 'in progress', pending: 'pending', missing: 'MISSING', unknown: 'UNKNOWN',
};

export function formatReport(r: CheckReport): string {
  const lines: string[] = [];
  const sizeOf = (t: TarballCheck) => (t.size !== null ? humanSize(t.size) : t.partSize !== null ? humanSize(t.partSize) : '-');
  for (const t of r.tarballs) {
    lines.push(`${LABEL[t.state].padEnd(11)} ${sizeOf(t).padStart(6)}  ${t.path}${t.detail && t.state !== 'ok' ? `  (${t.detail})` : ''}`);
  }
  for (const c of r.counts) lines.push(`${c.shortfall ? 'SHORT' : 'count'} ${c.day} ${c.name}: ${tally(c)} of ${c.expected} expected`);
  const n = (s: TarballState) => r.tarballs.filter((t) => t.state === s).length;
  const days = r.days === 'all' ? 'all days' : r.days.length === 1 ? r.days[0] : `${r.days[0]}..${r.days[r.days.length - 1]}`;
  const source = r.source.kind === 'ok' ? `source ${r.source.source}` : r.source.kind === 'unreachable' ? 'source unreachable' : 'source not asked';
  const bad = n('mismatch') + n('bad-sidecar') + n('unreadable');
  lines.push(`check_target ${days}: ${r.tarballs.length} tarball(s): ${n('ok')} ok, ${bad} bad, ${n('in-progress')} in progress, ` +
    `${n('pending')} pending, ${n('missing') + n('unknown')} missing; ${source}; ` +
    (r.problems.length ? `${r.problems.length} problem(s)` : 'all good'));
  return lines.join('\n') + '\n';
}

export function reportJson(r: CheckReport): unknown {
  const source = r.source.kind === 'ok'
    ? { kind: 'ok', source: r.source.source, complete: [...r.source.complete].sort(), pending: [...r.source.pending].sort() }
    : r.source;
  return { ok: r.problems.length === 0, days: r.days, source, lock: r.lock, tarballs: r.tarballs, counts: r.counts, problems: r.problems };
}

// ---------------------------------------------------------------------------
// I/O edges

async function readSidecar(found: FoundTarball): Promise<Dna | { error: string }> {
  const file = sidecarPathOf(found.abs);
  try {
    return parseDna(await readFile(file, 'utf8'), file);
  } catch (e) {
    return { error: e instanceof AltError ? e.message : `cannot read ${file}: ${reasonOf(e)}` };
  }
}

/** What the source says about the given days, never throwing: a check must report, not crash. */
export async function askSource(config: Config, days: readonly string[], log: Logger, capMs?: number): Promise<SourceView> {
  if (config.target.sources.length === 0) return { kind: 'none', why: 'no source configured to ask' };
  if (days.length === 0) return { kind: 'none', why: 'nothing to ask the source about' };
  try {
    const l = await fetchListing(config, { days, wanted: config.wanted, capMs }, log);
    return { kind: 'ok', source: l.source, complete: new Set(l.complete.map((e) => e.path)), pending: new Set(l.pending) };
  } catch (e) {
    // The cause only: check_target gives its own advice.
    const message = e instanceof AltError ? e.message : (e as Error).message;
    return { kind: 'unreachable', error: message.replace(/: check .*$/, '') };
  }
}

export interface CheckOptions {
  /** Days to check, or 'all' for every tarball on the target. */
  days: string[] | 'all';
  /** Worker threads for the digests (default: every core). */
  parallel?: number;
  /** Cap on each wait for the source listing. */
  sourceCapMs?: number;
}

export async function gatherFacts(config: Config, opts: CheckOptions, log: Logger): Promise<CheckFacts> {
  const root = requireTargetRoot(config);
  if (!existsSync(root)) throw new AltError('no-target', `target root ${root} does not exist: check target.root / --target`);
  const found = (await scanTree(root, { days: opts.days === 'all' ? undefined : new Set(opts.days), includePartOnly: true }))
    .filter((t) => isWanted(t.name, config.wanted));
  const sidecars = await Promise.all(found.map((t) => (t.exists && t.hasSidecar ? readSidecar(t) : Promise.resolve(null))));
  const toDigest = found.filter((t, i) => t.exists && sidecars[i] !== null && !isError(sidecars[i]));
  const started = Date.now();
  const results = await digestFiles(toDigest.map((t) => t.abs), opts.parallel);
  const digests = new Map<string, FileDigest | { error: string }>();
  results.forEach((r, i) => digests.set(toDigest[i]!.path, 'digest' in r ? r.digest : { error: `cannot read: ${r.error.code ?? r.error.message}` }));
  const bytes = toDigest.reduce((s, t) => s + t.size, 0);
  log.debug({ files: toDigest.length, bytes, ms: Date.now() - started }, 'check_target digests done');
  const lock = readLockHolder(root);
  const unsidecared = found.filter((_t, i) => sidecars[i] === null);
  // With explicit days, the source is asked about all of them (it may list tarballs the target lacks).
  const askDays = opts.days === 'all' ? [...new Set(unsidecared.map((t) => t.day))].sort() : opts.days;
  const source = await askSource(config, askDays, log, opts.sourceCapMs);
  return {
    days: opts.days,
    wanted: config.wanted,
    expect: config.expect,
    tarballs: found.map((t, i) => ({ found: t, sidecar: sidecars[i]!, digest: digests.get(t.path) ?? null })),
    source,
    lock,
  };
}

/** Records every digest comparison in the ledger, as one `check_target` run. */
export function recordReport(ledgerFile: string, r: CheckReport): void {
  const ledger = Ledger.open(ledgerFile);
  try {
    const runId = ledger.startRun('check_target', r.days === 'all' ? [] : r.days);
    let files = 0;
    let bytes = 0;
    for (const t of r.tarballs) {
      if (t.state !== 'ok' && t.state !== 'mismatch' && t.state !== 'bad-sidecar') continue;
      files++;
      bytes += t.actual?.size ?? 0;
      ledger.recordVerification(runId, {
        path: t.path,
        expectedMd5: t.expected?.dig ?? null,
        expectedSize: t.expected?.size ?? null,
        actualMd5: t.actual?.md5 ?? null,
        actualSize: t.actual?.size ?? t.size,
        ok: t.state === 'ok',
      });
    }
    ledger.endRun(runId, r.problems.length ? 'failed' : 'ok', { files, bytes, error: r.problems[0] ?? null });
  } finally {
    ledger.close();
  }
}

export async function checkTarget(config: Config, opts: CheckOptions, log: Logger): Promise<CheckReport> {
  const report = evaluate(await gatherFacts(config, opts, log));
  recordReport(ledgerPathOf(config), report);
  return report;
}
