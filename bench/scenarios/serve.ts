/**
 * Measure 6: download throughput from altbackup-source against nginx serving
 * the same file, curl as the client for both, one and four at once.
 */
import { join } from 'node:path';
import { recordServerPeak, startAltSource, Unavailable, type SourceServer } from '../support/altbackup.js';
import type { BenchContext, Scenario } from '../support/context.js';
import { nowMs, runOk } from '../support/exec.js';
import { startNginx } from '../support/nginx.js';
import { formatBytes, formatRate, type Row } from '../support/report.js';
import { attempt, attempts, compareRow } from '../support/rows.js';

/** Aggregate bytes/s of `n` concurrent `curl -o /dev/null` downloads of `url`. */
export async function curlThroughput(url: string, size: number, n: number): Promise<number> {
  const t0 = nowMs();
  const speeds = await Promise.all(
    Array.from({ length: n }, () => runOk('/usr/bin/curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', url], { timeoutMs: 600_000 })),
  );
  const wall = nowMs() - t0;
  for (const s of speeds) {
    const got = Number(s.stdout.trim().split(' ')[0]);
    if (got !== size) throw new Error(`curl got ${got} bytes of ${url}, expected ${size}`);
  }
  // One download: curl's own figure (excludes process start). Several: total bytes over the wall time they shared.
  return n === 1 ? Number(speeds[0]!.stdout.trim().split(' ')[1]) : (n * size) / (wall / 1000);
}

export const serveScenario: Scenario = {
  id: 6,
  title: 'serving throughput vs nginx',
  async run(ctx: BenchContext): Promise<Row[]> {
    const { root, tarball } = await ctx.bigTarball();
    const dir = join(ctx.work, 'serve');
    const nginx = await startNginx(join(dir, 'nginx'), root);
    const stopNginx = ctx.cleanup.add('nginx (6)', nginx.stop);
    const state = attempts();
    const alt: SourceServer | null = await attempt(state, () => startAltSource(root));
    const stopAlt = alt ? ctx.cleanup.add('altbackup-source (6)', alt.stop) : async () => {};
    const ngUrl = `${nginx.url}/${tarball.rel}`;
    const a1: number[] = [], n1: number[] = [], a4: number[] = [], n4: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`  run ${i + 1}/${ctx.runs}`);
      if (alt) await attempt(state, async () => { a1.push(await curlThroughput(alt.fileUrl(tarball.rel), tarball.size, 1).catch(failed)); });
      n1.push(await curlThroughput(ngUrl, tarball.size, 1));
      if (alt) await attempt(state, async () => { a4.push(await curlThroughput(alt.fileUrl(tarball.rel), tarball.size, 4).catch(failed)); });
      n4.push(await curlThroughput(ngUrl, tarball.size, 4));
    }
    if (alt) await recordServerPeak(ctx, alt, 'measure 6');
    await stopAlt();
    await stopNginx();
    const size = formatBytes(tarball.size);
    return [
      compareRow({ id: 6, measure: `serve ${size}, 1 curl, vs nginx`, alt: state.why ?? a1, comp: n1, compName: 'nginx', format: formatRate, target: '>= 0.80', ok: (r) => r >= 0.8 }),
      compareRow({ id: 6, measure: `serve ${size}, 4 curls at once, vs nginx`, alt: state.why ?? a4, comp: n4, compName: 'nginx', format: formatRate, target: '>= 0.80', ok: (r) => r >= 0.8, note: 'nginx as Debian configures it: sendfile on, worker_processes auto; aggregate bytes over wall time' }),
    ];
  },
};

/** A download that altbackup-source broke is a failed figure, not a bench crash. */
function failed(e: unknown): never {
  throw new Unavailable('failed', `altbackup-source download: ${(e as Error).message}`);
}
