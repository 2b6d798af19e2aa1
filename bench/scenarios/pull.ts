/**
 * Measure 1: a verified pull of one big tarball over loopback, against the
 * ways an operator would otherwise copy and check it.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { recordServerPeak, startAltSource, targetWithRss, unavailableFrom, type SourceServer } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { runOk, settleDisk } from '../support/exec.js';
import { startNginx } from '../support/nginx.js';
import { checkPulled, expectMd5, md5sum, pullArgs } from '../support/pulled.js';
import { formatBytes, formatSeconds, type Row } from '../support/report.js';
import { attempt, attempts, compareRow } from '../support/rows.js';
import { median } from '../support/stats.js';
import { startSshd } from '../support/sshd.js';

export function secondsAndRate(size: number): (ms: number) => string {
  return (ms) => `${formatSeconds(ms)} (${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s)`;
}

/**
 * The two-pass way: `tool` copies the tarball to `copy`, then md5sum reads it
 * back, each timed after a sync; the copy is checked and removed.
 */
async function copyThenMd5(tool: string, cmd: string, args: readonly string[], copy: string, md5: string, timeoutMs: number): Promise<{ copyMs: number; md5Ms: number }> {
  await settleDisk();
  const c = await runOk(cmd, args, { timeoutMs });
  await settleDisk();
  const m = await md5sum([copy]);
  expectMd5(tool, m.md5s[0], md5);
  await rm(copy, { force: true });
  return { copyMs: c.ms, md5Ms: m.ms };
}

/**
 * How much a second core helps on the day's machine: `md5sum` of the two
 * halves of `file` at once, timed after a sync, against one `md5sum` of the
 * whole (the caller's). Every ratio here leans on two cores (the pull hashes
 * while it receives), so it moves with this figure. The halves are written
 * once, outside the timing, and removed.
 */
async function twoHalvesAtOnce(file: string, size: number, dir: string, runs: number): Promise<number[]> {
  const halves = [join(dir, 'half1'), join(dir, 'half2')];
  const cut = Math.floor(size / 2);
  await runOk('/bin/sh', ['-c', 'head -c "$1" "$2" > "$3" && tail -c +"$(($1 + 1))" "$2" > "$4"', 'sh', String(cut), file, halves[0]!, halves[1]!]);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    await settleDisk();
    ms.push(await runOk('/bin/sh', ['-c', 'md5sum "$1" >/dev/null & md5sum "$2" >/dev/null & wait', 'sh', halves[0]!, halves[1]!]).then((r) => r.ms));
  }
  await Promise.all(halves.map((h) => rm(h, { force: true })));
  return ms;
}

export const pullScenario: Scenario = {
  id: 1,
  title: 'verified pull over loopback vs curl+md5sum, scp+md5sum, rsync',
  async run(ctx: BenchContext): Promise<Row[]> {
    const { root, tarball } = await ctx.bigTarball();
    const dir = join(ctx.work, 'pull');
    await mkdir(dir, { recursive: true });
    const state = attempts();

    const sshd = await startSshd(join(dir, 'sshd'));
    const stopSshd = ctx.cleanup.add('sshd', sshd.stop);

    // curl fetches from altbackup-source when it runs, so both clients face the same server.
    const alt: SourceServer | null = await attempt(state, () => startAltSource(root));
    let httpUrl: string;
    let stopHttp: () => Promise<void>;
    if (alt) {
      stopHttp = ctx.cleanup.add('altbackup-source (1)', alt.stop);
      httpUrl = alt.fileUrl(tarball.rel);
    } else {
      const nginx = await startNginx(join(dir, 'nginx'), root);
      stopHttp = ctx.cleanup.add('nginx (1)', nginx.stop);
      httpUrl = `${nginx.url}/${tarball.rel}`;
    }

    const cpu: { user: number; sys: number }[] = [];
    const t = { pull: [] as number[], curl: [] as number[], md5: [] as number[], scp: [] as number[], scpMd5: [] as number[], rsync: [] as number[] };
    const copy = join(dir, 'copy.tar.gz');
    const targetRoot = join(dir, 'target');
    const timeoutMs = 600_000;
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      if (alt) {
        const server = alt;
        await attempt(state, async () => {
          await settleDisk();
          const r = await targetWithRss(pullArgs(server.url, targetRoot, tarball), join(dir, 'time-v.txt'), { timeoutMs });
          if (r.code !== 0) throw unavailableFrom('altbackup pull', r);
          await checkPulled(targetRoot, tarball);
          t.pull.push(r.ms);
          if (r.cpu) cpu.push(r.cpu);
          ctx.fullPullMs.push(r.ms);
          if (r.maxRssBytes !== null) ctx.rss.puller.push(r.maxRssBytes);
        });
        await rm(targetRoot, { recursive: true, force: true });
      }

      const c = await copyThenMd5('curl', '/usr/bin/curl', ['-sS', '--fail', '-o', copy, httpUrl], copy, tarball.md5, timeoutMs);
      t.curl.push(c.copyMs);
      t.md5.push(c.md5Ms);

      const s = await copyThenMd5('scp', '/usr/bin/scp', ['-q', '-P', String(sshd.port), ...sshd.clientOptions, `${sshd.login}:${tarball.abs}`, copy], copy, tarball.md5, timeoutMs);
      t.scp.push(s.copyMs);
      t.scpMd5.push(s.md5Ms);

      await settleDisk();
      const r = await runOk('/usr/bin/rsync', ['-a', '-e', sshd.rsyncShell, `${sshd.login}:${tarball.abs}`, copy], { timeoutMs });
      t.rsync.push(r.ms);
      await rm(copy, { force: true });
    }

    const halves = await twoHalvesAtOnce(tarball.abs, tarball.size, dir, ctx.runs);

    if (alt) await recordServerPeak(ctx, alt, 'measure 1');
    await stopHttp();
    await stopSshd();

    const size = formatBytes(tarball.size);
    const fmt = secondsAndRate(tarball.size);
    const pull = state.why ?? t.pull;
    const slower = t.curl.map((c, i) => Math.max(c, t.md5[i]!));
    const twoPass = t.curl.map((c, i) => c + t.md5[i]!);
    const oldWay = t.scp.map((s, i) => s + t.scpMd5[i]!);
    const server = alt ? 'altbackup-source' : 'nginx (altbackup-source not available)';
    const runs = (xs: number[]) => xs.map(formatSeconds).join(', ') || '-';
    const secondCore = median(t.md5) / median(halves);
    const parts = `the day's machine: curl -o alone from ${server} ${formatSeconds(median(t.curl))}, md5sum ${formatSeconds(median(t.md5))}, md5sum of the two halves at once ${formatSeconds(median(halves))} (a second core helped ${secondCore.toFixed(2)} times of 2); scp ${formatSeconds(median(t.scp))}; each run: pull ${runs(t.pull)} (CPU user+sys ${cpu.map((c) => `${c.user.toFixed(2)}+${c.sys.toFixed(2)} s`).join(', ') || '-'}), curl ${runs(t.curl)}, md5sum ${runs(t.md5)}; all files warm in page cache for every tool; a sync before each timed command`;
    return [
      compareRow({ id: 1, measure: `pull ${size} verified vs slower of curl -o / md5sum alone`, alt: pull, comp: slower, format: fmt, target: '<= 1.10', ok: (r) => r <= 1.1, note: parts }),
      compareRow({ id: 1, measure: `pull ${size} vs curl -o && md5sum (two-pass)`, alt: pull, comp: twoPass, format: fmt, target: '<= 0.85', ok: (r) => r <= 0.85 }),
      compareRow({ id: 1, measure: `pull ${size} vs scp (sshd) && md5sum`, alt: pull, comp: oldWay, format: fmt, target: '< 1', ok: (r) => r < 1 }),
      compareRow({ id: 1, measure: `pull ${size} vs rsync -e ssh`, alt: pull, comp: t.rsync, format: fmt, target: '< 1', ok: (r) => r < 1 }),
    ];
  },
};
