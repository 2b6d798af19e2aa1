/**
 * `check_target` (SPEC section 3): recompute the MD5 of the target's
 * tarballs, compare with their sidecars, account for every wanted tarball
 * without one, and record each comparison in the ledger as one run: the
 * verification rule (target/verification.ts) reads those rows.
 */
import type { Config, Logger } from '@altbackup/shared';
import type { RunRecorder } from '../ledger/ledger.js';
import { gatherFacts, type CheckOptions } from './facts.js';
import { evaluate, type CheckReport } from './verdict.js';

/** Records every digest comparison of the report. */
function record(r: CheckReport, rec: RunRecorder): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const t of r.tarballs) {
    if (t.state !== 'ok' && t.state !== 'mismatch' && t.state !== 'bad-sidecar') continue;
    files++;
    bytes += t.actual?.size ?? 0;
    rec.verification({
      path: t.path,
      expectedMd5: t.expected?.dig ?? null,
      expectedSize: t.expected?.size ?? null,
      actualMd5: t.actual?.md5 ?? null,
      actualSize: t.actual?.size ?? t.size,
      ok: t.state === 'ok',
    });
  }
  return { files, bytes };
}

export interface CheckResult {
  report: CheckReport;
  files: number;
  bytes: number;
}

export async function checkTarget(config: Config, opts: CheckOptions, log: Logger, rec: RunRecorder): Promise<CheckResult> {
  const report = evaluate(await gatherFacts(config, opts, log));
  return { report, ...record(report, rec) };
}
