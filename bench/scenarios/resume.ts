/**
 * Measure 2: a pull killed (SIGKILL) when its .part reaches 60 %, then run
 * again: how many bytes it fetches a second time and how long finishing
 * takes, against a full pull in the same round.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { partPathOf } from '@altbackup/shared';
import { TARGET_BIN, startAltSource, target, unavailableFrom, Unavailable } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import type { BenchTarball } from '../support/data.js';
import { settleDisk, start } from '../support/exec.js';
import { checkPulled, pullArgs } from '../support/pulled.js';
import { formatBytes, formatSeconds, type Row } from '../support/report.js';
import { absoluteRow, attempt, attempts, compareRow } from '../support/rows.js';

const CUT_AT = 0.6;

/** Polls the .part until it holds `bytes`, then SIGKILLs the puller; returns the .part size left behind. */
export async function cutAt(child: ChildProcess, part: string, bytes: number, timeoutMs: number): Promise<number> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => { gone = true; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const size = await stat(part).then((s) => s.size, () => 0);
    if (size >= bytes) break;
    if (gone) throw new Unavailable('failed', `altbackup pull exited (code ${child.exitCode}) before ${part} reached ${bytes} bytes (last seen ${size})`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Unavailable('failed', `${part} did not reach ${bytes} bytes within ${timeoutMs} ms (last seen ${size})`);
    }
    await sleep(1);
  }
  child.kill('SIGKILL');
  await exited;
  return stat(part).then((s) => s.size, () => 0);
}

interface TransferRow {
  bytes_fetched: number;
  resumed_from: number;
}

/** Where the hash state saved in the `.part.meta` stands (bytes), null when none was saved. */
export async function savedHashOffset(part: string): Promise<number | null> {
  try {
    const meta = JSON.parse(await readFile(part + '.meta', 'utf8')) as { hashed?: { offset?: unknown } | null };
    return typeof meta.hashed?.offset === 'number' ? meta.hashed.offset : null;
  } catch {
    return null;
  }
}

/** The newest transfer of `rel` in the target's ledger (the resumed one). */
export function lastTransfer(targetRoot: string, rel: string): TransferRow | null {
  const db = new Database(join(targetRoot, '.altbackup', 'ledger.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT bytes_fetched, resumed_from FROM transfers WHERE path = ? ORDER BY id DESC LIMIT 1').get(rel) as TransferRow | undefined) ?? null;
  } finally {
    db.close();
  }
}

/** Bytes sent according to the server's Prometheus text (a counter named like *bytes*sent*). */
export async function bytesSent(baseUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    let total: number | null = null;
    for (const line of text.split('\n')) {
      const m = /^([a-z_:]*bytes[a-z_:]*sent[a-z_:]*|[a-z_:]*sent[a-z_:]*bytes[a-z_:]*)(\{[^}]*\})?\s+([0-9.e+]+)$/i.exec(line.trim());
      if (m) total = (total ?? 0) + Number(m[3]);
    }
    return total;
  } catch {
    return null;
  }
}

/**
 * Bytes the second run downloaded that the first had already written: the
 * ledger's bytes_fetched minus what was really missing after the cut.
 */
export function refetched(size: number, partLeft: number, fetchedAgain: number): number {
  return Math.max(0, fetchedAgain - (size - partLeft));
}

/** Times a full pull into an empty target. */
async function fullPull(args: string[], targetRoot: string, t: BenchTarball): Promise<number> {
  await rm(targetRoot, { recursive: true, force: true });
  await settleDisk();
  const full = await target(args, { timeoutMs: 600_000 });
  if (full.code !== 0) throw unavailableFrom('altbackup pull', full);
  await checkPulled(targetRoot, t);
  await rm(targetRoot, { recursive: true, force: true });
  return full.ms;
}

async function oneRound(ctx: BenchContext, url: string, dir: string, t: BenchTarball, fullMs: number | undefined): Promise<{ full: number; resume: number; again: number; readBack: number; source: string }> {
  const targetRoot = join(dir, 'target');
  const args = pullArgs(url, targetRoot, t);
  const full = fullMs ?? await fullPull(args, targetRoot, t);
  await rm(targetRoot, { recursive: true, force: true });

  const child = start(TARGET_BIN, args, { stdio: 'ignore' });
  const stopChild = ctx.cleanup.add('cut puller', () => { child.kill('SIGKILL'); });
  const partAbs = join(targetRoot, partPathOf(t.rel));
  const partLeft = await cutAt(child, partAbs, Math.ceil(t.size * CUT_AT), 300_000);
  await stopChild();
  // What the resume reads back to hash: the bytes after the saved hash state.
  const readBack = partLeft - ((await savedHashOffset(partAbs)) ?? 0);

  const before = await bytesSent(url);
  await settleDisk();
  const resumed = await target(args, { timeoutMs: 600_000 });
  if (resumed.code !== 0) throw unavailableFrom('altbackup pull (resume after SIGKILL)', resumed);
  await checkPulled(targetRoot, t);
  const after = await bytesSent(url);

  let again: number;
  let source: string;
  const row = (() => { try { return lastTransfer(targetRoot, t.rel); } catch { return null; } })();
  if (row && row.bytes_fetched > 0) {
    again = refetched(t.size, partLeft, row.bytes_fetched);
    source = `ledger (last run resumed from ${row.resumed_from} of ${partLeft} bytes left by the cut)`;
  } else if (before !== null && after !== null) {
    again = refetched(t.size, partLeft, after - before);
    source = 'server /metrics bytes sent';
  } else {
    throw new Unavailable('failed', 'neither the ledger nor /metrics tells the bytes fetched by the resumed pull');
  }
  await rm(targetRoot, { recursive: true, force: true });
  return { full, resume: resumed.ms, again, readBack, source };
}

export const resumeScenario: Scenario = {
  id: 2,
  title: 'resume after SIGKILL at 60% vs a full pull',
  async run(ctx: BenchContext): Promise<Row[]> {
    const { root, tarball } = await ctx.bigTarball();
    const dir = join(ctx.work, 'resume');
    await mkdir(dir, { recursive: true });
    const state = attempts();
    const full: number[] = [];
    const resume: number[] = [];
    const again: number[] = [];
    const readBack: number[] = [];
    let source = '';
    // Measure 1's pulls of the same tarball are the baseline when it ran (saves a full pull a round).
    const baseline = ctx.fullPullMs.length >= ctx.runs ? ctx.fullPullMs.slice(0, ctx.runs) : null;
    const alt = await attempt(state, () => startAltSource(root));
    if (alt) {
      const stop = ctx.cleanup.add('altbackup-source (2)', alt.stop);
      for (let i = 0; i < ctx.runs && !state.why; i++) {
        ctx.log(`  run ${i + 1}/${ctx.runs}`);
        const r = await attempt(state, () => oneRound(ctx, alt.url, dir, tarball, baseline?.[i]));
        if (r) {
          full.push(r.full);
          resume.push(r.resume);
          again.push(r.again);
          readBack.push(r.readBack);
          source = r.source;
        }
      }
      await stop();
    }
    const size = formatBytes(tarball.size);
    return [
      absoluteRow({ id: 2, measure: `resume ${size} after SIGKILL at 60%: bytes fetched again`, alt: state.why ?? again, comparison: `full: ${size}`, format: formatBytes, target: '<= 1 MiB', ok: (v) => v <= 1024 * 1024, ...(source ? { note: `from the ${source}; max over runs ${formatBytes(Math.max(...again))}` } : {}) }),
      compareRow({
        id: 2, measure: `resume ${size} after cut: time to finish vs full pull`, alt: state.why ?? resume, comp: full, compName: 'full pull', format: formatSeconds, target: '<= 0.50', ok: (r) => r <= 0.5,
        note: `${baseline ? 'full pulls are those of measure 1, run i paired with run i' : 'full pull measured in the same round'}; each run: resume ${resume.map(formatSeconds).join(', ') || '-'}, full ${full.map(formatSeconds).join(', ') || '-'}; read back from the .part to hash (after the saved hash state): ${readBack.map(formatBytes).join(', ') || '-'}`,
      }),
    ];
  },
};
