/**
 * `ls`/`tls` and `sls`: the target's tarballs with their verification state,
 * and the source's listing, as `ls -lh`-style tables or JSON. `ls` reads the
 * files and the ledger and changes nothing (not even creating a ledger).
 */
import { readFile } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import {
  humanSize, isWanted, parseDna, scanTree, sidecarPathOf, type Config, type Dna, type FoundTarball,
} from '@altbackup/shared';
import { readLedger } from '../ledger/ledger.js';
import type { Listing } from '../source/sourceListing.js';
import { ledgerPathOf, requireTargetRoot } from './targetDirs.js';

export type ListState = 'verified' | 'unverified' | 'in-progress' | 'mismatch';

export interface LedgerVerdict {
  ok: boolean;
  actualSize: number | null;
  /** When the verification ran (ms since epoch). */
  at: number;
}

export interface ListRow {
  path: string;
  /** Size of the final file, or of the `.part` when only that exists. */
  size: number;
  mtime: string;
  state: ListState;
  sidecar: Dna | null;
  partSize: number | null;
  /** Why the state, in a few words. */
  why: string;
}

/**
 * The state of one tarball. A ledger verdict counts only if it is newer than
 * the file (a re-pulled file is not condemned by an old mismatch).
 */
export function listState(t: Pick<FoundTarball, 'exists' | 'size' | 'mtimeMs' | 'partSize'>, sidecar: Dna | 'invalid' | null, verdict: LedgerVerdict | undefined): { state: ListState; why: string } {
  if (!t.exists) return { state: 'in-progress', why: `.part ${humanSize(t.partSize ?? 0)}` };
  if (sidecar === null) {
    return t.partSize !== null ? { state: 'in-progress', why: `.part ${humanSize(t.partSize)}` } : { state: 'unverified', why: 'no sidecar' };
  }
  if (sidecar === 'invalid') return { state: 'unverified', why: 'unreadable sidecar' };
  const current = verdict && verdict.at >= t.mtimeMs && (verdict.actualSize === null || verdict.actualSize === t.size) ? verdict : undefined;
  if (current && !current.ok) return { state: 'mismatch', why: 'last check_target found a mismatch' };
  if (sidecar.size !== t.size) return { state: 'mismatch', why: `sidecar says ${sidecar.size} bytes` };
  if (current) return { state: 'verified', why: 'digest checked' };
  return { state: 'verified', why: 'sidecar size matches' };
}

/** Latest verification per path, with its time. */
export function ledgerVerdicts(db: Database.Database): Map<string, LedgerVerdict> {
  const rows = db
    .prepare('SELECT v.path, v.ok, v.actual_size, v.at FROM verifications v JOIN (SELECT path, MAX(id) AS id FROM verifications GROUP BY path) last ON v.id = last.id')
    .all() as { path: string; ok: number; actual_size: number | null; at: number }[];
  return new Map(rows.map((r) => [r.path, { ok: r.ok === 1, actualSize: r.actual_size, at: r.at }]));
}

async function sidecarOf(t: FoundTarball): Promise<Dna | 'invalid' | null> {
  if (!t.hasSidecar) return null;
  const file = sidecarPathOf(t.abs);
  try {
    return parseDna(await readFile(file, 'utf8'), file);
  } catch {
    return 'invalid';
  }
}

export interface TarballState {
  state: ListState;
  why: string;
  sidecar: Dna | null;
}

/**
 * The verification state of each tarball found, the one rule `ls` and
 * `status` share: sidecar read, sizes compared, the latest ledger verdict.
 */
export async function tarballStates(found: readonly FoundTarball[], verdicts: ReadonlyMap<string, LedgerVerdict>): Promise<Map<string, TarballState>> {
  const out = new Map<string, TarballState>();
  for (const t of found) {
    const sidecar = await sidecarOf(t);
    out.set(t.path, { ...listState(t, sidecar, verdicts.get(t.path)), sidecar: sidecar === 'invalid' ? null : sidecar });
  }
  return out;
}

export async function listTarget(config: Config, days: ReadonlySet<string> | undefined): Promise<ListRow[]> {
  const root = requireTargetRoot(config);
  const found = (await scanTree(root, { days, includePartOnly: true })).filter((t) => isWanted(t.name, config.wanted));
  const states = await tarballStates(found, readLedger(ledgerPathOf(config), new Map(), ledgerVerdicts));
  return found.map((t) => {
    const { state, why, sidecar } = states.get(t.path)!;
    return {
      path: t.path,
      size: t.exists ? t.size : t.partSize ?? 0,
      mtime: t.exists ? new Date(t.mtimeMs).toISOString() : '',
      state,
      sidecar,
      partSize: t.partSize,
      why,
    };
  });
}

/** `2024-05-02 10:47` in UTC, or blanks. */
function shortTime(iso: string): string {
  return iso ? iso.slice(0, 16).replace('T', ' ') : ''.padEnd(16);
}

export function formatTargetList(rows: readonly ListRow[]): string {
  if (rows.length === 0) return 'no tarballs\n';
  const lines = rows.map((r) => `${r.state.padEnd(11)} ${humanSize(r.size).padStart(6)}  ${shortTime(r.mtime)}  ${r.path}${r.state === 'verified' ? '' : `  (${r.why})`}`);
  const total = rows.reduce((s, r) => s + r.size, 0);
  const n = (s: ListState) => rows.filter((r) => r.state === s).length;
  lines.push(`total ${humanSize(total)} in ${rows.length} tarball(s): ${n('verified')} verified, ${n('unverified')} unverified, ${n('in-progress')} in progress, ${n('mismatch')} mismatch`);
  return lines.join('\n') + '\n';
}

function mtimeText(m: string | number): string {
  if (typeof m === 'number') return shortTime(new Date(m < 1e12 ? m * 1000 : m).toISOString());
  const d = new Date(m);
  return Number.isNaN(d.getTime()) ? m.slice(0, 16).padEnd(16) : shortTime(d.toISOString());
}

export function formatSourceList(l: Listing): string {
  const lines = l.complete.map((e) => `${humanSize(e.size).padStart(6)}  ${mtimeText(e.mtime)}  ${e.dna.dig}  ${e.path}`);
  for (const p of l.pending) lines.push(`${'-'.padStart(6)}  ${''.padEnd(16)}  ${'(pending: no sidecar yet)'.padEnd(32)}  ${p}`);
  const total = l.complete.reduce((s, e) => s + e.size, 0);
  lines.push(`source ${l.source}: ${l.complete.length} complete (${humanSize(total)}), ${l.pending.length} pending`);
  return lines.join('\n') + '\n';
}
