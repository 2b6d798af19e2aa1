/**
 * `check_restore` (SPEC section 8): for each chosen copy whose bytes match
 * its sidecar, prove that it restores (restore/proof.ts), in a scratch space
 * of this run's own, within a timeout per tarball, and record the result in
 * the ledger. The verification rule then calls a copy that failed
 * `restore-failed` (not counted toward keep) and shows when one passed.
 */
import { rm } from 'node:fs/promises';
import { AltError, isWanted, scanTree, type FoundTarball } from '@altbackup/shared';
import type { Ledger, RunRecorder } from '../ledger/ledger.js';
import { SpaceBudget, freeSpaceOf, spaceShortfall } from '../target/freeSpace.js';
import { evidenceOf, verifyFound } from '../target/targetFiles.js';
import { isIntact, type Verification } from '../target/verification.js';
import { proveRestore, restoreShapeOf } from './proof.js';
import { openScratch } from './scratch.js';

export interface CheckRestoreOptions {
  root: string;
  /** The days to prove, or 'all'. */
  days: readonly string[] | 'all';
  /** Prove only the N copies whose proof is oldest (never proven first); null: every chosen copy. */
  oldest: number | null;
  wanted: readonly string[];
  scratchRoot: string;
  minFree: number;
  timeoutMs: number;
  /** Stops the run (a signal, a deadline): the scratch space is removed all the same. */
  signal?: AbortSignal;
}

export type RestoreEvent =
  | { path: string; kind: string; result: 'ok'; detail: string; ms: number }
  | { path: string; kind: string; result: 'failed' | 'timeout'; detail: string; ms: number }
  | { path: string; kind: string; result: 'skipped'; detail: string; ms: 0 };

export interface CheckRestoreReport {
  events: RestoreEvent[];
  /** Scratch folders of killed runs removed first. */
  swept: string[];
  bytes: number;
}

/** Which copies to prove: intact ones of the days (others are skipped, saying why), or the N with the oldest proof. Pure. */
export function chooseCopies(found: readonly FoundTarball[], states: ReadonlyMap<string, Verification>, oldest: number | null): { prove: FoundTarball[]; skipped: { t: FoundTarball; why: string }[] } {
  const intact = found.filter((t) => isIntact(states.get(t.path)!.state));
  const skipped = found.filter((t) => !isIntact(states.get(t.path)!.state)).map((t) => ({ t, why: `${states.get(t.path)!.state}: ${states.get(t.path)!.why}` }));
  if (oldest === null) return { prove: intact, skipped };
  const byAge = [...intact].sort((a, b) => (states.get(a.path)!.restoreProvenAt ?? 0) - (states.get(b.path)!.restoreProvenAt ?? 0) || (a.path < b.path ? -1 : 1));
  return { prove: byAge.slice(0, oldest), skipped: [] };
}

export async function checkRestore(opts: CheckRestoreOptions, ledger: Ledger, rec: RunRecorder): Promise<CheckRestoreReport> {
  const found = (await scanTree(opts.root, opts.days === 'all' ? {} : { days: new Set(opts.days) })).filter((t) => t.exists && isWanted(t.name, opts.wanted));
  const states = await verifyFound(found, evidenceOf(ledger));
  const { prove, skipped } = chooseCopies(found, states, opts.days === 'all' || opts.oldest !== null ? opts.oldest : null);
  const events: RestoreEvent[] = skipped.map(({ t, why }) => ({ path: t.path, kind: restoreShapeOf(t).kind, result: 'skipped', detail: `not proven: the copy is ${why}`, ms: 0 }));
  const scratch = await openScratch(opts.scratchRoot);
  const space = new SpaceBudget(scratch.dir, opts.minFree);
  let bytes = 0;
  try {
    for (const t of prove) {
      opts.signal?.throwIfAborted();
      // A lower bound of what unpacking needs (the archive is compressed): refuse the run early, before reading.
      const short = spaceShortfall(t.size, opts.minFree, await freeSpaceOf(scratch.dir));
      if (short) throw new AltError('no-space', `scratch space ${scratch.dir} is short for ${t.path}: ${short}; free some space or point target.scratch elsewhere`);
      const folder = await scratch.folder(t.name);
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
      const startedAt = Date.now();
      const shape = restoreShapeOf(t);
      try {
        const r = await proveRestore(t.abs, t, { scratch: folder, space, signal, timedOut: () => timeout.aborted && !opts.signal?.aborted });
        const endedAt = Date.now();
        const result = r.ok ? 'ok' : r.timedOut ? 'timeout' : 'failed';
        rec.restoreProof({
          path: t.path, md5: states.get(t.path)!.dna!.dig, size: t.size, kind: shape.kind, result, detail: r.detail,
          revision: r.ok ? r.revision : null, startedAt, endedAt,
        });
        events.push({ path: t.path, kind: shape.kind, result, detail: r.detail, ms: endedAt - startedAt });
        bytes += t.size;
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }
  } finally {
    await scratch.remove();
  }
  return { events: events.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), swept: scratch.swept, bytes };
}
