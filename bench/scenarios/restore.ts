/**
 * Measure 11: the restore proofs and the scrub against what an operator
 * would run by hand for the same proof: `tar -xzf` of the Trac database then
 * `sqlite3 trac.db 'PRAGMA integrity_check'`; `tar -xzf` of an svn hot copy
 * then `svnadmin verify`; `md5sum` of the stored files for `scrub`.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { targetWithRss, unavailableFrom } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { GiB, MiB, layoutPath, makeTarball, type BenchTarball } from '../support/data.js';
import { runOk } from '../support/exec.js';
import { md5sum } from '../support/pulled.js';
import { formatBytes, formatMB, formatSeconds, type Row } from '../support/report.js';
import { absoluteRow, attempt, attempts, compareRow } from '../support/rows.js';
import { makeSvnTarball } from '../support/svnTarball.js';
import { makeTracTarball } from '../support/tracTarball.js';

/** Runs altbackup `args` and then the comparison `by hand`, `ctx.runs` times; per-run times and peak RSS. */
async function versus(ctx: BenchContext, dir: string, args: readonly string[], byHand: () => Promise<number>): Promise<{ alt: number[] | ReturnType<typeof attempts>['why']; comp: number[]; rss: number[] }> {
  const state = attempts();
  const alt: number[] = [];
  const comp: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ctx.log(`  run ${i + 1}/${ctx.runs}`);
    await attempt(state, async () => {
      const r = await targetWithRss([...args, '--log-level', 'warn'], join(dir, 'time-v.txt'), { timeoutMs: 1_800_000 });
      if (r.code !== 0) throw unavailableFrom(`altbackup ${args[0]}`, r);
      alt.push(r.ms);
      if (r.maxRssBytes !== null) rss.push(r.maxRssBytes);
    });
    comp.push(await byHand());
  }
  return { alt: state.why ?? alt, comp, rss };
}

export const restoreScenario: Scenario = {
  id: 11,
  title: 'check_restore and scrub vs tar, sqlite3, svnadmin and md5sum',
  async run(ctx: BenchContext): Promise<Row[]> {
    const dir = join(ctx.work, 'restore');
    const rows: Row[] = [];
    const allRss: number[] = [];
    const scratch = join(dir, 'scratch');

    // A Trac tarball of at least 1 GiB, its trac.db twice that uncompressed.
    const tracRoot = join(dir, 'trac');
    const trac = await makeTracTarball(tracRoot, ctx.quick ? 16 * MiB : 1 * GiB);
    ctx.log(`generated ${trac.rel} (${formatBytes(trac.size)}, ${trac.member} ${formatBytes(trac.memberSize)})`);
    const out = join(dir, 'by-hand');
    const t = await versus(ctx, dir, ['check_restore', '--all', '--target', tracRoot, '--scratch', scratch, '--min-free', '0'], async () => {
      await mkdir(out, { recursive: true });
      const x = await runOk('/usr/bin/tar', ['-xzf', trac.abs, '-C', out, trac.member], { timeoutMs: 1_800_000 });
      const q = await runOk('sqlite3', [join(out, trac.member), 'PRAGMA integrity_check'], { timeoutMs: 600_000 });
      if (q.stdout.trim() !== 'ok') throw new Error(`sqlite3 integrity_check said ${q.stdout.trim()}`);
      await rm(out, { recursive: true, force: true });
      return x.ms + q.ms;
    });
    allRss.push(...t.rss);
    rows.push(compareRow({
      id: 11, measure: `check_restore of a ${formatBytes(trac.size)} Trac tarball vs tar -xzf member + sqlite3 integrity_check`,
      alt: t.alt as number[], comp: t.comp, format: formatSeconds, target: '<= 1.10', ok: (r) => r <= 1.1,
    }));

    // An svn hot copy: many revisions of incompressible content, so verify has work to do.
    const svnRoot = join(dir, 'svn');
    const svn = await makeSvnTarball(svnRoot, ctx.quick ? { revisions: 50, bytesPerRevision: 64 * 1024 } : { revisions: 1500, bytesPerRevision: 128 * 1024 }, join(dir, 'svn-work'));
    ctx.log(`generated ${svn.rel} (${formatBytes(svn.size)}, ${svn.revisions} revisions)`);
    const s = await versus(ctx, dir, ['check_restore', '--all', '--target', svnRoot, '--scratch', scratch, '--min-free', '0'], async () => {
      await mkdir(out, { recursive: true });
      const x = await runOk('/usr/bin/tar', ['-xzf', svn.abs, '-C', out], { timeoutMs: 1_800_000 });
      const v = await runOk('svnadmin', ['verify', '--quiet', join(out, svn.top)], { timeoutMs: 1_800_000 });
      await rm(out, { recursive: true, force: true });
      return x.ms + v.ms;
    });
    allRss.push(...s.rss);
    rows.push(compareRow({
      id: 11, measure: `check_restore of a ${formatBytes(svn.size)} svn hot copy (${svn.revisions} revisions) vs tar -xzf + svnadmin verify`,
      alt: s.alt as number[], comp: s.comp, format: formatSeconds, target: '<= 1.10', ok: (r) => r <= 1.1,
    }));

    // scrub of four stored tarballs against md5sum of the same files.
    const scrubRoot = join(dir, 'scrub');
    const files: BenchTarball[] = [];
    for (const [catfold, subfold, name] of [['svn', 'dybsvn', 'dybsvn-20550.tar.gz'], ['tracs', 'dybsvn', 'dybsvn.tar.gz'], ['svn', 'dybaux', 'dybaux-5210.tar.gz'], ['folders', 'svnsetup', 'svnsetup.tar.gz']] as const) {
      files.push(await makeTarball(scrubRoot, layoutPath(catfold, subfold, name), ctx.sizes.check, `scrub-${name}`, subfold));
    }
    const total = files.reduce((n, f) => n + f.size, 0);
    const c = await versus(ctx, dir, ['scrub', '--target', scrubRoot, '--max-bytes', String(total)], async () => (await md5sum(files.map((f) => f.abs))).ms);
    allRss.push(...c.rss);
    rows.push(compareRow({
      id: 11, measure: `scrub of 4 x ${formatBytes(ctx.sizes.check)} vs md5sum`, compName: 'md5sum',
      alt: c.alt as number[], comp: c.comp, format: formatSeconds, target: '<= 1.10', ok: (r) => r <= 1.1,
    }));
    rows.push(absoluteRow({
      id: 11, measure: 'peak RSS of check_restore and scrub (max over runs)', alt: allRss.length ? [Math.max(...allRss)] : [],
      format: formatMB, target: '< 200 MB', ok: (v) => v < 200 * MiB,
    }));
    return rows;
  },
};
