/**
 * `scrub`: the copies on the target's disk are read again and compared with
 * their sidecars, the ones whose bytes were read longest ago first, within a
 * budget of bytes and time, so that nightly runs cover the whole mirror
 * within `target.scrub_interval`. A mismatch deletes nothing: it is recorded
 * as a failed check, so the verification rule calls the copy corrupt (not
 * counted toward keep, `status` unhealthy), and the next pull sets it aside
 * in quarantine and fetches it again while the source still lists it.
 */
import { digestFiles, isWanted, scanTree, type FileDigest, type FoundTarball } from '@altbackup/shared';
import type { Ledger, RunRecorder } from '../ledger/ledger.js';
import { evidenceOf, verifyFound } from '../target/targetFiles.js';
import { isIntact, type Verification } from '../target/verification.js';

export interface ScrubOptions {
  root: string;
  wanted: readonly string[];
  /** Bytes to read at most (plus one file); 0: the mirror's size divided by the days of `intervalMs`. */
  maxBytes: number;
  /** No new file is started after this long. */
  maxDurationMs: number;
  intervalMs: number;
  /** Files digested at once (worker threads). */
  parallel?: number;
  now?: () => number;
}

export interface ScrubCandidate {
  path: string;
  size: number;
  /** When its bytes were last read (a pull's or a check's digest), null when never. */
  checkedAt: number | null;
}

export interface ScrubEvent {
  path: string;
  size: number;
  result: 'ok' | 'corrupt' | 'unreadable';
  detail: string;
}

export interface ScrubReport {
  events: ScrubEvent[];
  /** Copies there were to scrub, and their bytes. */
  total: { files: number; bytes: number };
  budget: number;
  bytesRead: number;
  /** Copies not reached by this run (the budget ran out). */
  left: number;
}

/** Oldest read first; never read before anything read; then path order. Pure. */
export function scrubOrder<C extends ScrubCandidate>(copies: readonly C[]): C[] {
  return [...copies].sort((a, b) => (a.checkedAt ?? -1) - (b.checkedAt ?? -1) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The bytes a nightly run must read so that all of them are read within the interval. Pure. */
export function dailyBudget(totalBytes: number, intervalMs: number): number {
  return Math.ceil(totalBytes / Math.max(1, Math.floor(intervalMs / 86_400_000)));
}

/** The copies a budget of `maxBytes` reads: files are taken while the bytes so far are under it, so at most `maxBytes` plus one file. Pure. */
export function withinBudget<C extends ScrubCandidate>(ordered: readonly C[], maxBytes: number): C[] {
  const out: C[] = [];
  let bytes = 0;
  for (const c of ordered) {
    if (bytes >= maxBytes) break;
    out.push(c);
    bytes += c.size;
  }
  return out;
}

function eventOf(t: FoundTarball, v: Verification, d: FileDigest | { error: string }): ScrubEvent {
  if ('error' in d) return { path: t.path, size: t.size, result: 'unreadable', detail: d.error };
  const dna = v.dna!;
  if (d.md5 === dna.dig && d.size === dna.size) return { path: t.path, size: t.size, result: 'ok', detail: `md5 ${d.md5}` };
  return { path: t.path, size: t.size, result: 'corrupt', detail: `the file now has md5 ${d.md5} size ${d.size}, its sidecar says md5 ${dna.dig} size ${dna.size}` };
}

export async function scrub(opts: ScrubOptions, ledger: Ledger, rec: RunRecorder): Promise<ScrubReport> {
  const now = opts.now ?? Date.now;
  const started = now();
  const found = (await scanTree(opts.root)).filter((t) => t.exists && t.hasSidecar && isWanted(t.name, opts.wanted));
  const states = await verifyFound(found, evidenceOf(ledger));
  const intact = found.filter((t) => isIntact(states.get(t.path)!.state));
  const byPath = new Map(intact.map((t) => [t.path, t]));
  const candidates = intact.map((t) => ({ path: t.path, size: t.size, checkedAt: states.get(t.path)!.checkedAt }));
  const totalBytes = candidates.reduce((n, c) => n + c.size, 0);
  const budget = opts.maxBytes > 0 ? opts.maxBytes : dailyBudget(totalBytes, opts.intervalMs);
  const chosen = withinBudget(scrubOrder(candidates), budget);
  const parallel = Math.max(1, opts.parallel ?? 2);
  const events: ScrubEvent[] = [];
  let bytesRead = 0;
  for (let i = 0; i < chosen.length && now() - started < opts.maxDurationMs; i += parallel) {
    const batch = chosen.slice(i, i + parallel).map((c) => byPath.get(c.path)!);
    const digests = await digestFiles(batch.map((t) => t.abs), parallel);
    batch.forEach((t, k) => {
      const r = digests[k]!;
      const d = 'digest' in r ? r.digest : { error: `cannot read: ${r.error.code ?? r.error.message}` };
      const e = eventOf(t, states.get(t.path)!, d);
      events.push(e);
      if ('digest' in r) {
        bytesRead += r.digest.size;
        const dna = states.get(t.path)!.dna!;
        rec.verification({ path: t.path, expectedMd5: dna.dig, expectedSize: dna.size, actualMd5: r.digest.md5, actualSize: r.digest.size, ok: e.result === 'ok' });
      }
    });
  }
  return { events, total: { files: candidates.length, bytes: totalBytes }, budget, bytesRead, left: candidates.length - events.length };
}
