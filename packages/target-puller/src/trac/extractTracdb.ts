/**
 * `extract_tracdb` (SPEC section 6): for each wanted Trac and selected day,
 * the day's Trac tarball is extracted only when the verification rule calls
 * it verified; everything done, skipped or refused is one event, recorded in
 * the ledger. A dry run reads the same files and ledger and reports the same
 * events, with "would extract" in place of the extraction.
 */
import { AltError, scanTree, toAltError, type FoundTarball } from '@altbackup/shared';
import type { Ledger, RunRecorder } from '../ledger/ledger.js';
import { SpaceBudget } from '../target/freeSpace.js';
import { wantedTracs } from '../target/targetDirs.js';
import { evidenceOf, verifyFound } from '../target/targetFiles.js';
import { extractedPathOf, extractMember, tracdbMemberOf } from './tarMember.js';

export interface ExtractOptions {
  root: string;
  base: string;
  /** Free space kept on the base's filesystem (target.min_free). */
  minFree: number;
  days: readonly string[];
  wanted: readonly string[];
  dryRun: boolean;
}

export type ExtractEvent =
  | { kind: 'extracted' | 'already'; tarball: string; out: string; size: number }
  | { kind: 'would-extract'; tarball: string; out: string }
  /** Refused, failed, or not there: the error says which. */
  | { kind: 'failed'; tarball: string | null; out: string | null; error: AltError };

export interface ExtractReport {
  events: ExtractEvent[];
  extracted: number;
  bytes: number;
  failures: number;
}

/** Extracts (or, dry run, plans) the trac.db of every wanted Trac for the days. */
export async function extractTracdb(opts: ExtractOptions, ledger: Ledger, rec: RunRecorder): Promise<ExtractReport> {
  const tracs = await wantedTracs([opts.root], opts.wanted);
  if (tracs.length === 0) {
    throw new AltError('no-trac', `no wanted Trac on the target: no ${opts.root}/tracs/<name> folder matches wanted ${JSON.stringify(opts.wanted.join(' '))}; pull first or fix --wanted`);
  }
  const found = await scanTree(opts.root, { days: new Set(opts.days), catfolds: new Set(['tracs']) });
  const space = new SpaceBudget(opts.base, opts.minFree);
  const states = await verifyFound(found, evidenceOf(ledger));
  const events: ExtractEvent[] = [];
  for (const trac of tracs) {
    const tarballs = found.filter((t) => t.subfold === trac && t.name === `${trac}.tar.gz`);
    for (const day of opts.days) {
      if (!tarballs.some((t) => t.day === day)) {
        events.push({ kind: 'failed', tarball: null, out: null, error: new AltError('no-tarball', `no tracs/${trac}/${day}/*/${trac}.tar.gz on the target (${opts.root}): pull it first, or pick another --day`) });
      }
    }
    for (const t of tarballs) events.push(await extractOne(t, trac, states.get(t.path)!, opts, space, rec));
  }
  const done = events.flatMap((e) => (e.kind === 'extracted' ? [e] : []));
  return { events, extracted: done.length, bytes: done.reduce((n, e) => n + e.size, 0), failures: events.filter((e) => e.kind === 'failed').length };
}

async function extractOne(t: FoundTarball, trac: string, v: { state: string; why: string }, opts: ExtractOptions, space: SpaceBudget, rec: RunRecorder): Promise<ExtractEvent> {
  const out = extractedPathOf(opts.base, t, trac);
  if (v.state !== 'verified') {
    rec.extraction({ tarballPath: t.path, outPath: out, size: null, result: 'failed', error: `unverified: ${v.why}` });
    return { kind: 'failed', tarball: t.path, out, error: new AltError('tarball-unverified', `${t.path} is not verified (${v.why}): run pull or check_target first; nothing extracted`) };
  }
  if (opts.dryRun) return { kind: 'would-extract', tarball: t.path, out };
  try {
    const r = await extractMember(t.abs, tracdbMemberOf(trac), out, { label: t.path, base: opts.base, space });
    rec.extraction({ tarballPath: t.path, outPath: out, size: r.size, result: r.result === 'extracted' ? 'ok' : 'skipped' });
    return { kind: r.result === 'extracted' ? 'extracted' : 'already', tarball: t.path, out, size: r.size };
  } catch (e) {
    rec.extraction({ tarballPath: t.path, outPath: out, size: null, result: 'failed', error: (e as Error).message });
    const error = toAltError(e);
    if (!error) throw e;
    return { kind: 'failed', tarball: t.path, out, error };
  }
}
