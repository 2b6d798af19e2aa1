/** Measure 3: `check_target --all` over four tarballs against `md5sum` of the same files. */
import { join } from 'node:path';
import { targetOk } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { layoutPath, makeTarball, type BenchTarball } from '../support/data.js';
import { expectMd5, md5sum } from '../support/pulled.js';
import { formatBytes, formatSeconds, type Row } from '../support/report.js';
import { attempt, attempts, compareRow } from '../support/rows.js';

/** Four tarballs as a day on the target holds them (two dybsvn, one dybaux, one svnsetup). */
const NAMES = [
  ['svn', 'dybsvn', 'dybsvn-20550.tar.gz', 'dybsvn'],
  ['tracs', 'dybsvn', 'dybsvn.tar.gz', 'dybsvn'],
  ['svn', 'dybaux', 'dybaux-5210.tar.gz', 'dybaux'],
  ['folders', 'svnsetup', 'svnsetup.tar.gz', 'svnsetup'],
] as const;

export const checkTargetScenario: Scenario = {
  id: 3,
  title: 'check_target --all vs md5sum',
  async run(ctx: BenchContext): Promise<Row[]> {
    const root = join(ctx.work, 'check-target');
    const tarballs: BenchTarball[] = [];
    for (const [catfold, subfold, name, wanted] of NAMES) {
      tarballs.push(await makeTarball(root, layoutPath(catfold, subfold, name), ctx.sizes.check, `check-${name}`, wanted));
    }
    const state = attempts();
    const alt: number[] = [];
    const md5: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      await attempt(state, async () => {
        const r = await targetOk('altbackup check_target --all', ['check_target', '--all', '--target', root, '--log-level', 'warn'], { timeoutMs: 600_000 });
        alt.push(r.ms);
      });
      const m = await md5sum(tarballs.map((t) => t.abs));
      tarballs.forEach((t, k) => expectMd5('md5sum', m.md5s[k], t.md5));
      md5.push(m.ms);
    }
    return [
      compareRow({ id: 3, measure: `check_target --all, 4 x ${formatBytes(ctx.sizes.check)} vs md5sum`, alt: state.why ?? alt, comp: md5, format: formatSeconds, target: '<= 0.70', ok: (r) => r <= 0.7 }),
    ];
  },
};
