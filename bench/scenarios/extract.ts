/** Measure 4: `extract_tracdb` of the big trac.db member against `tar -xzf ARCHIVE MEMBER`. */
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DAY } from '@altbackup/shared/testing';
import { targetWithRss, unavailableFrom, Unavailable } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { BENCH_TIME } from '../support/data.js';
import { runOk } from '../support/exec.js';
import { formatBytes, formatMB, formatSeconds, type Row } from '../support/report.js';
import { attempt, attempts, compareRow } from '../support/rows.js';
import { median } from '../support/stats.js';
import { makeTracTarball, type TracTarball } from '../support/tracTarball.js';

/** Where SPEC 3 says extract_tracdb writes: <base>/tracs/<name>/YYYY/MM/DD/HHMMSS/<name>/db/trac.db. */
export function extractedPath(base: string, t: TracTarball): string {
  return join(base, 'tracs', t.wanted, DAY, BENCH_TIME, t.member);
}

async function expectSize(what: string, file: string, size: number): Promise<void> {
  const got = await stat(file).then((s) => s.size, () => -1);
  if (got !== size) throw new Unavailable('failed', `${what}: ${file} is ${got < 0 ? 'missing' : `${got} bytes`}, expected ${size}`);
}

export const extractScenario: Scenario = {
  id: 4,
  title: 'extract_tracdb vs tar -xzf',
  async run(ctx: BenchContext): Promise<Row[]> {
    const dir = join(ctx.work, 'extract');
    const targetRoot = join(dir, 'target');
    const t0 = Date.now();
    const t = await makeTracTarball(targetRoot, ctx.sizes.extractGz);
    ctx.log(`generated ${t.rel} (${formatBytes(t.size)}, ${t.member} ${formatBytes(t.memberSize)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const base = join(dir, 'extracted');
    const tarOut = join(dir, 'tar-out');
    const state = attempts();
    const alt: number[] = [];
    const rss: number[] = [];
    const tarMs: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      await attempt(state, async () => {
        const r = await targetWithRss(['extract_tracdb', '--target', targetRoot, '--base', base, '--day', DAY, '--wanted', t.wanted, '--log-level', 'warn'], join(dir, 'time-v.txt'), { timeoutMs: 600_000 });
        if (r.code !== 0) throw unavailableFrom('altbackup extract_tracdb', r);
        await expectSize('extract_tracdb', extractedPath(base, t), t.memberSize);
        alt.push(r.ms);
        if (r.maxRssBytes !== null) rss.push(r.maxRssBytes);
      });
      await rm(base, { recursive: true, force: true });

      await mkdir(tarOut, { recursive: true });
      const x = await runOk('/usr/bin/tar', ['-xzf', t.abs, '-C', tarOut, t.member], { timeoutMs: 600_000 });
      const out = join(tarOut, t.member);
      const got = await stat(out).then((s) => s.size, () => -1);
      if (got !== t.memberSize) throw new Error(`tar extracted ${got} bytes of ${t.member}, expected ${t.memberSize}`);
      tarMs.push(x.ms);
      await rm(tarOut, { recursive: true, force: true });
    }
    return [
      compareRow({
        id: 4,
        measure: `extract_tracdb ${formatBytes(t.memberSize)} member of ${formatBytes(t.size)} .tar.gz vs tar -xzf`,
        alt: state.why ?? alt, comp: tarMs, format: formatSeconds, target: '<= 1.10', ok: (r) => r <= 1.1,
        ...(rss.length ? { note: `extract_tracdb peak RSS ${formatMB(median(rss))}` } : {}),
      }),
    ];
  },
};
