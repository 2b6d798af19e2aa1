/**
 * `ls`/`tls`: the target's tarballs with their verification state (the one
 * rule of target/verification.ts), as an `ls -lh`-style table or JSON. It
 * reads the files and the ledger and changes nothing, not even by creating
 * a ledger.
 */
import { humanSize, isWanted, scanTree, utcMinute, type Config, type Dna } from '@altbackup/shared';
import { Ledger } from '../ledger/ledger.js';
import { ledgerPathOf, requireTargetRoot } from './targetDirs.js';
import { evidenceOf, verifyFound } from './targetFiles.js';
import { VERIFICATION_STATES, type VerificationState } from './verification.js';

export interface ListRow {
  path: string;
  /** Size of the final file, or of the `.part` when only that exists. */
  size: number;
  mtime: string;
  state: VerificationState;
  sidecar: Dna | null;
  partSize: number | null;
  /** Why the state, in a few words. */
  why: string;
}

export async function listTarget(config: Config, days: ReadonlySet<string> | undefined): Promise<ListRow[]> {
  const root = requireTargetRoot(config);
  const found = (await scanTree(root, { days, includePartOnly: true })).filter((t) => isWanted(t.name, config.wanted));
  const ledger = Ledger.read(ledgerPathOf(config));
  let evidence;
  try {
    evidence = evidenceOf(ledger);
  } finally {
    ledger.close();
  }
  const states = await verifyFound(found, evidence);
  return found.map((t) => {
    const { state, why, dna } = states.get(t.path)!;
    return {
      path: t.path,
      size: t.exists ? t.size : t.partSize ?? 0,
      mtime: t.exists ? new Date(t.mtimeMs).toISOString() : '',
      state,
      sidecar: dna,
      partSize: t.partSize,
      why,
    };
  });
}

export function formatTargetList(rows: readonly ListRow[]): string {
  if (rows.length === 0) return 'no tarballs\n';
  const lines = rows.map((r) => `${r.state.padEnd(11)} ${humanSize(r.size).padStart(6)}  ${utcMinute(r.mtime)}  ${r.path}${r.state === 'verified' ? '' : `  (${r.why})`}`);
  const total = rows.reduce((s, r) => s + r.size, 0);
  // The first four states are always counted; a later one only when some tarball is in it.
  const counts = VERIFICATION_STATES.map((s) => [s, rows.filter((r) => r.state === s).length] as const)
    .filter(([, n], i) => i < 4 || n > 0)
    .map(([s, n]) => `${n} ${s.replace('-', ' ')}`);
  lines.push(`total ${humanSize(total)} in ${rows.length} tarball(s): ${counts.join(', ')}`);
  return lines.join('\n') + '\n';
}
